import type { Behavior } from './behavior.js';

/** None end event ends its token; terminate end event ends every token of its scope (BPMN 13.5.6). */
export const endEvent: Behavior = {
  activate(runner, token) {
    if (runner.element(token.elementId).endEventKind === 'terminate') runner.terminateScope(token);
    else runner.leave(token, []);
  },
};
