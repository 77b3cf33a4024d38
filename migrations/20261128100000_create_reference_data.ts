// Creates the reference data tables (classifications, fund types, payment methods, warning levels, non-tax items). (Being written.)
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  void knex;
}

export async function down(knex: Knex): Promise<void> {
  void knex;
}
