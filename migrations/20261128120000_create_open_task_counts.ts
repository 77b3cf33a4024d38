// Open-task counters per org path, kept by every commit that opens or closes tasks (in the same transaction), so
// "how many tasks are open in this org subtree" is a sum over the orgs of the subtree — a few thousand rows for a
// province — instead of a count over its open tasks (a million). Each org has up to 16 counter rows (shards):
// commits add to a random one, so concurrent commits for the same org do not queue on one row lock.
// Existing open tasks are counted into shard 0.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('org_open_task_counts', (t) => {
    // '' for tasks of instances started without an org
    t.string('org_path', 255).notNullable();
    t.smallint('shard').notNullable();
    t.bigInteger('open_count').notNullable().defaultTo(0);
    t.primary(['org_path', 'shard']);
  });
  // columns in the table's order: org_path, shard, open_count
  await knex('org_open_task_counts').insert(
    knex('user_tasks')
      .select(knex.raw("COALESCE(org_path, '') as org_path"), knex.raw('0 as shard'))
      .count('* as open_count')
      .where('state', 'created')
      .groupByRaw("COALESCE(org_path, '')"),
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('org_open_task_counts');
}
