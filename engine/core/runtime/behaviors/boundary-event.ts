import type { Behavior } from './behavior.js';

/** Boundary event: the runner placed a token on it when it fired; it goes on along its outgoing flow. */
export const boundaryEvent: Behavior = {
  activate(runner, token) {
    runner.takeOutgoing(token);
  },
};
