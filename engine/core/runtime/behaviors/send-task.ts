import type { Behavior } from './behavior.js';
import { publishThrow } from './throw.js';

/** Send task: publishes its message (through a job after commit) and goes on. */
export const sendTask: Behavior = {
  activate(runner, token) {
    publishThrow(runner, token, runner.element(token.elementId));
    runner.takeOutgoing(token);
  },
};
