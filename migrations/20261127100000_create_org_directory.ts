// Creates the org directory: orgs (regions, finance bureaus and divisions, departments, units, banks), users, their roles per org, and out-of-office agents.
import type { Knex } from 'knex';

/**
 * Org codes follow processes/org/org-codes.ts (6-digit division codes for regions, suffixed codes below them,
 * at most 32 characters); `path` is the `/`-delimited code path from the province down, so a subtree is a
 * `path LIKE '<path>%'` range scan. Times are DATETIME(3) in UTC like the engine's tables; user ids are the
 * engine's actor ids (64).
 */
export async function up(knex: Knex): Promise<void> {
  const time = (t: Knex.CreateTableBuilder, name: string) => t.datetime(name, { precision: 3 });

  await knex.schema.createTable('orgs', (t) => {
    t.string('code', 32).primary();
    t.string('name', 255).notNullable();
    t.string('short_name', 64).notNullable();
    t.string('kind', 16).notNullable();
    t.string('level', 16).notNullable();
    t.string('parent_code', 32);
    // the finance bureau one level up (differs from the administrative parent for 省直管县)
    t.string('finance_parent_code', 32);
    t.string('division_type', 32);
    t.string('path', 255).notNullable();
    time(t, 'valid_from').notNullable();
    time(t, 'valid_to');
    t.boolean('is_directly_administered').notNullable().defaultTo(false);
    t.index(['parent_code', 'kind']);
    t.index(['finance_parent_code']);
    t.index(['path']);
    t.index(['kind', 'level']);
  });

  await knex.schema.createTable('users', (t) => {
    t.string('id', 64).primary();
    t.string('name', 255).notNullable();
    t.string('org_code', 32).notNullable();
    t.boolean('disabled').notNullable().defaultTo(false);
    time(t, 'created_at').notNullable();
    t.index(['org_code']);
  });

  // A role is held at an org: the same person can be 审核人 in one division and 经办人 in another.
  await knex.schema.createTable('user_roles', (t) => {
    t.string('user_id', 64).notNullable();
    t.string('role', 32).notNullable();
    t.string('org_code', 32).notNullable();
    t.primary(['user_id', 'role', 'org_code']);
    t.index(['role', 'org_code']);
  });

  // Out-of-office delegation: while valid_from <= t < valid_to (open-ended if null), agent_id acts for user_id.
  await knex.schema.createTable('user_agents', (t) => {
    t.string('user_id', 64).notNullable();
    t.string('agent_id', 64).notNullable();
    time(t, 'valid_from').notNullable();
    time(t, 'valid_to');
    t.string('reason', 255);
    t.primary(['user_id', 'agent_id', 'valid_from']);
    t.index(['user_id', 'valid_from']);
    t.index(['agent_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['user_agents', 'user_roles', 'users', 'orgs']) {
    await knex.schema.dropTableIfExists(table);
  }
}
