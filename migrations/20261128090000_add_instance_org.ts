// Adds the org an instance belongs to (org_code, org_path), so lists and counts can be scoped to an org subtree,
// and an index for the statistics of one definition's instances.
import type { Knex } from 'knex';

/**
 * `org_path` is the materialised path of the owning unit (see processes/org/org.ts); a subtree is
 * `org_path LIKE '<prefix>%'`, which the index serves. Both columns stay null for instances started without an
 * org (message, timer and signal starts, engine-level tests).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('process_instances', (t) => {
    t.string('org_code', 32);
    t.string('org_path', 255);
    t.index(['org_path'], 'process_instances_org_path_index');
    // definition statistics count the tokens, incidents and history of one definition's instances
    t.index(['definition_id', 'status'], 'process_instances_definition_status_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('process_instances', (t) => {
    t.dropIndex(['org_path'], 'process_instances_org_path_index');
    t.dropIndex(['definition_id', 'status'], 'process_instances_definition_status_index');
  });
  await knex.schema.alterTable('process_instances', (t) => {
    t.dropColumn('org_path');
    t.dropColumn('org_code');
  });
}
