import type { Behavior } from './behavior.js';

/** Parallel gateway: joins one token from every incoming flow, then splits onto every outgoing flow. */
export const parallelGateway: Behavior = {
  activate(runner, token) {
    const element = runner.element(token.elementId);
    const going = element.incoming.length > 1 ? runner.joinParallel(token) : token;
    if (going) runner.leave(going, element.outgoing);
  },
};
