import type { Behavior } from './behavior.js';

/**
 * Exclusive gateway: merging passes every token through; splitting takes the first flow (document order)
 * whose condition is true, else the default flow, else raises an incident.
 */
export const exclusiveGateway: Behavior = {
  activate(runner, token) {
    runner.route(token, { firstOnly: true });
  },
};
