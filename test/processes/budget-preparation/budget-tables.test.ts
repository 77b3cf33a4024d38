/**
 * The budget tables on both databases: the migration's defaults, the CHECK constraints that keep money and
 * states sane whatever the code does, the UNIQUE effect keys, and the idempotent demo seed.
 */
import assert from 'node:assert/strict';
import { forEachBackend } from '../../helpers/engine-harness.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { seedBudgetDemo } from '../../../processes/budget-preparation/demo-seed.js';
import { budgetSettings, reviewRoute } from '../../../processes/budget-preparation/settings.js';

forEachBackend('budget-preparation/tables', (backend) => {
  let t: TestServer;
  before(async function () {
    this.timeout(60_000);
    t = await createTestServer(backend, { demo: false, workers: false });
  });
  after(() => t?.close());

  it('should seed the default settings and review route, and prefer a bureau row over the default', async function () {
    const { knex } = t.services;
    assert.deepEqual(await budgetSettings(knex, '410122-CZ'), {
      npcLeadDays: 30,
      financeReplyDays: 20,
      departmentReplyDays: 15,
      splitCapByProposal: true,
      projectReviewThresholdFen: 100_000_000,
    });
    await knex('budget_settings').insert({
      finance_bureau_code: '410122-CZ',
      npc_lead_days: 45,
      finance_reply_days: 10,
      department_reply_days: 10,
      split_cap_by_proposal: false,
      project_review_threshold_fen: 0,
      updated_at: new Date(),
    });
    assert.equal((await budgetSettings(knex, '410122-CZ')).npcLeadDays, 45);
    assert.equal((await budgetSettings(knex, '410100-CZ')).npcLeadDays, 30);
    assert.deepEqual(await reviewRoute(knex, '410122-CZ', '410122-BM-JY', 'first'), {
      assetReview: true,
      performanceReview: true,
      reviewCenter: true,
    });
  });

  it('should refuse negative money, an unknown project state and a repeated effect key', async function () {
    const { knex } = t.services;
    const row = {
      cycle_id: 'c1',
      fiscal_year: 2027,
      org_code: '410122-BM-JY',
      org_kind: 'department',
      parent_code: '410122-CZ',
      amount_fen: 100,
      revision: 1,
      effect_key: 'job-1:410122-BM-JY',
      created_at: new Date(),
    };
    await knex('budget_control_numbers').insert(row);
    await assert.rejects(
      knex('budget_control_numbers').insert({ ...row, effect_key: 'job-2', amount_fen: -1 }),
    );
    await assert.rejects(knex('budget_control_numbers').insert(row), 'the effect key is unique');
    await assert.rejects(
      knex('budget_projects').insert({
        id: 'p1',
        project_code: 'XM-1',
        unit_code: 'u',
        department_code: 'd',
        finance_bureau_code: 'b',
        name: 'n',
        category: 'specific',
        term: 'once',
        total_fen: 1,
        functional_class: '205',
        economic_class: '310',
        performance_goal: 'g',
        status: '已批准',
        created_at: new Date(),
        updated_at: new Date(),
      }),
    );
  });

  it('should seed the demo schedules once, keeping edits', async function () {
    const { knex } = t.services;
    await seedBudgetDemo(knex);
    await knex('budget_cycle_schedules')
      .where({ finance_bureau_code: '410122-CZ' })
      .update({ deploy_on: '2026-08-01' });
    await seedBudgetDemo(knex);
    const rows = await knex('budget_cycle_schedules').orderBy('finance_bureau_code');
    assert.equal(rows.length, 4);
    assert.equal(rows.find((r) => r.finance_bureau_code === '410122-CZ').deploy_on, '2026-08-01');
  });
});
