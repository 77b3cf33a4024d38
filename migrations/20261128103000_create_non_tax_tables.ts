// Creates the tables of the non-tax revenue processes (非税收入收缴): the item catalogue, the settings, notices,
// bank records, treasury entries, the split by budget level, reconciliation differences, refunds and reliefs.
import type { Knex } from 'knex';

/**
 * The province keeps the item catalogue (C0, domain.md §3.1): every notice line names an item, the item's
 * standard gives the amount, its budget-level shares (basis points, CHECKed to sum to 10000) split the money.
 * Every other table is written by the service tasks of processes/non-tax-revenue/; a retried handler must not
 * apply anything twice, so every side effect has a UNIQUE key (notice per instance, bank record per bank serial,
 * split row per notice × line × level, event per effect key, difference per date × kind × reference).
 * `nontax_settings` holds the configurable numbers (催缴 rounds, 退付 deadlines …) seeded with example defaults.
 * Money columns are BIGINT 分; times are DATETIME(3) in UTC like the engine's tables; dates of account
 * (记账日期, China time) are `YYYY-MM-DD` text.
 */
export async function up(knex: Knex): Promise<void> {
  const time = (t: Knex.CreateTableBuilder, name: string) => t.datetime(name, { precision: 3 });

  // C0 非税收入项目目录 (kept by the province's 非税处)
  await knex.schema.createTable('nontax_items', (t) => {
    t.string('code', 32).primary();
    t.string('name', 255).notNullable();
    // 收入分类科目 (e.g. 1030414 教育行政事业性收费收入)
    t.string('revenue_class_code', 16).notNullable();
    // 行政事业性收费, 政府性基金, 罚没收入 … (domain.md §3.0)
    t.string('category', 32).notNullable();
    // fixed: standard_fen per unit; rate: rate_bp of a base amount (basis points)
    t.string('standard_kind', 8).notNullable();
    t.bigInteger('standard_fen');
    t.integer('rate_bp');
    t.integer('province_share_bp').notNullable();
    t.integer('city_share_bp').notNullable();
    t.integer('county_share_bp').notNullable();
    // 缴库方式: treasury (国库) or special_account (财政专户)
    t.string('remit_mode', 16).notNullable().defaultTo('treasury');
    // 缴款期限: days from issue
    t.integer('payment_term_days').notNullable();
    t.string('legal_basis', 500);
    t.boolean('enabled').notNullable().defaultTo(true);
    t.integer('version').notNullable().defaultTo(1);
    t.string('updated_by', 64);
    time(t, 'updated_at').notNullable();
    t.check(
      '?? + ?? + ?? = 10000',
      ['province_share_bp', 'city_share_bp', 'county_share_bp'],
      'nontax_items_shares_sum',
    );
    t.check(
      '?? >= 0 and ?? >= 0 and ?? >= 0',
      ['province_share_bp', 'city_share_bp', 'county_share_bp'],
      'nontax_items_shares_nonneg',
    );
    t.check(
      "(?? = 'fixed' and ?? > 0 and ?? is null) or (?? = 'rate' and ?? > 0 and ?? <= 10000 and ?? is null)",
      ['standard_kind', 'standard_fen', 'rate_bp', 'standard_kind', 'rate_bp', 'rate_bp', 'standard_fen'],
      'nontax_items_standard',
    );
    t.check('?? > 0', ['payment_term_days'], 'nontax_items_term_positive');
  });

  // which 执收单位 may bill which item (units cannot add items themselves)
  await knex.schema.createTable('nontax_item_units', (t) => {
    t.string('item_code', 32).notNullable();
    t.string('unit_org_code', 32).notNullable();
    t.primary(['item_code', 'unit_org_code']);
    t.index(['unit_org_code']);
  });

  // C0 维护: a proposed change, applied once when the 处长 approves (one per maintenance instance)
  await knex.schema.createTable('nontax_item_changes', (t) => {
    t.string('instance_id', 36).primary();
    t.string('item_code', 32).notNullable();
    t.string('change_kind', 8).notNullable();
    t.text('proposal').notNullable();
    t.string('status', 16).notNullable();
    t.string('proposed_by', 64);
    time(t, 'created_at').notNullable();
    time(t, 'decided_at');
  });

  // configurable numbers (keys and defaults: processes/non-tax-revenue/settings.ts documents each)
  await knex.schema.createTable('nontax_settings', (t) => {
    t.string('key', 64).primary();
    t.string('value', 255).notNullable();
    t.string('description', 500).notNullable();
    time(t, 'updated_at').notNullable();
  });

  // running numbers for 票号, 缴款码 and 电子票据号码
  await knex.schema.createTable('nontax_sequences', (t) => {
    t.string('name', 32).primary();
    t.bigInteger('next_value').notNullable();
  });

  // C1 电子非税收入一般缴款书
  await knex.schema.createTable('nontax_notices', (t) => {
    t.string('notice_no', 32).primary();
    t.string('payment_code', 32).notNullable().unique();
    t.string('instance_id', 36).unique();
    t.string('unit_org_code', 32).notNullable();
    t.string('region_code', 6).notNullable();
    t.string('level', 8).notNullable();
    t.string('payer_name', 255).notNullable();
    t.string('payer_id_no', 64);
    t.string('payer_phone', 32);
    t.bigInteger('total_fen').notNullable();
    // after 减免 (C9); what the payer owes
    t.bigInteger('payable_fen').notNullable();
    t.string('due_date', 10).notNullable();
    t.integer('reminder_count').notNullable().defaultTo(0);
    // issued, exempted, overdue_voided, paid, confirmed, cleared, written_off, refunded
    t.string('status', 16).notNullable();
    t.bigInteger('paid_fen');
    time(t, 'paid_at');
    t.string('paid_date', 10);
    t.string('bank_serial_no', 64);
    t.string('receipt_no', 32).unique();
    t.bigInteger('refunded_fen').notNullable().defaultTo(0);
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.index(['paid_date']);
    t.index(['unit_org_code', 'status']);
    t.check('?? > 0', ['total_fen'], 'nontax_notices_total_positive');
    t.check('?? >= 0 and ?? <= ??', ['payable_fen', 'payable_fen', 'total_fen'], 'nontax_notices_payable');
    t.check('?? >= 0', ['refunded_fen'], 'nontax_notices_refunded_nonneg');
  });

  await knex.schema.createTable('nontax_notice_lines', (t) => {
    t.string('notice_no', 32).notNullable();
    t.integer('line_no').notNullable();
    t.string('item_code', 32).notNullable();
    t.integer('quantity').notNullable();
    // the base a rate item applies to (e.g. 出让价款); null for fixed items
    t.bigInteger('base_fen');
    t.bigInteger('amount_fen').notNullable();
    t.primary(['notice_no', 'line_no']);
    t.check('?? > 0', ['amount_fen'], 'nontax_notice_lines_amount_positive');
    t.check('?? > 0', ['quantity'], 'nontax_notice_lines_quantity_positive');
  });

  // what happened to a notice (通知, 催缴, 逾期, 减免缓 …), once per effect key
  await knex.schema.createTable('nontax_notice_events', (t) => {
    t.string('effect_key', 128).primary();
    t.string('notice_no', 32).notNullable();
    t.string('kind', 16).notNullable();
    t.string('detail', 500);
    time(t, 'created_at').notNullable();
    t.index(['notice_no', 'kind']);
  });

  // the agency bank's payment records (银行来款), filled from the bank's payment messages
  await knex.schema.createTable('nontax_bank_records', (t) => {
    t.string('bank_serial_no', 64).primary();
    t.string('payment_code', 32);
    t.bigInteger('amount_fen').notNullable();
    t.string('payer_name', 255);
    t.string('bank_org_code', 32);
    t.string('region_code', 6);
    time(t, 'paid_at').notNullable();
    t.string('account_date', 10).notNullable();
    // matched (to a notice), unmatched (待查), returned (退回付款人)
    t.string('status', 16).notNullable();
    t.string('notice_no', 32);
    // the reconciliation run that took an unmatched record into 待查
    t.string('suspense_instance_id', 36);
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.index(['account_date']);
    t.index(['status', 'suspense_instance_id']);
    t.index(['payment_code']);
    t.check('?? > 0', ['amount_fen'], 'nontax_bank_records_amount_positive');
  });

  // C5 分成: what each budget level gets of each notice line
  await knex.schema.createTable('nontax_splits', (t) => {
    t.string('notice_no', 32).notNullable();
    t.integer('line_no').notNullable();
    t.string('level', 8).notNullable();
    t.string('region_code', 6).notNullable();
    t.bigInteger('amount_fen').notNullable();
    time(t, 'created_at').notNullable();
    t.primary(['notice_no', 'line_no', 'level']);
    t.check('?? >= 0', ['amount_fen'], 'nontax_splits_amount_nonneg');
  });

  // 国库入库: the treasury's entries by level (in production fed by the treasury; here written at 划解)
  await knex.schema.createTable('nontax_treasury_entries', (t) => {
    t.string('notice_no', 32).notNullable();
    t.string('level', 8).notNullable();
    t.string('region_code', 6).notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.string('entry_date', 10).notNullable();
    time(t, 'created_at').notNullable();
    t.primary(['notice_no', 'level']);
    t.index(['entry_date']);
  });

  // C7 对账差错: one row per difference found, handled by one 差错处理 task
  await knex.schema.createTable('nontax_recon_diffs', (t) => {
    t.bigIncrements('id');
    t.string('recon_date', 10).notNullable();
    t.string('kind', 24).notNullable();
    t.string('ref_key', 64).notNullable();
    t.string('notice_no', 32);
    t.string('bank_serial_no', 64);
    t.string('region_code', 6).notNullable();
    t.bigInteger('expected_fen');
    t.bigInteger('actual_fen');
    t.string('instance_id', 36).notNullable();
    // open, handled
    t.string('status', 16).notNullable();
    time(t, 'created_at').notNullable();
    time(t, 'handled_at');
    t.unique(['recon_date', 'kind', 'ref_key']);
    t.index(['instance_id']);
  });

  // §3.2 退付
  await knex.schema.createTable('nontax_refunds', (t) => {
    t.string('instance_id', 36).primary();
    t.string('notice_no', 32).notNullable();
    t.bigInteger('refund_fen').notNullable();
    t.string('applicant_kind', 8).notNullable();
    t.string('reason', 500).notNullable();
    t.boolean('upper_approval').notNullable();
    // applied, rejected, refunded
    t.string('status', 16).notNullable();
    t.string('red_receipt_no', 32).unique();
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.index(['notice_no']);
    t.check('?? > 0', ['refund_fen'], 'nontax_refunds_amount_positive');
  });

  await knex.schema.createTable('nontax_refund_splits', (t) => {
    t.string('instance_id', 36).notNullable();
    t.string('level', 8).notNullable();
    t.string('region_code', 6).notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.primary(['instance_id', 'level']);
  });

  // a step of 退付 / 减免缓 that passed its working-day deadline (督办 record), once per timer firing
  await knex.schema.createTable('nontax_deadline_breaches', (t) => {
    t.string('effect_key', 128).primary();
    t.string('instance_id', 36).notNullable();
    t.string('process_key', 64).notNullable();
    t.string('step', 64).notNullable();
    time(t, 'created_at').notNullable();
    t.index(['instance_id']);
  });

  // C9 减免缓
  await knex.schema.createTable('nontax_reliefs', (t) => {
    t.string('instance_id', 36).primary();
    t.string('notice_no', 32).notNullable();
    // exemption 免, reduction 减, deferral 缓
    t.string('relief_kind', 12).notNullable();
    t.bigInteger('reduction_fen');
    t.string('deferred_due_date', 10);
    t.string('reason', 500).notNullable();
    // applied, approved, rejected
    t.string('status', 16).notNullable();
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.index(['notice_no']);
  });

  const now = new Date();
  await knex('nontax_settings').insert(
    DEFAULT_SETTINGS.map(([key, value, description]) => ({ key, value, description, updated_at: now })),
  );
  await knex('nontax_sequences').insert([
    { name: 'notice', next_value: 1 },
    { name: 'payment', next_value: 1 },
    { name: 'receipt', next_value: 1 },
  ]);
}

/**
 * The configurable numbers with their example defaults (domain.md §3.1–3.2; the 退付 day counts are one
 * province's rules [S31], Henan's own were not retrieved). Edit the rows, not this list.
 */
const DEFAULT_SETTINGS: ReadonlyArray<readonly [string, string, string]> = [
  ['collection.maxReminders', '2', '缴款期限届满后最多催缴次数，超过即转逾期处理'],
  ['collection.reminderTermDays', '5', '每次催缴给予的新缴款期限（自然日）'],
  ['refund.unitReviewDays.payer', '10', '退付：缴款人申请时执收单位审核期限（工作日）'],
  ['refund.unitReviewDays.unit', '5', '退付：执收单位自行发现时审核期限（工作日）'],
  ['refund.financeReviewDays', '10', '退付：本级财政非税审核期限（工作日）'],
  ['refund.financeReviewUpwardDays', '15', '退付：涉及上级收入时本级财政审核并上报期限（工作日）'],
  ['refund.upperReviewDays', '10', '退付：上级财政审核期限（工作日）'],
  ['refund.treasuryDays', '10', '退付：批准后国库办理退付期限（工作日）'],
  ['relief.unitReviewDays', '5', '减免缓：执收单位审核期限（工作日）'],
  ['relief.financeReviewDays', '10', '减免缓：财政非税审批期限（工作日）'],
  ['relief.chiefApprovalFen', '1000000', '减免缓：减免金额达到此数（分）须非税处（科）长审批'],
  ['split.directCountyCityShareTo', 'county', '省直管县收入中“市级”分成归属：county（县）或 province（省）'],
  ['receipt.codePrefix', '4101', '电子票据代码前四位：监管机构区划（2位）+ 票据分类（2位）'],
];

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'nontax_reliefs',
    'nontax_deadline_breaches',
    'nontax_refund_splits',
    'nontax_refunds',
    'nontax_recon_diffs',
    'nontax_treasury_entries',
    'nontax_splits',
    'nontax_bank_records',
    'nontax_notice_events',
    'nontax_notice_lines',
    'nontax_notices',
    'nontax_sequences',
    'nontax_settings',
    'nontax_item_changes',
    'nontax_item_units',
    'nontax_items',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
