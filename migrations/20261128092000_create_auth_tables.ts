// Creates the password credentials of directory users (argon2id hashes; never returned by the API).
import type { Knex } from 'knex';

/**
 * One row per user who can sign in with a password; a user without a row cannot sign in (directory-only users,
 * e.g. ones synchronised from elsewhere). `password_changed_at` also ends sessions: tokens issued before it are
 * refused. Login rate limiting keeps its counters in Redis or in memory, not here.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('user_credentials', (t) => {
    t.string('user_id', 64).primary();
    // PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (about 100 characters)
    t.string('password_hash', 255).notNullable();
    t.datetime('password_changed_at', { precision: 3 }).notNullable();
    t.datetime('last_login_at', { precision: 3 });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('user_credentials');
}
