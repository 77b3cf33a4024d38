// Creates the budget indicator ledger (预算指标账) and the tables of the treasury payment process (国库集中支付).
import type { Knex } from 'knex';
import { seedTreasuryDefaults } from '../processes/treasury-payment/treasury-defaults.js';

/**
 * The indicator ledger is the hard control of 国库集中支付 ("预算控制指标、指标控制支付", domain.md §2.0): every
 * payment draws down one indicator line. The balance columns are kept by conditional UPDATEs in
 * processes/treasury-payment/indicator-ledger.ts; the CHECK constraints are the last line of defence: no balance
 * goes negative and `allocated = available + reserved + consumed` holds on every row, whatever the code does.
 * Each movement writes one entry whose UNIQUE `effect_key` makes a retried service task apply nothing twice.
 *
 * The configuration the process reads is kept as data, seeded with example defaults and editable: the region's
 * payment mode (一体化 / legacy 直接支付 / 授权支付), the monitoring rules (动态监控, 黄橙红灰蓝), the authority table
 * (amount band × fund type → approval chain) and the monthly payment plans (用款计划).
 * Money columns are BIGINT 分; times are DATETIME(3) in UTC like the engine's tables.
 */
export async function up(knex: Knex): Promise<void> {
  const time = (t: Knex.CreateTableBuilder, name: string) => t.datetime(name, { precision: 3 });

  // 预算指标 (B0): one line per agency × project × classification × fund type × document
  await knex.schema.createTable('treasury_indicators', (t) => {
    t.string('id', 36).primary();
    t.integer('fiscal_year').notNullable();
    // 财政区划 (the region whose finance bureau issued the indicator)
    t.string('mof_div_code', 12).notNullable();
    // 预算单位 org code (processes/org/org-codes.ts)
    t.string('agency_code', 32).notNullable();
    t.string('pro_code', 64).notNullable();
    t.string('pro_name', 255).notNullable();
    // 支出功能分类 类/款/项 (e.g. 2050203) and 部门支出经济分类 (e.g. 30201)
    t.string('exp_func_code', 16).notNullable();
    t.string('eco_code', 16).notNullable();
    // 资金性质 (一般公共预算 …) and 直达资金
    t.string('fund_type_code', 16).notNullable();
    t.boolean('is_direct_fund').notNullable().defaultTo(false);
    // 指标文号
    t.string('bgt_doc_no', 128).notNullable();
    t.bigInteger('allocated_fen').notNullable();
    t.bigInteger('available_fen').notNullable();
    t.bigInteger('reserved_fen').notNullable().defaultTo(0);
    t.bigInteger('consumed_fen').notNullable().defaultTo(0);
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.index(['agency_code', 'fiscal_year']);
    t.check('?? >= 0', ['allocated_fen'], 'treasury_indicators_allocated_nonneg');
    t.check('?? >= 0', ['available_fen'], 'treasury_indicators_available_nonneg');
    t.check('?? >= 0', ['reserved_fen'], 'treasury_indicators_reserved_nonneg');
    t.check('?? >= 0', ['consumed_fen'], 'treasury_indicators_consumed_nonneg');
    t.check(
      '?? = ?? + ?? + ??',
      ['allocated_fen', 'available_fen', 'reserved_fen', 'consumed_fen'],
      'treasury_indicators_balanced',
    );
  });

  // Every movement of an indicator: allocate, reserve, release, consume, refund (退票 after payment)
  await knex.schema.createTable('treasury_ledger_entries', (t) => {
    t.bigIncrements('id');
    t.string('indicator_id', 36).notNullable();
    t.string('kind', 16).notNullable();
    t.bigInteger('amount_fen').notNullable();
    // the payment (process instance id) the movement belongs to; null for allocations
    t.string('payment_ref', 64);
    t.string('effect_key', 191).notNullable().unique();
    t.string('note', 255);
    time(t, 'at').notNullable();
    t.index(['indicator_id', 'id']);
    t.index(['payment_ref']);
    t.check('?? > 0', ['amount_fen'], 'treasury_ledger_entries_amount_positive');
  });

  // One row per payment application (the process instance): what monitoring, plans and the bank step read
  await knex.schema.createTable('treasury_payments', (t) => {
    t.string('instance_id', 36).primary();
    t.string('agency_code', 32).notNullable();
    t.string('mof_div_code', 12).notNullable();
    t.string('indicator_id', 36).notNullable();
    t.integer('fiscal_year').notNullable();
    t.integer('month').notNullable();
    t.string('payee_name', 255).notNullable();
    t.string('payee_account', 64).notNullable();
    t.string('payee_bank', 255).notNullable();
    t.string('payee_account_type', 16).notNullable();
    t.string('settlement_method', 16).notNullable();
    t.string('payment_mode', 16).notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.string('status', 16).notNullable();
    t.string('voucher_no', 64).unique();
    t.string('bank_serial', 64);
    t.string('refund_reason', 255);
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.index(['agency_code', 'payee_account', 'created_at']);
    t.index(['agency_code', 'fiscal_year', 'month']);
    t.check('?? > 0', ['amount_fen'], 'treasury_payments_amount_positive');
  });

  // Per region: 一体化 (integrated) or the legacy 直接支付 / 授权支付 split, the 用款计划 check, the bank follow-up
  await knex.schema.createTable('treasury_region_settings', (t) => {
    t.string('region_code', 12).primary();
    // integrated (一体化) | direct (legacy 财政直接支付) | authorized (legacy 财政授权支付)
    t.string('payment_mode', 16).notNullable();
    t.boolean('plan_check').notNullable().defaultTo(false);
    // ISO duration, counted on working days: when the payment center follows up a voucher without an answer
    t.string('bank_follow_up', 16).notNullable().defaultTo('P1D');
    time(t, 'updated_at').notNullable();
  });

  // 分月用款计划 (B1/B2): the cumulative payments of a month stay within the plan where the region checks plans
  await knex.schema.createTable('treasury_payment_plans', (t) => {
    t.string('agency_code', 32).notNullable();
    t.integer('fiscal_year').notNullable();
    t.integer('month').notNullable();
    t.bigInteger('plan_fen').notNullable();
    t.primary(['agency_code', 'fiscal_year', 'month']);
    t.check('?? >= 0', ['plan_fen'], 'treasury_payment_plans_plan_nonneg');
  });

  // 动态监控 rules (实时触发 in B4; 定时触发 are recorded only): kind + parameters + 预警级别, per region or for all
  await knex.schema.createTable('treasury_monitor_rules', (t) => {
    t.string('code', 64).primary();
    t.string('name', 255).notNullable();
    t.string('kind', 48).notNullable();
    // yellow | orange | red | gray | blue
    t.string('level', 16).notNullable();
    // realtime | scheduled
    t.string('trigger_type', 16).notNullable().defaultTo('realtime');
    // null = every region
    t.string('region_code', 12);
    t.text('params').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    time(t, 'updated_at').notNullable();
  });

  // What the rules found, one row per rule per evaluation (the warning record)
  await knex.schema.createTable('treasury_monitor_hits', (t) => {
    t.bigIncrements('id');
    t.string('instance_id', 36).notNullable();
    t.string('rule_code', 64).notNullable();
    t.string('level', 16).notNullable();
    t.string('message', 500).notNullable();
    t.string('effect_key', 191).notNullable().unique();
    time(t, 'at').notNullable();
    t.index(['instance_id']);
  });

  // 审批权限表: amount band × fund type (× region) → the unit-side approval chain and whether finance reviews
  await knex.schema.createTable('treasury_approval_authority', (t) => {
    t.increments('id');
    // null = every region / every fund type
    t.string('region_code', 12);
    t.string('fund_type_code', 16);
    // the band is (min_exclusive_fen, max_fen]; max_fen null = no upper bound
    t.bigInteger('min_exclusive_fen').notNullable().defaultTo(0);
    t.bigInteger('max_fen');
    // approval level (1, 2, 3 …) and the steps of the chain, comma-separated step codes
    t.integer('level').notNullable();
    t.string('steps', 255).notNullable();
    t.boolean('finance_review').notNullable().defaultTo(false);
    t.string('note', 255);
    t.index(['region_code', 'fund_type_code']);
  });

  await seedTreasuryDefaults(knex, Date.now());
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'treasury_approval_authority',
    'treasury_monitor_hits',
    'treasury_monitor_rules',
    'treasury_payment_plans',
    'treasury_region_settings',
    'treasury_payments',
    'treasury_ledger_entries',
    'treasury_indicators',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
