import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { waitFor } from '../../helpers/engine-harness.js';
import type { TaskRecord } from '../../../engine/index.js';
import { PROCESSES_DIR } from '../../../processes/forms/form-registry.js';
import { seedReferenceData } from '../../../processes/reference/seed-reference-data.js';
import { allocationsOf } from '../../../processes/transfer-payment/allocations.js';
import { transferPaymentHandlers } from '../../../processes/transfer-payment/handlers.js';

const BPMN = join(PROCESSES_DIR, 'transfer-payment', 'transfer-payment-application.bpmn');
const KEY = 'transferPaymentApplication';

const application = (fiscalYear = 2027) => ({
  projectName: '农村学校校舍改造',
  fiscalYear,
  functionalClass: '205',
  fundType: 'general_public',
  requestedAmountFen: 3_000_000_00,
  projectSummary: '改造农村学校校舍 3 所',
  performanceTarget: '年底前完工',
  budgetLines: [{ item: '校舍改造', economicClass: '309', amountFen: 3_000_000_00 }],
});

describe('processes/transfer-payment (专项转移支付资金申报) [MariaDB + Bull]', function () {
  this.timeout(60_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('mysql');
    await seedReferenceData(t.services.knex);
    await t.engine.deploy(await readFile(BPMN));
  });
  after(async () => t?.close());

  async function start(initiator: string, businessKey: string): Promise<string> {
    const user = (await t.services.orgs.getUser(initiator))!;
    const org = (await t.services.orgs.getOrg(user.orgCode))!;
    // a spoofed initiator variable is overwritten from the instance row by TP0_route
    const view = await t.engine.startInstance(KEY, {
      initiator,
      businessKey,
      org: { code: org.code, path: org.path },
      variables: { initiator: 'henan.admin' },
    });
    return view.id;
  }

  /** The open task at `elementId`, once routed (it has a holder or candidates). */
  async function openTask(instanceId: string, elementId: string): Promise<TaskRecord> {
    return waitFor(
      async () =>
        (await t.engine.listTasks({ instanceId, state: 'created' })).find(
          (x) => x.elementId === elementId && (x.assignee || x.candidateUsers.length > 0),
        ),
      `${elementId} of ${instanceId}`,
    );
  }

  async function complete(
    instanceId: string,
    elementId: string,
    user: string,
    variables: Record<string, unknown> = {},
  ): Promise<TaskRecord> {
    const task = await openTask(instanceId, elementId);
    assert.ok(
      task.assignee === user || task.candidateUsers.includes(user),
      `${elementId} should be for ${user}, not ${task.assignee ?? task.candidateUsers.join(',')}`,
    );
    const res = await (
      await t.as(user)
    )
      .post(`/api/task/${task.id}/complete`)
      .send({ variables, comment: '同意' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return task;
  }

  async function returnTask(
    instanceId: string,
    elementId: string,
    user: string,
    target: 'previous' | 'initiator',
  ): Promise<void> {
    const task = await openTask(instanceId, elementId);
    const res = await (
      await t.as(user)
    )
      .post(`/api/task/${task.id}/return`)
      .send({ target, comment: '材料不全，请补充' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  const visited = async (instanceId: string) => (await t.engine.getInstance(instanceId)).completedElementIds;

  async function ended(instanceId: string) {
    return waitFor(async () => {
      const view = await t.engine.getInstance(instanceId);
      return view.status === 'completed' ? view : undefined;
    }, `the end of ${instanceId}`);
  }

  it('should run 中牟 → 郑州 (市初审) → 河南 (评审, 批复) and allocate the approved amount to 中牟', async () => {
    const id = await start('zhongmou.school1.clerk', 'ZM-TP-2027-001');
    await complete(id, 'TP1_apply', 'zhongmou.school1.clerk', application());
    await complete(id, 'TP2_departmentReview', 'zhongmou.education.reviewer');
    await complete(id, 'TP3_countyReview', 'zhongmou.business.reviewer');
    await complete(id, 'TP4_cityReview', 'zhengzhou.business.reviewer');

    // the province's review must set its amount, as an integer in 分
    const review = await openTask(id, 'TP5_provinceReview');
    const reviewer = await t.as('henan.business.reviewer');
    const missing = await reviewer.post(`/api/task/${review.id}/complete`).send({ comment: '同意' });
    assert.equal(missing.status, 400);
    assert.deepEqual(
      missing.body.details.issues.map((i: { field: string }) => i.field),
      ['body.variables.reviewedAmountFen'],
    );
    await complete(id, 'TP5_provinceReview', 'henan.business.reviewer', { reviewedAmountFen: 2_500_000_00 });
    await complete(id, 'TP6_provinceApproval', 'henan.business.chief', {
      approvedAmountFen: 2_400_000_00,
      approvalDocNo: '豫财教〔2027〕12号',
    });

    const done = await ended(id);
    assert.equal(done.variables.viaCity, true);
    assert.equal(done.variables.initiator, 'zhongmou.school1.clerk');
    const allocations = await allocationsOf(t.services.knex, '410122');
    assert.equal(allocations.length, 1);
    assert.deepEqual(
      {
        approvedFen: allocations[0]!.approvedFen,
        recipient: allocations[0]!.recipientBureauCode,
        approver: allocations[0]!.approverBureauCode,
        doc: allocations[0]!.approvalDocNo,
        applicant: allocations[0]!.applicantOrgCode,
      },
      {
        approvedFen: 2_400_000_00,
        recipient: '410122-CZ',
        approver: '410000-CZ',
        doc: '豫财教〔2027〕12号',
        applicant: '410122-BM-JY-001',
      },
    );
    assert.equal(done.variables.allocationId, allocations[0]!.id);
    // the approved amount is an indicator in 中牟's ledger, fully available to the applying unit
    const indicator = await t.services
      .knex('treasury_indicators')
      .where({ id: allocations[0]!.indicatorId })
      .first();
    assert.equal(indicator.mof_div_code, '410122');
    assert.equal(indicator.agency_code, '410122-BM-JY-001');
    assert.equal(Number(indicator.allocated_fen), 2_400_000_00);
    assert.equal(Number(indicator.available_fen), 2_400_000_00);
    assert.equal(indicator.bgt_doc_no, '豫财教〔2027〕12号');
    assert.equal(indicator.exp_func_code, '205');
  });

  it('should send 巩义 (省直管县) straight from the county to the province, skipping the city', async () => {
    const id = await start('gongyi.school1.clerk', 'GY-TP-2027-001');
    await complete(id, 'TP1_apply', 'gongyi.school1.clerk', application());
    await complete(id, 'TP2_departmentReview', 'gongyi.education.reviewer');
    await complete(id, 'TP3_countyReview', 'gongyi.business.reviewer');
    const provinceReview = await openTask(id, 'TP5_provinceReview');
    assert.deepEqual(provinceReview.candidateUsers, ['henan.business.reviewer']);
    assert.ok(!(await visited(id)).includes('TP4_cityReview'));
    assert.ok(!(await t.engine.listTasks({ instanceId: id })).some((x) => x.elementId === 'TP4_cityReview'));
    await complete(id, 'TP5_provinceReview', 'henan.business.reviewer', { reviewedAmountFen: 80_000_00 });
    await complete(id, 'TP6_provinceApproval', 'henan.business.chief', {
      approvedAmountFen: 80_000_00,
      approvalDocNo: '豫财教〔2027〕13号',
    });
    const done = await ended(id);
    assert.equal(done.variables.viaCity, false);
    assert.equal(done.variables.reviewBureauCode, '410000-CZ');
    const allocations = await allocationsOf(t.services.knex, '410181');
    assert.equal(allocations.length, 1);
    assert.equal(allocations[0]!.approvedFen, 80_000_00);
    assert.equal(allocations[0]!.recipientBureauCode, '410181-CZ');
  });

  it('should let each level return (退回) the application and still allocate exactly once', async () => {
    const id = await start('zhongmou.school2.clerk', 'ZM-TP-2027-002');
    await complete(id, 'TP1_apply', 'zhongmou.school2.clerk', application());
    // 主管部门 → back to the unit
    await returnTask(id, 'TP2_departmentReview', 'zhongmou.education.reviewer', 'previous');
    await complete(id, 'TP1_apply', 'zhongmou.school2.clerk', { requestedAmountFen: 2_900_000_00 });
    await complete(id, 'TP2_departmentReview', 'zhongmou.education.reviewer');
    // county 业务股 → back to the department
    await returnTask(id, 'TP3_countyReview', 'zhongmou.business.reviewer', 'previous');
    await complete(id, 'TP2_departmentReview', 'zhongmou.education.reviewer');
    await complete(id, 'TP3_countyReview', 'zhongmou.business.reviewer');
    // city → back to the applicant; the path runs again from there
    await returnTask(id, 'TP4_cityReview', 'zhengzhou.business.reviewer', 'initiator');
    await complete(id, 'TP1_apply', 'zhongmou.school2.clerk');
    await complete(id, 'TP2_departmentReview', 'zhongmou.education.reviewer');
    await complete(id, 'TP3_countyReview', 'zhongmou.business.reviewer');
    await complete(id, 'TP4_cityReview', 'zhengzhou.business.reviewer');
    // province 评审 → back to the city
    await returnTask(id, 'TP5_provinceReview', 'henan.business.reviewer', 'previous');
    await complete(id, 'TP4_cityReview', 'zhengzhou.business.reviewer');
    await complete(id, 'TP5_provinceReview', 'henan.business.reviewer', { reviewedAmountFen: 1_000_000_00 });
    // province 批复 → back to 评审
    await returnTask(id, 'TP6_provinceApproval', 'henan.business.chief', 'previous');
    await complete(id, 'TP5_provinceReview', 'henan.business.reviewer', { reviewedAmountFen: 1_200_000_00 });
    await complete(id, 'TP6_provinceApproval', 'henan.business.chief', {
      approvedAmountFen: 1_200_000_00,
      approvalDocNo: '豫财教〔2027〕14号',
    });
    const done = await ended(id);
    assert.equal(done.variables.requestedAmountFen, 2_900_000_00);
    const mine = (await allocationsOf(t.services.knex, '410122')).filter((a) => a.instanceId === id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.approvedFen, 1_200_000_00);
  });

  it('should refuse an application from outside a county (not eligible) without an incident', async () => {
    const id = await start('zhengzhou.school1.clerk', 'ZZ-TP-2027-001');
    const done = await ended(id);
    assert.equal(done.variables.eligible, false);
    assert.match(String(done.variables.routeProblem), /县级/);
    assert.ok(done.completedElementIds.includes('TP0_notEligible'));
  });

  it('should record an allocation once when its job runs twice', async () => {
    const handlers = transferPaymentHandlers({ knex: t.services.knex, now: () => Date.now() });
    const job = {
      jobId: 'job-1',
      attempt: 1,
      instanceId: '00000000-0000-4000-8000-000000000001',
      businessKey: 'ZM-TP-REPLAY',
      elementId: 'TP7_allocate',
      taskType: 'transferPayment.recordAllocation',
      variables: {
        ...application(),
        recipientRegionCode: '410122',
        recipientBureauCode: '410122-CZ',
        approverBureauCode: '410000-CZ',
        applicantOrgCode: '410122-BM-JY-001',
        approvalDocNo: '豫财教〔2027〕15号',
        approvedAmountFen: 5_000_00,
      },
    };
    const first = await handlers['transferPayment.recordAllocation']!(job);
    const second = await handlers['transferPayment.recordAllocation']!({
      ...job,
      jobId: 'job-2',
      attempt: 2,
    });
    assert.deepEqual(second, first);
    const rows = await t.services.knex('transfer_allocations').where({ instance_id: job.instanceId });
    assert.equal(rows.length, 1);
    const indicators = await t.services.knex('treasury_indicators').where({ id: rows[0].id });
    assert.equal(indicators.length, 1);
    assert.equal(rows[0].indicator_id, rows[0].id);
    const entries = await t.services.knex('treasury_ledger_entries').where({ indicator_id: rows[0].id });
    assert.equal(entries.length, 1);
    await assert.rejects(
      handlers['transferPayment.recordAllocation']!({
        ...job,
        instanceId: '00000000-0000-4000-8000-000000000002',
        variables: { ...job.variables, approvedAmountFen: 12.5 },
      }),
      /approvedAmountFen as a positive integer/,
    );
  });
});
