/**
 * 项目库 end to end on MariaDB + Bull: a 中牟县 school declares projects; the department, the finance 业务股 and
 * (from the configured amount) the 评审中心 review; 退回 and 不予入库 branches; the project's state in
 * budget_projects follows each step exactly once.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskRecord } from '../../../engine/index.js';
import { TestClock, waitFor } from '../../helpers/engine-harness.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';

const folder = join(dirname(fileURLToPath(import.meta.url)), '../../../processes/budget-preparation');
const CLERK = 'zhongmou.school1.clerk';
const DEPARTMENT = 'zhongmou.education.reviewer';
const BUSINESS = 'zhongmou.business.reviewer';
const CENTER = 'zhongmou.review.reviewer';

describe('budget-preparation/project library [MariaDB + Bull]', function () {
  this.timeout(60_000);
  let t: TestServer;

  before(async function () {
    t = await createTestServer('mysql', { clock: new TestClock(Date.parse('2026-05-11T01:00:00.000Z')) });
    await t.engine.deploy(readFileSync(join(folder, 'projectLibrary.bpmn'), 'utf8'));
  });
  after(() => t?.close());

  async function declare(variables: Record<string, unknown>): Promise<string> {
    const user = (await t.services.orgs.getUser(CLERK))!;
    const org = (await t.services.orgs.getOrg(user.orgCode))!;
    const started = await t.engine.startInstance('projectLibrary', {
      initiator: CLERK,
      org: { code: org.code, path: org.path },
      variables: {
        unitCode: org.code,
        projectName: '智慧教室建设',
        category: 'specific',
        term: 'once',
        totalFen: 2_000_000_00,
        functionalClass: '2050203',
        economicClass: '31002',
        performanceGoal: '建成智慧教室 20 间，师生满意度 ≥ 90%',
        ...variables,
      },
    });
    return started.id;
  }
  async function taskOf(id: string, user: string, elementId: string): Promise<TaskRecord> {
    return waitFor(
      async () =>
        (await t.engine.listTasks({ instanceId: id, visibleTo: { userId: user } })).find(
          (x) => x.elementId === elementId,
        ),
      `${elementId} for ${user}`,
    );
  }
  async function complete(id: string, user: string, elementId: string, variables: Record<string, unknown>) {
    const task = await taskOf(id, user, elementId);
    await t.engine.completeTask(task.id, { actor: user, variables });
  }
  const statusOf = async (id: string) =>
    (await t.services.knex('budget_projects').where({ id }).first())?.status;
  const historyOf = async (id: string) =>
    (await t.services.knex('budget_project_events').where({ project_id: id }).orderBy('id')).map(
      (e) => e.status,
    );

  it('should take a large project through 退回, the 评审中心, 入库 and 储备, keeping its state in step', async function () {
    const id = await declare({});
    await waitFor(async () => (await statusOf(id)) === '申报中', '申报中');
    const row = await t.services.knex('budget_projects').where({ id }).first();
    assert.equal(row.department_code, '410122-BM-JY');
    assert.equal(row.finance_bureau_code, '410122-CZ');
    assert.equal(Number(row.total_fen), 2_000_000_00);
    assert.match(row.project_code, /^XM2026-410122-BM-JY-001-/);

    await complete(id, DEPARTMENT, 'P2_department', { decision: 'return', opinion: '请补充可研报告' });
    const revise = await taskOf(id, CLERK, 'P1_revise');
    assert.equal(await statusOf(id), '已退回');
    assert.equal((await t.engine.getInstance(revise.instanceId)).variables.opinion, '请补充可研报告');
    await complete(id, CLERK, 'P1_revise', { totalFen: 1_800_000_00 });
    await waitFor(async () => (await statusOf(id)) === '申报中', 'resubmitted');
    await complete(id, DEPARTMENT, 'P2_department', { decision: 'approve', opinion: '同意' });
    await complete(id, BUSINESS, 'P3_business', { decision: 'approve', opinion: '同意' });
    await complete(id, CENTER, 'P3_center', { decision: 'approve', opinion: '评审通过' });
    await taskOf(id, BUSINESS, 'P5_reserve');
    assert.equal(await statusOf(id), '已入库');
    await complete(id, BUSINESS, 'P5_reserve', { reserveYear: 2027, reservePriority: 1 });
    await waitFor(async () => (await t.engine.getInstance(id)).status === 'completed', 'completed');
    const done = await t.services.knex('budget_projects').where({ id }).first();
    assert.equal(done.status, '储备');
    assert.equal(done.reserve_year, 2027);
    assert.equal(Number(done.total_fen), 1_800_000_00, 'the revised total');
    assert.deepEqual(await historyOf(id), ['申报中', '已退回', '申报中', '已入库', '储备']);
  });

  it('should skip the 评审中心 below the configured amount and end a refused project as 不予入库', async function () {
    const id = await declare({ projectName: '图书购置', totalFen: 300_000_00 });
    await complete(id, DEPARTMENT, 'P2_department', { decision: 'approve' });
    await complete(id, BUSINESS, 'P3_business', { decision: 'reject', opinion: '不符合支持方向' });
    await waitFor(async () => (await t.engine.getInstance(id)).status === 'completed', 'completed');
    const view = await t.engine.getInstance(id);
    assert.ok(!view.completedElementIds.includes('P3_center'));
    assert.ok(view.completedElementIds.includes('P9_rejected'));
    assert.deepEqual(await historyOf(id), ['申报中', '不予入库']);
  });

  it('should send back an incomplete declaration naming the missing fields, and let 评审中心 return it', async function () {
    const id = await declare({ performanceGoal: '', economicClass: null });
    const revise = await taskOf(id, CLERK, 'P1_revise');
    assert.equal(
      (await t.engine.getInstance(revise.instanceId)).variables.projectProblem,
      '缺少支出经济分类科目（economicClass）；缺少绩效目标（performanceGoal）',
    );
    assert.equal(await statusOf(id), undefined, 'nothing is in the library yet');
    await complete(id, CLERK, 'P1_revise', { economicClass: '31002', performanceGoal: '完成率 100%' });
    await complete(id, DEPARTMENT, 'P2_department', { decision: 'approve' });
    await complete(id, BUSINESS, 'P3_business', { decision: 'approve' });
    await complete(id, CENTER, 'P3_center', { decision: 'return', opinion: '单价偏高' });
    await taskOf(id, CLERK, 'P1_revise');
    assert.equal(await statusOf(id), '已退回');
    await complete(id, CLERK, 'P1_revise', { totalFen: 1_500_000_00 });
    await complete(id, DEPARTMENT, 'P2_department', { decision: 'approve' });
    await complete(id, BUSINESS, 'P3_business', { decision: 'approve' });
    await complete(id, CENTER, 'P3_center', { decision: 'reject', opinion: '重复建设' });
    await waitFor(async () => (await statusOf(id)) === '不予入库', '不予入库');
    assert.deepEqual(await historyOf(id), ['申报中', '已退回', '申报中', '不予入库']);
  });
});
