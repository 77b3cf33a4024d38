/**
 * Reference data for every installation (classifications, fund types, payment methods, warning levels …) and,
 * with `demo`, the demo data of each process (indicators for the demo units, control numbers, the non-tax item
 * catalogue and notices). Idempotent: existing rows are kept. Called by `npm start` and `fiscal-bpm seed`.
 */
import type { Knex } from 'knex';
import { seedReferenceData } from './reference/seed-reference-data.js';
import { seedTreasuryDemo } from './treasury-payment/demo-seed.js';
import { seedBudgetDemo } from './budget-preparation/demo-seed.js';
import { seedNonTaxDemo } from './non-tax-revenue/demo-seed.js';

export async function seedFiscalData(knex: Knex, options: { demo: boolean; now?: number }): Promise<void> {
  const now = options.now ?? Date.now();
  await seedReferenceData(knex, new Date(now));
  if (!options.demo) return;
  await seedTreasuryDemo(knex, now);
  await seedBudgetDemo(knex);
  await seedNonTaxDemo(knex);
}
