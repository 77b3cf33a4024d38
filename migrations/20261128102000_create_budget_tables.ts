// Creates the tables of budget preparation (预算编制 "二上二下") and of the project library (项目库).
import type { Knex } from 'knex';

/**
 * What the diagrams under processes/budget-preparation/ keep as data rather than in variables or constants:
 *
 * - configuration, seeded with example defaults and editable per finance bureau (`*` = every bureau):
 *   `budget_settings` (人大 lead days, 批复 windows, the 一下 split cap, the 评审中心 threshold of the project
 *   library), `budget_review_routes` (which of 资产处 / 绩效处 / 评审中心 review a department's budget in which
 *   round) and `budget_cycle_schedules` (the date each bureau deploys each year's cycle, read by the timer);
 * - the cycle's business data: `budget_cycles`, control numbers (控制数, per department and unit, with every
 *   revision kept as 修订轨迹), unit submissions (一上 建议数 / 二上 草案), 批复 records, escalations (催办) and the
 *   project library with its state history.
 *
 * Rows written by service tasks carry a UNIQUE `effect_key` (the engine's job id, plus the org where one job
 * writes several rows), so a handler that runs twice writes nothing twice. Money is BIGINT 分 with CHECKs.
 */
export async function up(knex: Knex): Promise<void> {
  const time = (t: Knex.CreateTableBuilder, name: string) => t.datetime(name, { precision: 3 });

  await knex.schema.createTable('budget_settings', (t) => {
    // a finance bureau's org code, or '*' for the default row
    t.string('finance_bureau_code', 32).primary();
    // 人大初步审查: the draft goes to 人大 this many days before the session (domain.md A13, 30 days)
    t.integer('npc_lead_days').notNullable();
    // 批复: finance → department within N days of approval, department → units within M days (A15, A16)
    t.integer('finance_reply_days').notNullable();
    t.integer('department_reply_days').notNullable();
    // 一下: a unit's control number may not exceed its reviewed 一上 建议数
    t.boolean('split_cap_by_proposal').notNullable();
    // 项目库: projects from this total go to 评审中心 as well
    t.bigInteger('project_review_threshold_fen').notNullable();
    time(t, 'updated_at').notNullable();
    t.check('?? > 0', ['npc_lead_days'], 'budget_settings_npc_lead_pos');
    t.check('?? > 0', ['finance_reply_days'], 'budget_settings_finance_reply_pos');
    t.check('?? > 0', ['department_reply_days'], 'budget_settings_department_reply_pos');
    t.check('?? >= 0', ['project_review_threshold_fen'], 'budget_settings_threshold_nonneg');
  });

  await knex.schema.createTable('budget_review_routes', (t) => {
    t.increments('id');
    t.string('finance_bureau_code', 32).notNullable();
    t.string('department_code', 32).notNullable();
    // 'first' (一上), 'second' (二上) or '*'
    t.string('round', 8).notNullable();
    t.boolean('asset_review').notNullable();
    t.boolean('performance_review').notNullable();
    t.boolean('review_center').notNullable();
    time(t, 'updated_at').notNullable();
    t.unique(['finance_bureau_code', 'department_code', 'round'], {
      indexName: 'budget_review_routes_scope',
    });
  });

  await knex.schema.createTable('budget_cycle_schedules', (t) => {
    t.increments('id');
    t.string('finance_bureau_code', 32).notNullable();
    t.integer('fiscal_year').notNullable();
    // dates as YYYY-MM-DD (Beijing calendar days)
    t.string('deploy_on', 10).notNullable();
    t.string('npc_session_on', 10).notNullable();
    // JSON list of department codes; null = every department of the bureau's region
    t.text('department_codes').nullable();
    // planned → started (claimed by one scheduler instance)
    t.string('status', 16).notNullable();
    t.string('claimed_by', 36).nullable();
    time(t, 'claimed_at').nullable();
    time(t, 'updated_at').notNullable();
    t.unique(['finance_bureau_code', 'fiscal_year'], { indexName: 'budget_cycle_schedules_year' });
  });

  await knex.schema.createTable('budget_cycles', (t) => {
    // the budgetPreparation instance id
    t.string('id', 36).primary();
    t.string('finance_bureau_code', 32).notNullable();
    t.integer('fiscal_year').notNullable();
    t.string('npc_session_on', 10).notNullable();
    // deployed → approved (人代会) → filed (备案)
    t.string('status', 16).notNullable();
    time(t, 'approved_at').nullable();
    time(t, 'filed_at').nullable();
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.unique(['finance_bureau_code', 'fiscal_year'], { indexName: 'budget_cycles_year' });
  });

  await knex.schema.createTable('budget_control_numbers', (t) => {
    t.bigIncrements('id');
    t.string('cycle_id', 36).notNullable();
    t.integer('fiscal_year').notNullable();
    t.string('org_code', 32).notNullable();
    // 'department' (一下 by 预算处) or 'unit' (分解 by the department)
    t.string('org_kind', 16).notNullable();
    t.string('parent_code', 32).notNullable();
    t.bigInteger('amount_fen').notNullable();
    // 1, 2, … per cycle and org: the latest is in force, the earlier ones are the 修订轨迹
    t.integer('revision').notNullable();
    t.string('effect_key', 128).notNullable().unique();
    time(t, 'created_at').notNullable();
    t.index(['cycle_id', 'org_code'], 'budget_control_numbers_org');
    t.check('?? >= 0', ['amount_fen'], 'budget_control_numbers_amount_nonneg');
  });

  await knex.schema.createTable('budget_submissions', (t) => {
    t.bigIncrements('id');
    t.string('cycle_id', 36).notNullable();
    // 'first' (一上 建议数) or 'second' (二上 草案)
    t.string('round', 8).notNullable();
    t.string('unit_code', 32).notNullable();
    t.string('department_code', 32).notNullable();
    t.bigInteger('amount_fen').notNullable();
    // JSON: the lines (category, project, functional / economic class, amount, 绩效目标)
    t.text('items').notNullable();
    t.integer('revision').notNullable();
    t.string('effect_key', 128).notNullable().unique();
    time(t, 'created_at').notNullable();
    t.index(['cycle_id', 'round', 'unit_code'], 'budget_submissions_unit');
    t.check('?? >= 0', ['amount_fen'], 'budget_submissions_amount_nonneg');
  });

  await knex.schema.createTable('budget_replies', (t) => {
    t.bigIncrements('id');
    t.string('cycle_id', 36).notNullable();
    t.string('org_code', 32).notNullable();
    // 'department' (财政 → 部门) or 'unit' (部门 → 单位)
    t.string('level', 16).notNullable();
    t.string('parent_code', 32).notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.string('doc_no', 128).nullable();
    t.string('effect_key', 128).notNullable().unique();
    time(t, 'created_at').notNullable();
    t.index(['cycle_id', 'org_code'], 'budget_replies_org');
    t.check('?? >= 0', ['amount_fen'], 'budget_replies_amount_nonneg');
  });

  await knex.schema.createTable('budget_escalations', (t) => {
    t.bigIncrements('id');
    t.string('instance_id', 36).notNullable();
    t.string('element_id', 64).notNullable();
    // what is overdue: 'financeReply', 'departmentReply', 'npcSubmission'
    t.string('kind', 32).notNullable();
    t.string('org_code', 32).notNullable();
    t.string('message', 500).notNullable();
    t.string('effect_key', 128).notNullable().unique();
    time(t, 'created_at').notNullable();
    t.index(['instance_id'], 'budget_escalations_instance');
  });

  await knex.schema.createTable('budget_projects', (t) => {
    // the projectLibrary instance that declared it
    t.string('id', 36).primary();
    t.string('project_code', 64).notNullable().unique();
    t.string('unit_code', 32).notNullable();
    t.string('department_code', 32).notNullable();
    t.string('finance_bureau_code', 32).notNullable();
    t.string('name', 200).notNullable();
    t.string('category', 32).notNullable();
    t.string('term', 32).notNullable();
    t.bigInteger('total_fen').notNullable();
    t.string('functional_class', 16).notNullable();
    t.string('economic_class', 16).notNullable();
    t.text('performance_goal').notNullable();
    // 申报中 → 已退回 ⇄ 申报中 → 已入库 → 储备; or 不予入库
    t.string('status', 16).notNullable();
    t.integer('reserve_year').nullable();
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.index(['unit_code', 'status'], 'budget_projects_unit');
    t.check('?? >= 0', ['total_fen'], 'budget_projects_total_nonneg');
    t.check(
      "?? in ('申报中', '已退回', '已入库', '储备', '不予入库')",
      ['status'],
      'budget_projects_status_known',
    );
  });

  await knex.schema.createTable('budget_project_events', (t) => {
    t.bigIncrements('id');
    t.string('project_id', 36).notNullable();
    t.string('status', 16).notNullable();
    t.string('note', 500).nullable();
    t.string('effect_key', 128).notNullable().unique();
    time(t, 'created_at').notNullable();
    t.index(['project_id'], 'budget_project_events_project');
  });

  const now = new Date();
  // example defaults (domain.md §1.2: 30 days before the session, 20 / 15 days for 批复); edit per bureau
  await knex('budget_settings').insert({
    finance_bureau_code: '*',
    npc_lead_days: 30,
    finance_reply_days: 20,
    department_reply_days: 15,
    split_cap_by_proposal: true,
    project_review_threshold_fen: 100_000_000,
    updated_at: now,
  });
  // the Shaanxi chain of domain.md §1.0: every review applies unless a bureau or department says otherwise
  await knex('budget_review_routes').insert({
    finance_bureau_code: '*',
    department_code: '*',
    round: '*',
    asset_review: true,
    performance_review: true,
    review_center: true,
    updated_at: now,
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'budget_project_events',
    'budget_projects',
    'budget_escalations',
    'budget_replies',
    'budget_submissions',
    'budget_control_numbers',
    'budget_cycles',
    'budget_cycle_schedules',
    'budget_review_routes',
    'budget_settings',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
