// Creates the engine's tables: definitions, instances, tokens, variables, tasks, jobs (outbox and timers), subscriptions, messages, incidents, history.
import type { Knex } from 'knex';

/**
 * Conventions (docs/decisions.md): ids are UUID strings (36), times are DATETIME(3) in UTC written from the
 * engine's clock (never NOW()), money columns are BIGINT 分 named *_fen, JSON is stored as text so the same
 * file runs on MySQL/MariaDB and SQLite.
 */
export async function up(knex: Knex): Promise<void> {
  const time = (t: Knex.CreateTableBuilder, name: string) => t.datetime(name, { precision: 3 });

  await knex.schema.createTable('process_definitions', (t) => {
    t.string('id', 36).primary();
    t.string('process_key', 255).notNullable();
    t.integer('version').notNullable();
    t.string('name', 255);
    t.string('version_tag', 255);
    t.string('checksum', 64).notNullable();
    t.text('xml', 'mediumtext').notNullable();
    t.string('deployed_by', 64);
    time(t, 'deployed_at').notNullable();
    t.unique(['process_key', 'version']);
    t.index(['process_key', 'checksum']);
  });

  await knex.schema.createTable('process_instances', (t) => {
    t.string('id', 36).primary();
    t.string('definition_id', 36).notNullable();
    t.string('process_key', 255).notNullable();
    t.string('business_key', 255);
    t.string('initiator', 64);
    t.string('parent_instance_id', 36);
    t.string('parent_execution_id', 36);
    t.string('status', 16).notNullable();
    t.integer('version').notNullable();
    t.string('end_reason', 1000);
    time(t, 'started_at').notNullable();
    time(t, 'ended_at');
    time(t, 'updated_at').notNullable();
    t.index(['process_key', 'status']);
    t.index(['business_key']);
    t.index(['status', 'started_at']);
    t.index(['parent_instance_id']);
  });

  // Tokens and scopes. A sub-process scope is a row whose children point at it with parent_id.
  await knex.schema.createTable('executions', (t) => {
    t.string('id', 36).primary();
    t.string('instance_id', 36).notNullable();
    t.string('parent_id', 36);
    t.string('element_id', 255).notNullable();
    t.string('state', 16).notNullable();
    t.string('arrived_via', 255);
    // variables local to this token or scope (multi-instance counters, the element variable, links)
    t.text('vars_json');
    time(t, 'created_at').notNullable();
    t.index(['instance_id']);
  });

  await knex.schema.createTable('variables', (t) => {
    t.string('instance_id', 36).notNullable();
    t.string('scope_id', 36).notNullable();
    t.string('name', 255).notNullable();
    t.text('value_json', 'mediumtext').notNullable();
    time(t, 'updated_at').notNullable();
    t.primary(['instance_id', 'scope_id', 'name']);
  });

  await knex.schema.createTable('user_tasks', (t) => {
    t.string('id', 36).primary();
    t.string('instance_id', 36).notNullable();
    t.string('execution_id', 36).notNullable();
    t.string('process_key', 255).notNullable();
    t.string('element_id', 255).notNullable();
    t.string('name', 255);
    t.string('state', 16).notNullable();
    t.string('assignee', 64);
    // 委派: the owner gets the task back when the delegate resolves it
    t.string('owner', 64);
    t.string('delegation_state', 16);
    // 加签: a task added for another signer of the same step (before / after / parallel to signer_of)
    t.string('signer_of', 36);
    t.string('signer_mode', 16);
    t.string('added_by', 64);
    t.string('org_scope', 255);
    t.string('form_key', 255);
    t.integer('priority').notNullable().defaultTo(50);
    time(t, 'due_at');
    time(t, 'created_at').notNullable();
    time(t, 'ended_at');
    t.string('completed_by', 64);
    t.index(['instance_id']);
    t.index(['assignee', 'state', 'due_at']);
    t.index(['state', 'due_at']);
  });

  // 抄送: who was copied on an instance (not blocking), and when they read it.
  await knex.schema.createTable('carbon_copies', (t) => {
    t.string('id', 36).primary();
    t.string('instance_id', 36).notNullable();
    t.string('task_id', 36);
    t.string('user_id', 64).notNullable();
    t.string('sent_by', 64);
    t.text('note');
    time(t, 'created_at').notNullable();
    time(t, 'read_at');
    t.index(['user_id', 'read_at']);
    t.index(['instance_id']);
  });

  // Candidate users and roles of a task; the inbox query joins here.
  await knex.schema.createTable('task_candidates', (t) => {
    t.string('task_id', 36).notNullable();
    t.string('kind', 8).notNullable();
    t.string('value', 255).notNullable();
    t.primary(['task_id', 'kind', 'value']);
    t.index(['kind', 'value']);
  });

  // Jobs are the outbox and the timers: written with the state change, published to the queue after commit.
  // Instance jobs (service tasks, timers, call activities, message and signal throws, child results) carry the
  // instance; timer start events of a definition carry definition_id instead.
  await knex.schema.createTable('jobs', (t) => {
    t.string('id', 36).primary();
    t.string('instance_id', 36);
    t.string('execution_id', 36);
    t.string('definition_id', 36);
    t.string('element_id', 255).notNullable();
    t.string('kind', 16).notNullable();
    t.string('task_type', 255);
    t.string('state', 16).notNullable();
    t.integer('attempt').notNullable();
    t.integer('retries_left').notNullable();
    t.integer('publish_seq').notNullable().defaultTo(0);
    t.integer('fire_count').notNullable().defaultTo(0);
    t.text('payload_json', 'mediumtext');
    t.text('last_error');
    time(t, 'due_at').notNullable();
    time(t, 'published_at');
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.index(['state', 'published_at', 'due_at']);
    t.index(['state', 'kind', 'due_at']);
    t.index(['instance_id']);
    t.index(['definition_id', 'state']);
  });

  // Open message and signal subscriptions: of a waiting token (instance_id set) or of a deployed definition's
  // start event (definition_id set, instance_id null).
  await knex.schema.createTable('event_subscriptions', (t) => {
    t.string('id', 36).primary();
    t.string('kind', 16).notNullable();
    t.string('name', 255).notNullable();
    t.string('correlation_key', 255);
    t.string('instance_id', 36);
    t.string('execution_id', 36);
    t.string('definition_id', 36);
    t.string('process_key', 255);
    t.string('element_id', 255).notNullable();
    time(t, 'created_at').notNullable();
    t.index(['kind', 'name', 'correlation_key']);
    t.index(['instance_id']);
    t.index(['definition_id']);
  });

  // Every correlated, buffered, expired or unmatched message; message_id makes correlation idempotent.
  await knex.schema.createTable('messages', (t) => {
    t.string('id', 36).primary();
    t.string('message_id', 255).notNullable().unique();
    t.string('name', 255).notNullable();
    t.string('correlation_key', 255);
    t.text('variables_json', 'mediumtext');
    t.string('state', 16).notNullable();
    t.string('instance_id', 36);
    time(t, 'expires_at');
    time(t, 'created_at').notNullable();
    time(t, 'correlated_at');
    t.index(['state', 'name', 'correlation_key']);
    t.index(['state', 'expires_at']);
  });

  await knex.schema.createTable('incidents', (t) => {
    t.string('id', 36).primary();
    t.string('instance_id', 36).notNullable();
    t.string('execution_id', 36).notNullable();
    t.string('element_id', 255).notNullable();
    t.string('job_id', 36);
    t.string('code', 64).notNullable();
    t.text('message').notNullable();
    t.string('state', 16).notNullable();
    time(t, 'created_at').notNullable();
    time(t, 'resolved_at');
    t.string('resolved_by', 64);
    t.index(['instance_id', 'state']);
    t.index(['state', 'created_at']);
  });

  // Append-only. (instance_id, seq, idx) is unique: seq is the instance version the row was committed
  // with, idx its position in that commit, so one state change can never be recorded twice.
  await knex.schema.createTable('history_events', (t) => {
    t.bigIncrements('id').primary();
    t.string('instance_id', 36).notNullable();
    t.integer('seq').notNullable();
    t.integer('idx').notNullable();
    t.string('type', 32).notNullable();
    t.string('element_id', 255);
    t.string('element_type', 64);
    t.string('execution_id', 36);
    t.string('task_id', 36);
    t.string('actor', 64);
    t.text('data_json');
    time(t, 'at').notNullable();
    t.unique(['instance_id', 'seq', 'idx']);
    t.index(['type', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'history_events',
    'incidents',
    'messages',
    'event_subscriptions',
    'jobs',
    'task_candidates',
    'carbon_copies',
    'user_tasks',
    'variables',
    'executions',
    'process_instances',
    'process_definitions',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
