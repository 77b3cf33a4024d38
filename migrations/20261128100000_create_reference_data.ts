// Creates the reference data tables (code lists: classifications, fund types, payment methods, warning levels,
// accounts, budget levels …) and the record of approved cross-level transfer-payment allocations.
import type { Knex } from 'knex';

/**
 * `reference_codes` holds every list in one table keyed by (list, code): the lists share one shape (code, name,
 * parent for 类→款→项 trees, display order, validity dates) and one API, and a form field names its list by
 * `codeList`. Codes are retired by `valid_to`, never deleted, so old documents keep resolving their codes.
 * `reference_lists` names each list in Chinese. The seed is processes/reference/seed-reference-data.ts.
 *
 * `transfer_allocations` is the result of the province's 批复 of a special transfer-payment application
 * (processes/transfer-payment): the approved amount for the receiving county, written once per instance by a
 * service task whose UNIQUE `effect_key` makes a retried job insert nothing twice. Money in BIGINT 分.
 */
export async function up(knex: Knex): Promise<void> {
  const time = (t: Knex.CreateTableBuilder, name: string) => t.datetime(name, { precision: 3 });

  await knex.schema.createTable('reference_lists', (t) => {
    t.string('list', 32).primary();
    t.string('name', 64).notNullable();
    t.string('description', 500).notNullable().defaultTo('');
    t.boolean('hierarchical').notNullable().defaultTo(false);
  });

  await knex.schema.createTable('reference_codes', (t) => {
    t.string('list', 32).notNullable();
    t.string('code', 32).notNullable();
    t.string('name', 128).notNullable();
    t.string('parent_code', 32);
    t.string('description', 500);
    t.integer('sort').notNullable().defaultTo(0);
    // not re-verified against the current official list (domain.md "memory, verify")
    t.boolean('needs_verification').notNullable().defaultTo(false);
    // null valid_from: valid since always; null valid_to: still valid
    time(t, 'valid_from');
    time(t, 'valid_to');
    time(t, 'updated_at').notNullable();
    t.primary(['list', 'code']);
    t.index(['list', 'parent_code']);
    t.index(['list', 'sort']);
  });

  await knex.schema.createTable('transfer_allocations', (t) => {
    t.string('id', 36).primary();
    t.string('effect_key', 191).notNullable().unique();
    t.string('instance_id', 36).notNullable();
    t.string('business_key', 255);
    t.integer('fiscal_year').notNullable();
    // the receiving county's region and finance bureau, and the bureau that approved (the province's)
    t.string('region_code', 12).notNullable();
    t.string('recipient_bureau_code', 32).notNullable();
    t.string('approver_bureau_code', 32).notNullable();
    // the applying org (project unit or department) the funds are meant for
    t.string('applicant_org_code', 32).notNullable();
    t.string('pro_name', 255).notNullable();
    t.string('exp_func_code', 16).notNullable();
    t.string('fund_type_code', 32).notNullable();
    // 指标文号 of the province's 批复
    t.string('bgt_doc_no', 128).notNullable();
    t.bigInteger('approved_fen').notNullable();
    // set when the allocation has been registered as an indicator in the treasury ledger
    t.string('indicator_id', 36);
    time(t, 'created_at').notNullable();
    t.index(['region_code', 'fiscal_year']);
    t.index(['instance_id']);
    t.check('?? > 0', ['approved_fen'], 'transfer_allocations_approved_positive');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('transfer_allocations');
  await knex.schema.dropTableIfExists('reference_codes');
  await knex.schema.dropTableIfExists('reference_lists');
}
