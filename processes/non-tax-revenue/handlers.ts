/**
 * Service-task handlers of the non-tax revenue processes (非税收入收缴), keyed by `fiscal:taskType`: the
 * collection (C1–C5, C8), incoming money (来款登记), the daily reconciliation (C6–C7), 退付, 减免缓 (C9) and the
 * item catalogue's maintenance (C0). Each group lives in its own module; this file only puts them together.
 */
import type { ServiceHandler } from '../../engine/index.js';
import type { HandlerDeps } from '../handlers.js';
import { collectionHandlers } from './collection-handlers.js';
import { deadlineBreachHandlers } from './deadline-breach-handler.js';
import { itemMaintenanceHandlers } from './item-maintenance-handlers.js';
import { reconciliationHandlers } from './reconciliation-handlers.js';
import { refundHandlers } from './refund-handlers.js';
import { reliefHandlers } from './relief-handlers.js';

export function nonTaxRevenueHandlers(deps: HandlerDeps): Record<string, ServiceHandler> {
  return {
    ...collectionHandlers(deps),
    ...reconciliationHandlers(deps),
    ...refundHandlers(deps),
    ...reliefHandlers(deps),
    ...itemMaintenanceHandlers(deps),
    ...deadlineBreachHandlers(deps),
  };
}
