// Copies the instance's org path onto its tasks, so open-task counts by org subtree are one index range of
// user_tasks (state, org_path) without a join to process_instances. Existing tasks are backfilled.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('user_tasks', (t) => {
    t.string('org_path', 255);
    t.index(['state', 'org_path'], 'user_tasks_state_org_path');
  });
  await knex('user_tasks').update({
    org_path: knex('process_instances as i').select('i.org_path').whereRaw('i.id = user_tasks.instance_id'),
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('user_tasks', (t) => {
    t.dropIndex(['state', 'org_path'], 'user_tasks_state_org_path');
    t.dropColumn('org_path');
  });
}
