/** Service-task handlers of this process (to be written). */
import type { ServiceHandler } from '../../engine/index.js';
import type { HandlerDeps } from '../handlers.js';

export function budgetPreparationHandlers(deps: HandlerDeps): Record<string, ServiceHandler> {
  void deps;
  return {};
}
