/**
 * I5: every state change has exactly one audit row, and the audit chains verify (docs/audit.md). Every history
 * row is matched with its audit row by (instance_id, seq, idx): none missing, none doubled, and no audit row
 * naming a history row that is gone. Then `verifyAuditLog` recomputes the hash chains and reports the first
 * broken row (edited, deleted, inserted, swapped).
 */
import { verifyAuditLog } from '../../engine/adapters/index.js';
import type { Invariant, Violation } from './types.js';
import { num, type Row } from './types.js';

const LIMIT = 1000;

export const auditRows: Invariant = {
  name: 'I5',
  title: 'every state change has exactly one audit row, and the audit chains verify',
  async check(knex) {
    if (!(await knex.schema.hasTable('audit_log'))) return [];
    const violations: Violation[] = [];
    const missing: Row[] = await knex('history_events as h')
      .leftJoin('audit_log as a', function () {
        this.on('a.instance_id', '=', 'h.instance_id')
          .andOn('a.history_seq', '=', 'h.seq')
          .andOn('a.history_idx', '=', 'h.idx');
      })
      .whereNull('a.id')
      .select('h.id', 'h.instance_id', 'h.seq', 'h.idx', 'h.type')
      .orderBy('h.id')
      .limit(LIMIT);
    for (const h of missing)
      violations.push({
        ids: { historyId: num(h.id), instanceId: String(h.instance_id), seq: num(h.seq), idx: num(h.idx) },
        message: `history row ${num(h.id)} (${String(h.type)}) has no audit row`,
      });
    const doubled: Row[] = await knex('audit_log')
      .select('instance_id', 'history_seq', 'history_idx')
      .count({ n: '*' })
      .min({ first_id: 'id' })
      .whereNotNull('history_seq')
      .groupBy('instance_id', 'history_seq', 'history_idx')
      .havingRaw('COUNT(*) > 1')
      .limit(LIMIT);
    for (const d of doubled)
      violations.push({
        ids: { auditId: num(d.first_id), instanceId: String(d.instance_id), seq: num(d.history_seq) },
        message: `history row (seq ${num(d.history_seq)}, idx ${num(d.history_idx)}) of instance ${String(d.instance_id)} has ${num(d.n)} audit rows`,
      });
    const orphans: Row[] = await knex('audit_log as a')
      .leftJoin('history_events as h', function () {
        this.on('h.instance_id', '=', 'a.instance_id')
          .andOn('h.seq', '=', 'a.history_seq')
          .andOn('h.idx', '=', 'a.history_idx');
      })
      .whereNotNull('a.history_seq')
      .whereNull('h.id')
      .select('a.id', 'a.chain_id', 'a.seq', 'a.instance_id')
      .orderBy('a.id')
      .limit(LIMIT);
    for (const o of orphans)
      violations.push({
        ids: { auditId: num(o.id), chainId: String(o.chain_id), seq: num(o.seq) },
        message: `audit row ${num(o.id)} names a history row of instance ${String(o.instance_id)} that does not exist`,
      });
    const verified = await verifyAuditLog(knex);
    const p = verified.problem;
    // missing and orphan rows are listed in full above; the verifier stops at its first problem
    if (p && p.kind !== 'missing' && p.kind !== 'orphan') {
      const ids: Record<string, string | number> = { chainId: p.chainId };
      if (p.seq !== null) ids.seq = p.seq;
      if (p.id !== null) ids.auditId = p.id;
      violations.push({ ids, message: `audit chain ${p.chainId} is broken (${p.kind}): ${p.message}` });
    }
    return violations;
  },
};
