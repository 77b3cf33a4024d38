/**
 * `audit verify [--chain <id>]`: recomputes the audit log's hash chains (docs/audit.md) and prints the first
 * broken row with its chain, seq and id. Exit 0 when every chain verifies, 1 when one does not, 2 on bad usage.
 * Opens the database without migrating it, so it runs with a read-only account.
 */
import { connectDatabase, verifyAuditLog } from '../../engine/adapters/index.js';
import type { Config } from '../config.js';

export const AUDIT_USAGE = `fiscal-bpm audit verify [--chain <chain id>]

Recomputes every hash chain of the audit log (or one: --chain system, --chain instance:<id>) and checks that
every history row has its audit row. Prints "OK …" and exits 0, or prints the first broken row
(kind, chain, seq, id) and exits 1.`;

export async function runAudit(
  config: Pick<Config, 'DATABASE_URL'>,
  args: string[],
  options: { chain?: string },
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  if (args[0] !== 'verify' || args.length > 1) {
    err(
      args.length === 0 ? 'audit needs a subcommand: verify' : `Unknown audit subcommand "${args.join(' ')}"`,
    );
    err(AUDIT_USAGE);
    return 2;
  }
  if (options.chain !== undefined && options.chain.trim() === '') {
    err('--chain needs a chain id, e.g. system or instance:<id>');
    return 2;
  }
  const knex = connectDatabase({ url: config.DATABASE_URL, poolMax: 1 });
  try {
    if (!(await knex.schema.hasTable('audit_log'))) {
      err('The database has no audit_log table: run "fiscal-bpm migrate" first');
      return 1;
    }
    const result = await verifyAuditLog(knex, { chainId: options.chain });
    const algorithms = Object.entries(result.algorithms)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
    if (result.problem) {
      const p = result.problem;
      const history = p.historyId != null ? ` history_id=${p.historyId}` : '';
      out(
        `BROKEN ${p.kind}: chain=${p.chainId} seq=${p.seq ?? '-'} id=${p.id ?? '-'}${history}: ${p.message}`,
      );
      out(`(checked ${result.rows} rows in ${result.chains} chains before stopping)`);
      return 1;
    }
    if (options.chain !== undefined && result.rows === 0) {
      out(`OK: chain ${options.chain} has no rows`);
      return 0;
    }
    out(`OK: ${result.rows} rows in ${result.chains} chains verify${algorithms ? ` (${algorithms})` : ''}`);
    return 0;
  } finally {
    await knex.destroy();
  }
}
