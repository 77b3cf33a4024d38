/**
 * Verifies the audit log (docs/audit.md): streams every chain (or one) in seq order, recomputes each row's hash
 * and link, and reports the first broken row. Then checks the chain heads of the non-instance chains and that
 * every history row has its audit row. Reads only, in pages of the (chain_id, seq) index, so it runs on a live
 * database and with a read-only account.
 *
 * What each kind means:
 * - `edited`: the row's content no longer gives its row_hash, or its hash was recomputed and the next row still
 *   links to the old one;
 * - `deleted`: a seq is missing (a gap, or a chain that does not start at 1, or a tail cut below its head row);
 * - `inserted`: a row links to the row before its predecessor (the predecessor was slipped in), a seq appears
 *   twice, or a chain runs past its head row;
 * - `swapped`: rows are in seq order but not in insertion (id) order — their contents were exchanged;
 * - `missing`: a history row without its audit row; `orphan`: an audit row naming a history row that is gone;
 * - `unknown-algorithm`: a hash_alg this build cannot compute.
 */
import { getHashes } from 'node:crypto';
import type { Knex } from 'knex';
import {
  AUDIT_HASH_ALGORITHMS,
  GENESIS_HASH,
  auditFieldsFromRow,
  hashAuditRow,
  instanceChainId,
  type AuditHashAlgorithm,
} from './audit-log.js';

export type AuditProblemKind =
  'edited' | 'deleted' | 'inserted' | 'swapped' | 'missing' | 'orphan' | 'unknown-algorithm';

export interface AuditProblem {
  readonly kind: AuditProblemKind;
  readonly chainId: string;
  /** The seq of the bad row (for `deleted`: the first missing seq; for `missing`: null). */
  readonly seq: number | null;
  /** The audit_log id of the bad row (for `deleted`: null; for `missing`: null, see historyId). */
  readonly id: number | null;
  /** For `missing` and `orphan`: the history row concerned. */
  readonly historyId?: number | null;
  readonly message: string;
}

export interface AuditVerifyResult {
  readonly ok: boolean;
  readonly chains: number;
  readonly rows: number;
  /** Rows checked per hash algorithm. */
  readonly algorithms: Partial<Record<AuditHashAlgorithm, number>>;
  /** The first broken row, in (chain_id, seq) order; chain problems before history cross-checks. */
  readonly problem: AuditProblem | null;
}

export interface AuditVerifyOptions {
  /** Verify this chain only (`system`, `instance:<id>`). */
  readonly chainId?: string;
  readonly pageSize?: number;
}

interface Checked {
  id: number;
  seq: number;
  rowHash: string;
}

export async function verifyAuditLog(
  knex: Knex,
  options: AuditVerifyOptions = {},
): Promise<AuditVerifyResult> {
  const pageSize = options.pageSize ?? 1000;
  const supported = new Set(getHashes());
  const algorithms: Partial<Record<AuditHashAlgorithm, number>> = {};
  let rows = 0;
  let chains = 0;
  const done = (problem: AuditProblem | null): AuditVerifyResult => ({
    ok: problem === null,
    chains,
    rows,
    algorithms,
    problem,
  });

  const heads = new Map<string, { seq: number; hash: string }>();
  const headQuery = knex('audit_chain_heads').select('chain_id', 'seq', 'hash');
  if (options.chainId !== undefined) headQuery.where({ chain_id: options.chainId });
  for (const h of await headQuery)
    heads.set(String(h.chain_id), { seq: Number(h.seq), hash: String(h.hash) });

  /** Compares a finished chain with its head row, if it has one. */
  const checkHead = (chainId: string, last: Checked | undefined): AuditProblem | null => {
    const head = heads.get(chainId);
    heads.delete(chainId);
    if (!head) return null;
    const lastSeq = last?.seq ?? 0;
    const lastHash = last?.rowHash ?? GENESIS_HASH;
    if (lastSeq < head.seq)
      return {
        kind: 'deleted',
        chainId,
        seq: lastSeq + 1,
        id: null,
        message: `rows ${lastSeq + 1}..${head.seq} are missing: the chain ends at seq ${lastSeq} but its head row says ${head.seq}`,
      };
    if (lastSeq > head.seq)
      return {
        kind: 'inserted',
        chainId,
        seq: head.seq + 1,
        id: null,
        message: `the chain runs to seq ${lastSeq} but its head row ends at ${head.seq}: rows after ${head.seq} were added outside the writer`,
      };
    if (lastHash !== head.hash)
      return {
        kind: 'edited',
        chainId,
        seq: last?.seq ?? null,
        id: last?.id ?? null,
        message: `the last row's hash differs from the hash in the chain's head row`,
      };
    return null;
  };

  let chainId: string | null = null;
  let previous: Checked | undefined;
  let beforePrevious: Checked | undefined;
  let cursor: { chainId: string; seq: number } | null = null;
  for (;;) {
    const q = knex('audit_log').orderBy([{ column: 'chain_id' }, { column: 'seq' }, { column: 'id' }]);
    if (options.chainId !== undefined) q.where({ chain_id: options.chainId });
    if (cursor) {
      const c = cursor;
      q.andWhere((w) =>
        w
          .where('chain_id', '>', c.chainId)
          .orWhere((x) => x.where('chain_id', c.chainId).andWhere('seq', '>', c.seq)),
      );
    }
    const page: Record<string, unknown>[] = await q.limit(pageSize);
    for (const raw of page) {
      const fields = auditFieldsFromRow(raw);
      const row: Checked = { id: Number(raw.id), seq: fields.seq, rowHash: String(raw.row_hash) };
      if (fields.chain_id !== chainId) {
        if (chainId !== null) {
          const problem = checkHead(chainId, previous);
          if (problem) return done(problem);
        }
        chainId = fields.chain_id;
        chains++;
        previous = undefined;
        beforePrevious = undefined;
      }
      rows++;
      const at = (kind: AuditProblemKind, r: Checked, message: string): AuditProblem => ({
        kind,
        chainId: fields.chain_id,
        seq: r.seq,
        id: r.id,
        message,
      });

      if (!AUDIT_HASH_ALGORITHMS.includes(fields.hash_alg) || !supported.has(fields.hash_alg))
        return done(at('unknown-algorithm', row, `hash_alg "${fields.hash_alg}" cannot be computed here`));
      algorithms[fields.hash_alg] = (algorithms[fields.hash_alg] ?? 0) + 1;

      // 1. numbering: 1, 2, 3 … without gaps or repeats
      const expectedSeq = (previous?.seq ?? 0) + 1;
      if (row.seq > expectedSeq)
        return done({
          kind: 'deleted',
          chainId: fields.chain_id,
          seq: expectedSeq,
          id: null,
          message: `rows ${expectedSeq}..${row.seq - 1} are missing (the next row is seq ${row.seq}, id ${row.id})`,
        });
      if (row.seq < expectedSeq)
        return done(at('inserted', row, `seq ${row.seq} appears twice (ids ${previous!.id} and ${row.id})`));

      // 2. link to the row before
      const expectedPrev = previous?.rowHash ?? GENESIS_HASH;
      const selfHashOk = hashAuditRow(fields) === row.rowHash;
      if (fields.prev_hash !== expectedPrev) {
        const skipsPrevious =
          previous !== undefined && fields.prev_hash === (beforePrevious?.rowHash ?? GENESIS_HASH);
        if (skipsPrevious)
          return done(
            at(
              'inserted',
              previous!,
              `this row was slipped in: the next row (seq ${row.seq}, id ${row.id}) links past it to seq ${previous!.seq - 1}`,
            ),
          );
        if (!selfHashOk || previous === undefined)
          return done(
            at('edited', row, `prev_hash and row_hash do not match the row's content and its predecessor`),
          );
        return done(
          at(
            'edited',
            previous,
            `its row_hash was rewritten: the next row (seq ${row.seq}, id ${row.id}) links to a different hash`,
          ),
        );
      }

      // 3. the row's own content
      if (!selfHashOk)
        return done(at('edited', row, `the row's content does not give its row_hash (${fields.hash_alg})`));

      // 4. insertion order: ids grow with seq, so exchanged contents show up even when every hash still holds
      if (previous !== undefined && row.id < previous.id)
        return done(
          at(
            'swapped',
            previous,
            `out of insertion order: seq ${previous.seq} has id ${previous.id} but seq ${row.seq} has the lower id ${row.id}`,
          ),
        );

      beforePrevious = previous;
      previous = row;
    }
    if (page.length < pageSize) break;
    const lastRaw = page[page.length - 1]!;
    cursor = { chainId: String(lastRaw.chain_id), seq: Number(lastRaw.seq) };
  }
  if (chainId !== null) {
    const problem = checkHead(chainId, previous);
    if (problem) return done(problem);
  }
  // heads of chains that have no rows at all
  for (const [id] of [...heads].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const problem = checkHead(id, undefined);
    if (problem) return done(problem);
  }

  const crossCheck = await historyCrossCheck(knex, options.chainId);
  return done(crossCheck);
}

/** Every history row has its audit row, and every audit row that names a history row still has it. */
async function historyCrossCheck(knex: Knex, chainId: string | undefined): Promise<AuditProblem | null> {
  let instanceId: string | undefined;
  if (chainId !== undefined) {
    if (!chainId.startsWith('instance:')) return null;
    instanceId = chainId.slice('instance:'.length);
  }
  const missingQuery = knex('history_events as h')
    .leftJoin('audit_log as a', (j) =>
      j.on('a.instance_id', 'h.instance_id').andOn('a.history_seq', 'h.seq').andOn('a.history_idx', 'h.idx'),
    )
    .whereNull('a.id')
    .select('h.id', 'h.instance_id', 'h.seq', 'h.idx', 'h.type')
    .orderBy([{ column: 'h.instance_id' }, { column: 'h.seq' }, { column: 'h.idx' }])
    .first();
  if (instanceId !== undefined) missingQuery.where('h.instance_id', instanceId);
  const missing = await missingQuery;
  if (missing)
    return {
      kind: 'missing',
      chainId: instanceChainId(String(missing.instance_id)),
      seq: null,
      id: null,
      historyId: Number(missing.id),
      message: `history row ${missing.id} (${missing.type}, instance version ${missing.seq}, #${missing.idx}) has no audit row`,
    };

  const orphanQuery = knex('audit_log as a')
    .leftJoin('history_events as h', (j) =>
      j.on('h.instance_id', 'a.instance_id').andOn('h.seq', 'a.history_seq').andOn('h.idx', 'a.history_idx'),
    )
    .whereNotNull('a.history_seq')
    .whereNull('h.id')
    .select('a.id', 'a.chain_id', 'a.seq', 'a.history_seq', 'a.history_idx')
    .orderBy([{ column: 'a.chain_id' }, { column: 'a.seq' }])
    .first();
  if (instanceId !== undefined) orphanQuery.where('a.instance_id', instanceId);
  const orphan = await orphanQuery;
  if (orphan)
    return {
      kind: 'orphan',
      chainId: String(orphan.chain_id),
      seq: Number(orphan.seq),
      id: Number(orphan.id),
      historyId: null,
      message: `the history row it records (instance version ${orphan.history_seq}, #${orphan.history_idx}) is gone`,
    };
  return null;
}
