import type { Behavior } from './behavior.js';

/** None start event: the token leaves at once. */
export const startEvent: Behavior = {
  activate(runner, token) {
    runner.takeOutgoing(token);
  },
};
