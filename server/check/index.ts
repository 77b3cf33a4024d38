/**
 * The invariant checker behind `fiscal-bpm check` and the reliability tests (docs/invariants.md): runs I1–I7
 * against the database of a running system and returns, per invariant, whether it holds and what breaks it,
 * with ids. Reads only, so it runs on a live system.
 */
import type { Knex } from 'knex';
import { wakeUps } from './wake-ups.js';
import { historyRows } from './history-rows.js';
import { effectKeys } from './effect-keys.js';
import { indicatorBalances } from './indicator-balances.js';
import { auditRows } from './audit-rows.js';
import { outbox } from './outbox.js';
import { openTaskCounters } from './open-task-counters.js';
import type { CheckOptions, Invariant, InvariantResult } from './types.js';

export type { CheckOptions, InvariantName, InvariantResult, Violation } from './types.js';

export const INVARIANTS: readonly Invariant[] = [
  wakeUps,
  historyRows,
  effectKeys,
  indicatorBalances,
  auditRows,
  outbox,
  openTaskCounters,
];

/** The reconcile horizon when none is given (RECONCILE_HORIZON_MS's default). */
export const DEFAULT_HORIZON_MS = 60_000;

export async function checkInvariants(knex: Knex, options: CheckOptions = {}): Promise<InvariantResult[]> {
  const resolved = { horizonMs: options.horizonMs ?? DEFAULT_HORIZON_MS, now: options.now ?? Date.now() };
  const runAll = async (db: Knex): Promise<InvariantResult[]> => {
    const results: InvariantResult[] = [];
    for (const invariant of INVARIANTS) {
      const violations = await invariant.check(db, resolved);
      results.push({
        invariant: invariant.name,
        title: invariant.title,
        ok: violations.length === 0,
        violations,
      });
    }
    return results;
  };
  // On MySQL/MariaDB all reads share one snapshot, so a command committing meanwhile (a task completed between
  // reading the tokens and the tasks) cannot show up as a violation. SQLite has one writer: plain reads suffice.
  const client = String((knex.client as { config?: { client?: unknown } }).config?.client ?? '');
  if (client.startsWith('mysql'))
    return knex.transaction((trx) => runAll(trx), { isolationLevel: 'repeatable read' });
  return runAll(knex);
}
