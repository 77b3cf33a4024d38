// Creates the hash-chained audit log (audit_log) and the head rows of the non-instance chains (audit_chain_heads).
import type { Knex } from 'knex';

/**
 * One row per audited state change, written in the same transaction as the change (docs/audit.md).
 * Rows form chains: `chain_id` is `instance:<id>` for everything an instance commit writes, `system` for
 * deployments and user/role administration. Within a chain `seq` runs 1, 2, 3 … and
 * `row_hash = H(prev_hash ‖ canonical JSON of the row without id and row_hash)`, H named by `hash_alg`.
 *
 * Deviations from the first sketch, each for a concrete reason:
 * - `target_id` is varchar(255), not 64: it holds BPMN element ids, which are up to 255 characters
 *   (history_events.element_id); a longer value would fail the whole commit on MySQL in strict mode.
 * - `before_json` / `after_json` are MEDIUMTEXT on MySQL: they carry the history row's data, whose own column
 *   is TEXT (64 KiB), and the wrapper around it must not push a commit over the TEXT limit.
 * - `hash_alg` ('sha256' | 'sm3') is recorded per row, so a chain stays verifiable when AUDIT_HASH changes.
 *
 * The application account gets only SELECT and INSERT on audit_log (docs/audit.md shows the GRANTs); the head
 * rows of audit_chain_heads are updated by it, and the verifier cross-checks them against the chain.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.string('chain_id', 64).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('hash_alg', 8).notNullable();
    t.specificType('prev_hash', 'char(64)').notNullable();
    t.specificType('row_hash', 'char(64)').notNullable();
    t.datetime('at', { precision: 3 }).notNullable();
    t.string('actor', 64);
    t.string('org_code', 32);
    t.string('roles', 255);
    t.string('request_id', 64);
    t.string('action', 64).notNullable();
    t.string('target_type', 32).notNullable();
    t.string('target_id', 255).notNullable();
    t.string('instance_id', 36);
    t.integer('history_seq');
    t.integer('history_idx');
    t.text('before_json', 'mediumtext');
    t.text('after_json', 'mediumtext');
    t.unique(['chain_id', 'seq']);
    // every history row has at most one audit row; the verifier checks "at least one"
    t.unique(['instance_id', 'history_seq', 'history_idx']);
  });

  await knex.schema.createTable('audit_chain_heads', (t) => {
    t.string('chain_id', 64).primary();
    t.bigInteger('seq').notNullable();
    t.specificType('hash', 'char(64)').notNullable();
  });
  // The system chain's head exists from the start, so its first writers lock a row instead of racing to insert it.
  await knex('audit_chain_heads').insert({ chain_id: 'system', seq: 0, hash: '0'.repeat(64) });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_chain_heads');
  await knex.schema.dropTableIfExists('audit_log');
}
