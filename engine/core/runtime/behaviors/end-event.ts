import { throwError, throwEscalation } from '../events.js';
import type { Behavior } from './behavior.js';
import { publishThrow } from './throw.js';

/**
 * End events: none ends its token; terminate ends every token of its scope (BPMN 13.5.6); error and escalation
 * are thrown to their catch; message and signal are published, then the token ends.
 */
export const endEvent: Behavior = {
  activate(runner, token) {
    const element = runner.element(token.elementId);
    const definition = element.eventDefinition;
    if (element.endEventKind === 'terminate' || definition?.type === 'terminate') {
      runner.terminateScope(token);
      return;
    }
    if (definition?.type === 'error') {
      throwError(runner, token, definition.errorCode ?? 'ERROR', definition.errorMessage ?? null);
      if (runner.work.executions.get(token.id) === token) runner.leave(token, []);
      return;
    }
    if (definition?.type === 'escalation') {
      if (throwEscalation(runner, token, definition.escalationCode ?? 'ESCALATION')) return;
    } else {
      publishThrow(runner, token, element);
    }
    runner.leave(token, []);
  },
};
