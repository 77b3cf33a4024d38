import type { Behavior } from './behavior.js';

/** Embedded sub-process: the token becomes a scope; it leaves when its last child token ends. */
export const subProcess: Behavior = {
  activate(runner, token) {
    runner.enterScope(token, runner.element(token.elementId).startEventId!);
  },
};
