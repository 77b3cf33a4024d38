import { openTrigger } from '../events.js';
import type { Behavior } from './behavior.js';

/**
 * Event-based gateway: the token waits at the gateway while every event after it listens (owned by the token);
 * the first to fire wins, the others are closed, and the token passes through that event.
 */
export const eventBasedGateway: Behavior = {
  activate(runner, token) {
    const gateway = runner.element(token.elementId);
    for (const flowId of gateway.outgoing) {
      openTrigger(runner, token.id, runner.element(runner.flow(flowId).targetId), token);
    }
    runner.wait(token);
  },
};
