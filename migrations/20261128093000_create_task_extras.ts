// Creates the server's task extras: comments, attachments, saved inbox filters, and Idempotency-Key records.
import type { Knex } from 'knex';

/**
 * - `task_comments`: free comments on a task (the 意见 of an operation stay in the engine's history); the
 *   instance id is kept so an instance's comments list with one index scan.
 * - `task_attachments`: uploaded files stored in the database as a blob (LONGBLOB on MySQL/MariaDB), so every
 *   API process sees them without shared storage and they go with the database backup. The server caps their
 *   size (`ATTACHMENT_MAX_BYTES`, default 10 MB; keep it below the server's `max_allowed_packet`).
 * - `saved_filters`: a user's named inbox queries (the GET /task query as JSON), unique by name per user.
 * - `idempotency_keys`: one row per (user, key): `pending` while the first request runs, then its status and
 *   body; rows expire after 24 h.
 * Times are DATETIME(3) in UTC like the engine's tables; ids are UUIDs (36); user ids 64.
 */
export async function up(knex: Knex): Promise<void> {
  const time = (t: Knex.CreateTableBuilder, name: string) => t.datetime(name, { precision: 3 });
  const mysql = /mysql|maria/i.test(String(knex.client.config.client));

  await knex.schema.createTable('task_comments', (t) => {
    t.string('id', 36).primary();
    t.string('task_id', 36).notNullable();
    t.string('instance_id', 36).notNullable();
    t.string('user_id', 64).notNullable();
    t.text('message').notNullable();
    time(t, 'created_at').notNullable();
    t.index(['task_id', 'created_at']);
    t.index(['instance_id', 'created_at']);
  });

  await knex.schema.createTable('task_attachments', (t) => {
    t.string('id', 36).primary();
    t.string('task_id', 36).notNullable();
    t.string('instance_id', 36).notNullable();
    t.string('user_id', 64).notNullable();
    t.string('file_name', 255).notNullable();
    t.string('content_type', 128).notNullable();
    t.integer('size_bytes').notNullable();
    t.string('sha256', 64).notNullable();
    t.string('description', 1000);
    if (mysql) t.specificType('content', 'LONGBLOB').notNullable();
    else t.binary('content').notNullable();
    time(t, 'created_at').notNullable();
    t.index(['task_id', 'created_at']);
    t.index(['instance_id']);
  });

  await knex.schema.createTable('saved_filters', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 64).notNullable();
    t.string('name', 100).notNullable();
    t.text('query').notNullable();
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.unique(['user_id', 'name']);
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.string('user_id', 64).notNullable();
    t.string('idem_key', 128).notNullable();
    t.string('method', 8).notNullable();
    t.string('path', 1000).notNullable();
    t.string('fingerprint', 64).notNullable();
    // pending | done
    t.string('state', 16).notNullable();
    t.integer('status');
    // the stored response: JSON of { body } or of an error ({ error: { status, code, … } })
    t.text('response', 'mediumtext');
    time(t, 'created_at').notNullable();
    time(t, 'expires_at').notNullable();
    t.primary(['user_id', 'idem_key']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('idempotency_keys');
  await knex.schema.dropTableIfExists('saved_filters');
  await knex.schema.dropTableIfExists('task_attachments');
  await knex.schema.dropTableIfExists('task_comments');
}
