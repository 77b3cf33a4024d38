/**
 * I2: no history row is recorded twice and none belongs to an instance that does not exist. The UNIQUE
 * (instance_id, seq, idx) of history_events makes a duplicate impossible while the constraint stands; the check
 * runs anyway, so a dropped constraint or a restored dump is caught too.
 */
import type { Invariant, Violation } from './types.js';
import { num, type Row } from './types.js';

export const historyRows: Invariant = {
  name: 'I2',
  title: 'no duplicated history row, and no history row of a missing instance',
  async check(knex) {
    const violations: Violation[] = [];
    const duplicates: Row[] = await knex('history_events')
      .select('instance_id', 'seq', 'idx')
      .count({ n: '*' })
      .min({ first_id: 'id' })
      .groupBy('instance_id', 'seq', 'idx')
      .havingRaw('COUNT(*) > 1');
    for (const d of duplicates)
      violations.push({
        ids: {
          instanceId: String(d.instance_id),
          seq: num(d.seq),
          idx: num(d.idx),
          historyId: num(d.first_id),
        },
        message: `history row (seq ${num(d.seq)}, idx ${num(d.idx)}) is recorded ${num(d.n)} times`,
      });
    const orphans: Row[] = await knex('history_events as h')
      .leftJoin('process_instances as i', 'i.id', 'h.instance_id')
      .whereNull('i.id')
      .select('h.id', 'h.instance_id', 'h.type')
      .orderBy('h.id')
      .limit(1000);
    for (const o of orphans)
      violations.push({
        ids: { historyId: num(o.id), instanceId: String(o.instance_id) },
        message: `history row ${num(o.id)} (${String(o.type)}) belongs to instance ${String(o.instance_id)}, which does not exist`,
      });
    return violations;
  },
};
