/**
 * The ordered list of migrations, given to knex as a static migration source so the same list runs
 * from the CLI, the server, the tests and the benchmarks, on MySQL/MariaDB and on SQLite.
 * A merged migration is never edited; a change is a new file appended here.
 */
import type { Knex } from 'knex';
import * as createEngineTables from './20261127090000_create_engine_tables.js';
import * as createOrgDirectory from './20261127100000_create_org_directory.js';
import * as addInstanceOrg from './20261128090000_add_instance_org.js';
import * as createAuditLog from './20261128091000_create_audit_log.js';
import * as createAuthTables from './20261128092000_create_auth_tables.js';
import * as createTaskExtras from './20261128093000_create_task_extras.js';
import * as createReferenceData from './20261128100000_create_reference_data.js';
import * as createTreasuryLedger from './20261128101000_create_treasury_ledger.js';
import * as createBudgetTables from './20261128102000_create_budget_tables.js';
import * as createNonTaxTables from './20261128103000_create_non_tax_tables.js';
import * as addTaskQueryIndexes from './20261128110000_add_task_query_indexes.js';
import * as addTaskOrgPath from './20261128111000_add_task_org_path.js';
import * as createOpenTaskCounts from './20261128120000_create_open_task_counts.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: ReadonlyArray<[string, Migration]> = [
  ['20261127090000_create_engine_tables', createEngineTables],
  ['20261127100000_create_org_directory', createOrgDirectory],
  ['20261128090000_add_instance_org', addInstanceOrg],
  ['20261128091000_create_audit_log', createAuditLog],
  ['20261128092000_create_auth_tables', createAuthTables],
  ['20261128093000_create_task_extras', createTaskExtras],
  ['20261128100000_create_reference_data', createReferenceData],
  ['20261128101000_create_treasury_ledger', createTreasuryLedger],
  ['20261128102000_create_budget_tables', createBudgetTables],
  ['20261128103000_create_non_tax_tables', createNonTaxTables],
  ['20261128110000_add_task_query_indexes', addTaskQueryIndexes],
  ['20261128111000_add_task_org_path', addTaskOrgPath],
  ['20261128120000_create_open_task_counts', createOpenTaskCounts],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => [...migrations],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

/** Brings the schema to the latest version; safe to call from several processes (knex takes a lock). */
export async function migrateLatest(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource });
}
