/**
 * `fiscal-bpm check [--json]`: runs the invariant checker (server/check/, docs/invariants.md) against the
 * database and prints each invariant as OK or with its violations and their ids. Exit 0 when all hold, 1 when
 * one does not. Opens the database without migrating it and only reads, so it runs on a live system.
 */
import type { Knex } from 'knex';
import { connectDatabase } from '../../engine/adapters/index.js';
import { checkInvariants, type InvariantResult } from '../check/index.js';
import type { Config } from '../config.js';

export const CHECK_USAGE = `fiscal-bpm check [--json]

Checks the invariants of a running system against its database (docs/invariants.md):
  I1 every waiting token of a running instance has exactly one pending wake-up (task, job, timer,
     subscription, child instance) or an open incident
  I2 no duplicated history row, and none of a missing instance
  I3 every effect key applied once; no payment consumed or released more than it reserved
  I4 every indicator: allocated = available + reserved + consumed, each ≥ 0 and equal to its ledger entries
  I5 every history row has exactly one audit row, and the audit chains verify
  I6 no pending outbox job unpublished for longer than RECONCILE_HORIZON_MS (default 60000)
Prints "OK I<n> …" or "FAIL I<n> …" followed by one line per violation with its ids; --json prints the
results as JSON. Exit 0 when every invariant holds, 1 otherwise.`;

export async function runCheck(
  config: Pick<Config, 'DATABASE_URL' | 'RECONCILE_HORIZON_MS'>,
  options: { json?: boolean; knex?: Knex; now?: number },
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const knex = options.knex ?? connectDatabase({ url: config.DATABASE_URL, poolMax: 2 });
  try {
    if (!(await knex.schema.hasTable('process_instances'))) {
      err('The database has no engine tables: run "fiscal-bpm migrate" first');
      return 1;
    }
    const results = await checkInvariants(knex, {
      horizonMs: config.RECONCILE_HORIZON_MS,
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
    if (options.json) out(JSON.stringify(results, null, 2));
    else for (const line of formatResults(results)) out(line);
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    if (!options.knex) await knex.destroy();
  }
}

/** One line per invariant, then one indented line per violation: `  <message> [key=value …]`. */
export function formatResults(results: readonly InvariantResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    if (r.ok) {
      lines.push(`OK   ${r.invariant} ${r.title}`);
      continue;
    }
    lines.push(`FAIL ${r.invariant} ${r.title}: ${r.violations.length} violation(s)`);
    for (const v of r.violations) {
      const ids = Object.entries(v.ids)
        .map(([k, value]) => `${k}=${value}`)
        .join(' ');
      lines.push(`  ${r.invariant} ${v.message} [${ids}]`);
    }
  }
  return lines;
}
