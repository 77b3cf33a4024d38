// Creates comments, attachments, saved filters and idempotency keys. (Being written.)
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  void knex;
}

export async function down(knex: Knex): Promise<void> {
  void knex;
}
