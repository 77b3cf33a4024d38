import type { Behavior } from './behavior.js';

/**
 * Inclusive gateway: as a join it waits until no other token of the scope can still arrive (the runner
 * decides); as a split it takes every flow whose condition is true, else the default, else an incident.
 */
export const inclusiveGateway: Behavior = {
  activate(runner, token) {
    if (runner.element(token.elementId).incoming.length > 1) runner.joinInclusive(token);
    else this.afterJoin!(runner, token);
  },
  afterJoin(runner, token) {
    runner.route(token, { firstOnly: false });
  },
};
