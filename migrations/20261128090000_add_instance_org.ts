// Adds the org an instance belongs to (org_code, org_path) for org-scoped queries. (Being written.)
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  void knex;
}

export async function down(knex: Knex): Promise<void> {
  void knex;
}
