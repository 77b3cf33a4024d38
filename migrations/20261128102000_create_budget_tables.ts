// Creates the budget preparation tables (control numbers, drafts, project library). (Being written.)
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  void knex;
}

export async function down(knex: Knex): Promise<void> {
  void knex;
}
