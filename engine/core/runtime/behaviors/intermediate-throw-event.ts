import { throwEscalation } from '../events.js';
import type { Behavior } from './behavior.js';
import { publishThrow } from './throw.js';

/** Intermediate throw event: none passes on; message and signal are published; an escalation is thrown first. */
export const intermediateThrowEvent: Behavior = {
  activate(runner, token) {
    const element = runner.element(token.elementId);
    if (element.eventDefinition?.type === 'escalation') {
      if (throwEscalation(runner, token, element.eventDefinition.escalationCode ?? 'ESCALATION')) return;
    } else {
      publishThrow(runner, token, element);
    }
    runner.takeOutgoing(token);
  },
};
