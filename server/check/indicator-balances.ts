/**
 * I4: for every budget indicator (预算指标), allocated = available + reserved + consumed, each part ≥ 0, and each
 * part equals what its ledger entries add up to (processes/treasury-payment/indicator-ledger.ts):
 * allocated = Σ allocate; reserved = Σ reserve − Σ release − Σ consume; consumed = Σ consume − Σ refund;
 * available = Σ allocate − Σ reserve + Σ release + Σ refund. Entries of an indicator that does not exist are
 * reported too.
 */
import type { Invariant, Violation } from './types.js';
import { num, type Row } from './types.js';

type Sums = { allocate: number; reserve: number; release: number; consume: number; refund: number };

export const indicatorBalances: Invariant = {
  name: 'I4',
  title: 'every indicator: allocated = available + reserved + consumed, each ≥ 0 and equal to its ledger',
  async check(knex) {
    if (!(await knex.schema.hasTable('treasury_indicators'))) return [];
    const violations: Violation[] = [];
    const sums = new Map<string, Sums>();
    const totals: Row[] = await knex('treasury_ledger_entries')
      .select('indicator_id', 'kind')
      .sum({ total: 'amount_fen' })
      .groupBy('indicator_id', 'kind');
    for (const row of totals) {
      const s = sums.get(String(row.indicator_id)) ?? {
        allocate: 0,
        reserve: 0,
        release: 0,
        consume: 0,
        refund: 0,
      };
      const kind = String(row.kind);
      if (kind in s) s[kind as keyof Sums] += num(row.total);
      else
        violations.push({
          ids: { indicatorId: String(row.indicator_id), kind },
          message: `indicator ${String(row.indicator_id)} has ledger entries of an unknown kind "${kind}"`,
        });
      sums.set(String(row.indicator_id), s);
    }
    const indicators: Row[] = await knex('treasury_indicators').select(
      'id',
      'allocated_fen',
      'available_fen',
      'reserved_fen',
      'consumed_fen',
    );
    for (const row of indicators) {
      const id = String(row.id);
      const ids = { indicatorId: id };
      const [allocated, available, reserved, consumed] = [
        num(row.allocated_fen),
        num(row.available_fen),
        num(row.reserved_fen),
        num(row.consumed_fen),
      ];
      for (const [name, value] of Object.entries({ allocated, available, reserved, consumed }))
        if (value < 0) violations.push({ ids, message: `indicator ${id}: ${name} is ${value} 分, below 0` });
      if (allocated !== available + reserved + consumed)
        violations.push({
          ids,
          message: `indicator ${id}: allocated ${allocated} 分 ≠ available ${available} + reserved ${reserved} + consumed ${consumed}`,
        });
      const s = sums.get(id) ?? { allocate: 0, reserve: 0, release: 0, consume: 0, refund: 0 };
      sums.delete(id);
      const ledger = {
        allocated: s.allocate,
        available: s.allocate - s.reserve + s.release + s.refund,
        reserved: s.reserve - s.release - s.consume,
        consumed: s.consume - s.refund,
      };
      const actual = { allocated, available, reserved, consumed };
      for (const name of ['allocated', 'available', 'reserved', 'consumed'] as const)
        if (actual[name] !== ledger[name])
          violations.push({
            ids,
            message: `indicator ${id}: ${name} is ${actual[name]} 分 but its ledger entries add up to ${ledger[name]} 分`,
          });
    }
    for (const id of sums.keys())
      violations.push({
        ids: { indicatorId: id },
        message: `ledger entries name indicator ${id}, which does not exist`,
      });
    return violations;
  },
};
