/**
 * I3: every effect was applied once. Each table that service tasks write with an idempotency key has that key
 * UNIQUE (grep `effect_key` in migrations/); the check confirms no key appears twice, and that the indicator
 * ledger never moved more money out of a payment's reservation than went in: per (payment, indicator),
 * reserved − consumed − released ≥ 0 and consumed − refunded ≥ 0 (a consume or release applied twice breaks it).
 */
import type { Invariant, Violation } from './types.js';
import { num, type Row } from './types.js';

/** The tables whose rows carry an effect key (the ones present in this database are checked). */
export const EFFECT_KEY_TABLES = [
  'treasury_ledger_entries',
  'treasury_monitor_hits',
  'transfer_allocations',
  'budget_control_numbers',
  'budget_submissions',
  'budget_replies',
  'budget_escalations',
  'budget_project_events',
  'nontax_notice_events',
  'nontax_deadline_breaches',
] as const;

export const effectKeys: Invariant = {
  name: 'I3',
  title: 'every effect key was applied once',
  async check(knex) {
    const violations: Violation[] = [];
    for (const table of EFFECT_KEY_TABLES) {
      if (!(await knex.schema.hasTable(table)) || !(await knex.schema.hasColumn(table, 'effect_key')))
        continue;
      const twice: Row[] = await knex(table)
        .select('effect_key')
        .count({ n: '*' })
        .groupBy('effect_key')
        .havingRaw('COUNT(*) > 1')
        .limit(1000);
      for (const row of twice)
        violations.push({
          ids: { table, effectKey: String(row.effect_key) },
          message: `effect key ${String(row.effect_key)} was applied ${num(row.n)} times in ${table}`,
        });
    }
    if (await knex.schema.hasTable('treasury_ledger_entries')) {
      const rows: Row[] = await knex('treasury_ledger_entries')
        .select('payment_ref', 'indicator_id', 'kind')
        .sum({ total: 'amount_fen' })
        .whereNotNull('payment_ref')
        .groupBy('payment_ref', 'indicator_id', 'kind');
      const held = new Map<string, { reserve: number; release: number; consume: number; refund: number }>();
      for (const row of rows) {
        const key = `${String(row.payment_ref)}\u0000${String(row.indicator_id)}`;
        const h = held.get(key) ?? { reserve: 0, release: 0, consume: 0, refund: 0 };
        const kind = String(row.kind);
        if (kind === 'reserve' || kind === 'release' || kind === 'consume' || kind === 'refund')
          h[kind] += num(row.total);
        held.set(key, h);
      }
      for (const [key, h] of held) {
        const [paymentRef, indicatorId] = key.split('\u0000') as [string, string];
        const ids = { paymentRef, indicatorId };
        const reserved = h.reserve - h.consume - h.release;
        if (reserved < 0)
          violations.push({
            ids,
            message: `payment ${paymentRef} consumed ${h.consume} 分 and released ${h.release} 分 of indicator ${indicatorId}, more than the ${h.reserve} 分 it reserved`,
          });
        if (h.consume - h.refund < 0)
          violations.push({
            ids,
            message: `payment ${paymentRef} refunded ${h.refund} 分 to indicator ${indicatorId}, more than the ${h.consume} 分 it consumed`,
          });
      }
    }
    return violations;
  },
};
