// Indexes for the inbox's visibility query (tasks delegated by or completed by a user) and the org-subtree counts.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('user_tasks', (t) => {
    t.index(['owner', 'state'], 'user_tasks_owner_state');
    t.index(['completed_by'], 'user_tasks_completed_by');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('user_tasks', (t) => {
    t.dropIndex(['owner', 'state'], 'user_tasks_owner_state');
    t.dropIndex(['completed_by'], 'user_tasks_completed_by');
  });
}
