// Creates the budget indicator ledger and payment tables. (Being written.)
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  void knex;
}

export async function down(knex: Knex): Promise<void> {
  void knex;
}
