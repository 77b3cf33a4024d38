import { openTrigger } from '../events.js';
import type { Behavior } from './behavior.js';

/**
 * Intermediate catch event (timer, message, signal) and receive task: the token waits while a timer job or a
 * subscription is open; the trigger moves it on.
 */
export const catchEvent: Behavior = {
  activate(runner, token) {
    const element = runner.element(token.elementId);
    openTrigger(runner, token.id, element, token);
    runner.wait(token);
  },
};
