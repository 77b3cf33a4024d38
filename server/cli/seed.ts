/**
 * `fiscal-bpm seed [--demo]`: fills the org directory (Henan's regions, finance bureaus and divisions; with
 * `--demo` also the demo departments, units, banks and users with the demo password), then creates the
 * bootstrap administrator from ADMIN_USER_ID / ADMIN_PASSWORD if set. Idempotent. `start` runs the same steps.
 * Opens only the database (migrated), not the engine or the queue.
 */
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import {
  connectDatabase,
  dialectOf,
  ensureMysqlDatabase,
  migrateLatest,
} from '../../engine/adapters/index.js';
import { seedOrgDirectory } from '../../processes/org/seed-org-directory.js';
import { seedFiscalData } from '../../processes/seed-fiscal-data.js';
import { bootstrapAdmin } from '../auth/admin-bootstrap.js';
import { DEMO_PASSWORD, seedDemoLogins } from '../auth/demo-logins.js';
import type { Config } from '../config.js';

export const SEED_USAGE = `fiscal-bpm seed [--demo]

Adds the missing org directory rows (Henan's regions with their finance bureaus and divisions) and the
reference data (classifications, fund types, payment methods, warning levels); with --demo also the demo
departments, budget units, banks and users (password ${DEMO_PASSWORD} unless DEMO_LOGINS=false) and the demo
data of the processes (indicators, control numbers, the non-tax item catalogue).
Then creates the administrator named by ADMIN_USER_ID / ADMIN_PASSWORD (ADMIN_ORG_CODE) if it is absent.
Safe to run again: existing rows and passwords are left as they are.`;

export async function runSeed(
  config: Config,
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let demo: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { demo: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      out(SEED_USAGE);
      return 0;
    }
    if (positionals.length) throw new Error(`Unexpected argument "${positionals[0]}"`);
    demo = values.demo === true;
  } catch (e) {
    err((e as Error).message);
    err(SEED_USAGE);
    return 2;
  }
  const knex = await openDatabase(config);
  try {
    const seeded = await seedOrgDirectory(knex, { demo });
    out(`Org directory: ${seeded.orgs} orgs, ${seeded.users} users, ${seeded.roles} roles added`);
    await seedAccounts(config, knex, out, { demo });
    await seedFiscalData(knex, { demo });
    return 0;
  } finally {
    await knex.destroy();
  }
}

/**
 * The account steps of `seed` and `start`: the demo password for demo users without one (when `demo` and
 * DEMO_LOGINS), then the bootstrap administrator.
 */
export async function seedAccounts(
  config: Config,
  knex: Knex,
  out: (line: string) => void,
  options: { demo: boolean; now?: () => number },
): Promise<void> {
  const now = options.now ?? Date.now;
  if (options.demo && config.DEMO_LOGINS) {
    const given = await seedDemoLogins(knex, now());
    if (given > 0)
      out(
        `Demo logins: ${given} demo users can sign in with the password ${DEMO_PASSWORD} (DEMO_LOGINS=false to stop)`,
      );
  }
  const admin = await bootstrapAdmin(config, knex, now);
  if (admin === 'created') out(`Administrator ${config.ADMIN_USER_ID} created at ${config.ADMIN_ORG_CODE}`);
  if (admin === 'password-set') out(`Administrator ${config.ADMIN_USER_ID}: password set`);
}

/** The database alone, created (MySQL) and migrated if needed. */
export async function openDatabase(config: Config): Promise<Knex> {
  if (dialectOf(config.DATABASE_URL) === 'mysql') await ensureMysqlDatabase(config.DATABASE_URL);
  const knex = connectDatabase({ url: config.DATABASE_URL, poolMax: 2 });
  try {
    await migrateLatest(knex);
  } catch (e) {
    await knex.destroy();
    throw e;
  }
  return knex;
}
