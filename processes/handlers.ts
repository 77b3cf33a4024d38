/**
 * Service-task handlers of the fiscal processes, keyed by `fiscal:taskType`. Each process folder contributes
 * its own through a factory that receives what the handlers may use (the database for the ledgers, the clock);
 * the engine runs them as queue jobs with retries (see engine/core/engine.ts).
 */
import type { Knex } from 'knex';
import type { ServiceHandler } from '../engine/index.js';
import { treasuryPaymentHandlers } from './treasury-payment/handlers.js';
import { budgetPreparationHandlers } from './budget-preparation/handlers.js';
import { nonTaxRevenueHandlers } from './non-tax-revenue/handlers.js';
import { transferPaymentHandlers } from './transfer-payment/handlers.js';

/** What a process's handlers may use. */
export interface HandlerDeps {
  readonly knex: Knex;
  /** Epoch milliseconds (the engine's clock). */
  now(): number;
}

/** Every handler, by task type; a task type defined twice is a programming error. */
export function createServiceHandlers(deps: HandlerDeps): Record<string, ServiceHandler> {
  const all: Record<string, ServiceHandler> = {};
  for (const group of [
    treasuryPaymentHandlers(deps),
    budgetPreparationHandlers(deps),
    nonTaxRevenueHandlers(deps),
    transferPaymentHandlers(deps),
  ]) {
    for (const [type, handler] of Object.entries(group)) {
      if (all[type]) throw new Error(`Service task type "${type}" is defined twice`);
      all[type] = handler;
    }
  }
  return all;
}
