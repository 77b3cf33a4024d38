/**
 * 预算编制 "二上二下" end to end on MariaDB + Bull with the demo directory of 中牟县 (county) and 郑州市 (city):
 * deployment by the county 预算股, 一上 by both schools of 教育局, department consolidation, the finance review
 * chain (业务股 → 资产/绩效/评审中心 in parallel → 预算股), control numbers issued and split, 二上 drafts
 * checked, 政府/人大, 批复 with deadlines that escalate, and 备案 at the city. Each test uses its own fiscal year.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskRecord } from '../../../engine/index.js';
import { TestClock, waitFor } from '../../helpers/engine-harness.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';

const folder = join(dirname(fileURLToPath(import.meta.url)), '../../../processes/budget-preparation');
const DAY = 86_400_000;
const BUREAU = '410122-CZ';
const DEPARTMENT = '410122-BM-JY';
const SCHOOL1 = '410122-BM-JY-001';
const SCHOOL2 = '410122-BM-JY-002';
const U = {
  budget: 'zhongmou.budget.reviewer',
  budgetChief: 'zhongmou.budget.chief',
  director: 'zhongmou.finance.director',
  deputy: 'zhongmou.finance.deputy',
  business: 'zhongmou.business.reviewer',
  asset: 'zhongmou.asset.reviewer',
  performance: 'zhongmou.performance.reviewer',
  center: 'zhongmou.review.reviewer',
  education: 'zhongmou.education.reviewer',
  educationChief: 'zhongmou.education.chief',
  school1: 'zhongmou.school1.clerk',
  school2: 'zhongmou.school2.clerk',
  city: 'zhengzhou.budget.reviewer',
};

const line = (projectName: string, amountFen: number, category = 'project', goal = '完成率 ≥ 95%') => ({
  category,
  projectName,
  functionalClass: '2050203',
  economicClass: category === 'basic' ? '30101' : '31002',
  amountFen,
  performanceGoal: goal,
});

describe('budget-preparation/annual cycle [MariaDB + Bull]', function () {
  this.timeout(60_000);
  let t: TestServer;
  const clock = new TestClock(Date.parse('2026-07-01T01:00:00.000Z'));

  before(async function () {
    t = await createTestServer('mysql', { clock });
    for (const file of readdirSync(folder).filter(
      (f) => f.endsWith('.bpmn') && f !== 'budgetCycleSchedule.bpmn',
    ))
      await t.engine.deploy(readFileSync(join(folder, file), 'utf8'));
  });
  after(() => t?.close());

  let businessKey = '';
  /** The open task of `user` at `elementId` in the current cycle; on a timeout, says where each instance stands. */
  async function taskOf(user: string, elementId: string): Promise<TaskRecord> {
    return waitFor(async () => {
      const tasks = await t.engine.listTasks({ visibleTo: { userId: user }, elementId, businessKey });
      return tasks[0];
    }, `${elementId} for ${user}`).catch(async (err: Error) => {
      const running = await t.engine.listInstances({ status: 'running' });
      const stuck = [];
      for (const i of running) {
        const view = await t.engine.getInstance(i.id);
        const jobs = (await t.engine.listJobs({ instanceId: i.id }))
          .filter((j) => j.lastError)
          .map((j) => `${j.elementId}: ${j.lastError}`);
        stuck.push(
          `${i.processKey} at ${view.activeElementIds.join(',')} ${jobs.join(';')} ${view.incidents
            .filter((x) => x.state === 'open')
            .map((x) => `${x.elementId}: ${x.message}`)
            .join('; ')}`,
        );
      }
      throw new Error(`${err.message}; running: ${stuck.join(' | ')}`);
    });
  }
  async function complete(user: string, elementId: string, variables: Record<string, unknown> = {}) {
    const task = await taskOf(user, elementId);
    await t.engine.completeTask(task.id, { actor: user, variables });
    await waitFor(
      async () => (await t.engine.getTask(task.id)).state === 'completed',
      `${elementId} completed`,
    );
    return task;
  }
  async function variablesOf(task: TaskRecord): Promise<Record<string, unknown>> {
    return (await t.engine.getInstance(task.instanceId)).variables;
  }
  async function noTask(user: string, elementId: string) {
    // service tasks run asynchronously; give the workers a moment, then make sure nothing opened
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await t.engine.listTasks({ visibleTo: { userId: user }, elementId, businessKey }), []);
  }

  async function deploy(fiscalYear: number, npcSessionDate = `${fiscalYear}-01-20`): Promise<string> {
    const user = (await t.services.orgs.getUser(U.budget))!;
    const org = (await t.services.orgs.getOrg(user.orgCode))!;
    businessKey = `YS-${BUREAU}-${fiscalYear}`;
    const started = await t.engine.startInstance('budgetPreparation', {
      initiator: U.budget,
      businessKey,
      org: { code: org.code, path: org.path },
      variables: {
        fiscalYear,
        financeBureauCode: BUREAU,
        departmentCodes: [DEPARTMENT],
        npcSessionDate,
      },
    });
    return started.id;
  }

  async function financeReviewsApprove() {
    await complete(U.business, 'R1_business', { decision: 'approve', opinion: '同意' });
    await complete(U.asset, 'R2_asset', { decision: 'approve', opinion: '同意' });
    await complete(U.performance, 'R2_performance', { decision: 'approve', opinion: '同意' });
    await complete(U.center, 'R2_center', { decision: 'approve', opinion: '同意' });
    await complete(U.budgetChief, 'R3_budget', { decision: 'approve', opinion: '同意' });
  }

  async function firstRound() {
    await complete(U.school1, 'A2_proposal', {
      items: [line('人员经费', 400_000_00, 'basic', ''), line('教学设备购置', 300_000_00)],
    });
    await complete(U.school2, 'A2_proposal', { items: [line('校舍维修', 300_000_00)] });
    await complete(U.education, 'A3_departmentReview', { departmentDecision: 'submit', opinion: '同意汇总' });
    await financeReviewsApprove();
  }

  async function issueAndSplit() {
    await complete(U.budgetChief, 'A5_balance', {
      controlNumbers: [{ departmentCode: DEPARTMENT, amountFen: 900_000_00 }],
    });
    await complete(U.education, 'A7_split', {
      unitControlNumbers: [
        { unitCode: SCHOOL1, amountFen: 650_000_00 },
        { unitCode: SCHOOL2, amountFen: 250_000_00 },
      ],
    });
  }

  async function secondRound() {
    await complete(U.school1, 'A8_draft', {
      items: [line('人员经费', 400_000_00, 'basic', ''), line('教学设备购置', 250_000_00)],
    });
    await complete(U.school2, 'A8_draft', { items: [line('校舍维修', 250_000_00)] });
    await complete(U.education, 'A9_departmentReview', { departmentDecision: 'submit', opinion: '同意' });
    await financeReviewsApprove();
  }

  async function toApproval() {
    await complete(U.budgetChief, 'A11_draft', { draftNote: '本级预算草案' });
    await complete(U.director, 'A12_government', {
      governmentDecision: 'agree',
      resolutionNo: '常务会议纪要〔2026〕12号',
    });
    await complete(U.budgetChief, 'A13_npcReview', {
      governmentDecision: 'agree',
      opinion: '财经委初审无修改',
    });
    await complete(U.budgetChief, 'A14_npcApproval', {
      governmentDecision: 'agree',
      resolutionNo: '人代会决议',
    });
  }

  it('should run the whole cycle from the county 预算股 through units, department and finance to 备案 at the city', async function () {
    const id = await deploy(2027);
    const proposal = await taskOf(U.school1, 'A2_proposal');
    assert.deepEqual(proposal.candidateUsers, [U.school1], 'the unit task goes to the school clerk');
    assert.equal((await taskOf(U.school2, 'A2_proposal')).processKey, 'budgetUnitSubmission');
    await firstRound();
    const balance = await taskOf(U.budgetChief, 'A5_balance');
    assert.deepEqual(
      balance.candidateUsers,
      [U.budgetChief],
      'the initiator does not review: passed to the chief',
    );
    await issueAndSplit();
    const draft = await taskOf(U.school1, 'A8_draft');
    assert.equal((await variablesOf(draft)).unitControlFen, 650_000_00, 'the unit sees its control number');
    await secondRound();
    const summary = await taskOf(U.budgetChief, 'A11_draft');
    assert.equal((await variablesOf(summary)).draftTotalFen, 900_000_00);
    await toApproval();
    await complete(U.budgetChief, 'A15_financeReply', {
      replyDocNo: '中财预〔2027〕1号',
      replyDate: '2027-01-25',
    });
    await complete(U.education, 'A16_departmentReply', {
      replyDocNo: '中教财〔2027〕2号',
      replyDate: '2027-02-01',
    });
    await complete(U.education, 'A17_publish', { publishedOn: '2027-02-10' });
    const filing = await complete(U.city, 'A18_filing', { filingNo: '郑财备〔2027〕8号' });
    assert.equal(filing.instanceId, id, '备案 is a step of the county cycle, done by the city 预算处');
    await waitFor(async () => (await t.engine.getInstance(id)).status === 'completed', 'cycle completed');

    const cycle = await t.services.knex('budget_cycles').where({ id }).first();
    assert.equal(cycle.status, 'filed');
    assert.ok(cycle.approved_at && cycle.filed_at);
    const numbers = await t.services
      .knex('budget_control_numbers')
      .where({ cycle_id: id })
      .orderBy('org_code')
      .select('org_code', 'org_kind', 'amount_fen', 'revision');
    assert.deepEqual(
      numbers.map((r) => [r.org_code, r.org_kind, Number(r.amount_fen), r.revision]),
      [
        [DEPARTMENT, 'department', 900_000_00, 1],
        [SCHOOL1, 'unit', 650_000_00, 1],
        [SCHOOL2, 'unit', 250_000_00, 1],
      ],
    );
    const replies = await t.services.knex('budget_replies').where({ cycle_id: id }).orderBy('org_code');
    assert.deepEqual(
      replies.map((r) => [r.org_code, r.level, Number(r.amount_fen)]),
      [
        [DEPARTMENT, 'department', 900_000_00],
        [SCHOOL1, 'unit', 650_000_00],
        [SCHOOL2, 'unit', 250_000_00],
      ],
    );
  });

  it('should take every 退回 and 补充材料 branch of the department and of each finance reviewer', async function () {
    await deploy(2028);
    await complete(U.school1, 'A2_proposal', { items: [line('教学设备购置', 300_000_00)] });
    await complete(U.school2, 'A2_proposal', { items: [line('校舍维修', 300_000_00)] });
    // the department returns 县二中
    await complete(U.education, 'A3_departmentReview', {
      departmentDecision: 'return',
      returnUnitCode: SCHOOL2,
      opinion: '维修测算依据不足',
    });
    const revise = await taskOf(U.school2, 'A2_proposal');
    assert.equal((await variablesOf(revise)).revisionNote, '维修测算依据不足');
    await noTask(U.school1, 'A2_proposal');
    await complete(U.school2, 'A2_proposal', { items: [line('校舍维修', 200_000_00)] });
    const again = await taskOf(U.education, 'A3_departmentReview');
    assert.equal((await variablesOf(again)).departmentTotalFen, 500_000_00, 'the revised proposal counts');
    await complete(U.education, 'A3_departmentReview', { departmentDecision: 'submit' });

    // 业务股 asks for more material, gets it, then approves; 资产 asks too; 绩效 returns; 评审中心 approves
    await complete(U.business, 'R1_business', { decision: 'supplement', opinion: '请补充设备清单' });
    await complete(U.education, 'R1_supplement', { supplementNote: '设备清单见附件' });
    const back = await taskOf(U.business, 'R1_business');
    assert.equal((await variablesOf(back)).supplementNote, '设备清单见附件');
    await complete(U.business, 'R1_business', { decision: 'approve' });
    await complete(U.asset, 'R2_asset', { decision: 'supplement', opinion: '补充资产存量' });
    await complete(U.education, 'R2_assetSupplement', { supplementNote: '存量表' });
    await complete(U.asset, 'R2_asset', { decision: 'approve' });
    await complete(U.performance, 'R2_performance', { decision: 'return', opinion: '绩效指标不可衡量' });
    await complete(U.center, 'R2_center', { decision: 'approve' });
    const returned = await taskOf(U.education, 'A3_departmentReview');
    assert.equal((await variablesOf(returned)).financeReturnOpinion, '绩效处：绩效指标不可衡量');
    await noTask(U.budgetChief, 'R3_budget');

    // second pass: 绩效 and 资产 approve, 评审中心 asks for material and then returns
    await complete(U.education, 'A3_departmentReview', { departmentDecision: 'submit' });
    await complete(U.business, 'R1_business', { decision: 'approve' });
    await complete(U.asset, 'R2_asset', { decision: 'approve' });
    await complete(U.performance, 'R2_performance', { decision: 'supplement', opinion: '补充指标值' });
    await complete(U.education, 'R2_performanceSupplement', { supplementNote: '指标值' });
    await complete(U.performance, 'R2_performance', { decision: 'approve' });
    await complete(U.center, 'R2_center', { decision: 'supplement', opinion: '补充评审材料' });
    await complete(U.education, 'R2_centerSupplement', { supplementNote: '评审材料' });
    await complete(U.center, 'R2_center', { decision: 'return', opinion: '单价偏高' });
    const byCenter = await taskOf(U.education, 'A3_departmentReview');
    assert.equal((await variablesOf(byCenter)).financeReturnOpinion, '评审中心：单价偏高');

    // third pass: 资产 returns
    await complete(U.education, 'A3_departmentReview', { departmentDecision: 'submit' });
    await complete(U.business, 'R1_business', { decision: 'approve' });
    await complete(U.asset, 'R2_asset', { decision: 'return', opinion: '超配置标准' });
    await complete(U.performance, 'R2_performance', { decision: 'approve' });
    await complete(U.center, 'R2_center', { decision: 'approve' });
    const byAsset = await taskOf(U.education, 'A3_departmentReview');
    assert.equal((await variablesOf(byAsset)).financeReturnOpinion, '资产处：超配置标准');

    // fourth pass: 业务股 returns at once (no parallel reviews start)
    await complete(U.education, 'A3_departmentReview', { departmentDecision: 'submit' });
    await complete(U.business, 'R1_business', { decision: 'return', opinion: '口径不符' });
    const byBusiness = await taskOf(U.education, 'A3_departmentReview');
    assert.equal((await variablesOf(byBusiness)).financeReturnOpinion, '业务处：口径不符');
    await noTask(U.asset, 'R2_asset');

    // fifth pass: 预算股 asks for material, then returns; sixth pass goes through to the control numbers
    await complete(U.education, 'A3_departmentReview', { departmentDecision: 'submit' });
    await complete(U.business, 'R1_business', { decision: 'approve' });
    await complete(U.asset, 'R2_asset', { decision: 'approve' });
    await complete(U.performance, 'R2_performance', { decision: 'approve' });
    await complete(U.center, 'R2_center', { decision: 'approve' });
    await complete(U.budgetChief, 'R3_budget', { decision: 'supplement', opinion: '补充财力测算' });
    await complete(U.education, 'R3_supplement', { supplementNote: '测算表' });
    await complete(U.budgetChief, 'R3_budget', { decision: 'return', opinion: '超出财力' });
    const byBudget = await taskOf(U.education, 'A3_departmentReview');
    assert.equal((await variablesOf(byBudget)).financeReturnOpinion, '预算处：超出财力');
    await complete(U.education, 'A3_departmentReview', { departmentDecision: 'submit' });
    await financeReviewsApprove();
    await taskOf(U.budgetChief, 'A5_balance');
  });

  it('should review only where a configuration row says so (绩效 only for 教育局 in 一上)', async function () {
    await t.services.knex('budget_review_routes').insert({
      finance_bureau_code: BUREAU,
      department_code: DEPARTMENT,
      round: 'first',
      asset_review: false,
      performance_review: true,
      review_center: false,
      updated_at: new Date(),
    });
    try {
      await deploy(2029);
      await complete(U.school1, 'A2_proposal', { items: [line('教学设备购置', 300_000_00)] });
      await complete(U.school2, 'A2_proposal', { items: [line('校舍维修', 300_000_00)] });
      await complete(U.education, 'A3_departmentReview', { departmentDecision: 'submit' });
      await complete(U.business, 'R1_business', { decision: 'approve' });
      await complete(U.performance, 'R2_performance', { decision: 'approve' });
      await noTask(U.asset, 'R2_asset');
      await noTask(U.center, 'R2_center');
      await complete(U.budgetChief, 'R3_budget', { decision: 'approve' });
      await taskOf(U.budgetChief, 'A5_balance');
    } finally {
      await t.services.knex('budget_review_routes').where({ finance_bureau_code: BUREAU }).delete();
    }
  });

  it('should refuse incomplete control numbers and a split over the number, naming the unit and the amount', async function () {
    await deploy(2030);
    await firstRound();
    await complete(U.budgetChief, 'A5_balance', {
      controlNumbers: [{ departmentCode: '410122-BM-XX', amountFen: 1 }],
    });
    const again = await taskOf(U.budgetChief, 'A5_balance');
    assert.equal(
      (await variablesOf(again)).controlNumberMessage,
      '410122-BM-XX 不在本次下达范围内；缺少教育局（410122-BM-JY）的控制数',
    );
    await complete(U.budgetChief, 'A5_balance', {
      controlNumbers: [{ departmentCode: DEPARTMENT, amountFen: 900_000_00 }],
    });
    await complete(U.education, 'A7_split', {
      unitControlNumbers: [
        { unitCode: SCHOOL1, amountFen: 700_000_00 },
        { unitCode: SCHOOL2, amountFen: 250_000_00 },
      ],
    });
    const split = await taskOf(U.education, 'A7_split');
    assert.equal(
      (await variablesOf(split)).splitMessage,
      '分解合计 ¥950,000.00 超过教育局控制数 ¥900,000.00，超出 ¥50,000.00（县一中 ¥700,000.00、县二中 ¥250,000.00）',
    );
    await complete(U.education, 'A7_split', {
      unitControlNumbers: [
        { unitCode: SCHOOL1, amountFen: 650_000_00 },
        { unitCode: SCHOOL2, amountFen: 350_000_00 },
      ],
    });
    const capped = await taskOf(U.education, 'A7_split');
    assert.match(
      String((await variablesOf(capped)).splitMessage),
      /县二中（410122-BM-JY-002）分解数 ¥350,000.00 超过其一上建议数 ¥300,000.00，超出 ¥50,000.00/,
    );
    await complete(U.education, 'A7_split', {
      unitControlNumbers: [
        { unitCode: SCHOOL1, amountFen: 650_000_00 },
        { unitCode: SCHOOL2, amountFen: 250_000_00 },
      ],
    });
    await taskOf(U.school1, 'A8_draft');
    const rows = await t.services
      .knex('budget_control_numbers')
      .where({ org_kind: 'unit' })
      .whereIn('cycle_id', t.services.knex('budget_cycles').select('id').where({ fiscal_year: 2030 }));
    assert.equal(rows.length, 2, 'only the accepted split is stored');
  });
  it('should send a 二上 draft over the control number or without 绩效目标 back to the unit, naming what', async function () {
    await deploy(2032);
    await firstRound();
    await issueAndSplit();
    const draft = await taskOf(U.school1, 'A8_draft');
    await assert.rejects(
      t.engine.completeTask(draft.id, {
        actor: U.school1,
        variables: { unitControlFen: 999_999_999_00, items: [line('教学设备购置', 1)] },
      }),
      { code: 'INVALID_VARIABLES' },
      'the unit may not raise its own control number',
    );
    await complete(U.school1, 'A8_draft', {
      items: [line('人员经费', 400_000_00, 'basic', ''), line('教学设备购置', 300_000_00, 'project', ' ')],
    });
    const back = await taskOf(U.school1, 'A8_draft');
    assert.equal(
      (await variablesOf(back)).submissionProblems,
      '县一中预算草案合计 ¥700,000.00 超过控制数 ¥650,000.00，超出 ¥50,000.00；' +
        '第 2 行项目支出「教学设备购置」缺少绩效目标（产出、效益、满意度指标）',
    );
    await complete(U.school1, 'A8_draft', {
      items: [line('人员经费', 400_000_00, 'basic', ''), line('教学设备购置', 250_000_00)],
    });
    await complete(U.school2, 'A8_draft', { items: [line('校舍维修', 250_000_00)] });
    const review = await taskOf(U.education, 'A9_departmentReview');
    assert.equal((await variablesOf(review)).departmentTotalFen, 900_000_00);
    const drafts = await t.services
      .knex('budget_submissions')
      .where({ round: 'second', unit_code: SCHOOL1 })
      .whereIn('cycle_id', t.services.knex('budget_cycles').select('id').where({ fiscal_year: 2032 }));
    assert.deepEqual(
      drafts.map((d) => Number(d.amount_fen)),
      [650_000_00],
      'only the draft that passed is stored',
    );
  });

  it('should escalate the 人大 submission and the 20-day and 15-day 批复 deadlines to the supervisors', async function () {
    // the session on 2026-08-01: the draft is due at 人大 30 days before, 2026-07-02 00:00 Beijing time
    const id = await deploy(2031, '2026-08-01');
    await firstRound();
    await issueAndSplit();
    await secondRound();
    await complete(U.budgetChief, 'A11_draft', { draftNote: '草案' });
    await complete(U.director, 'A12_government', { governmentDecision: 'revise', opinion: '压减一般性支出' });
    const revise = await taskOf(U.budgetChief, 'A11_draft');
    assert.equal(
      (await variablesOf(revise)).opinion,
      '压减一般性支出',
      '政府 sends the draft back to 预算股',
    );
    await complete(U.budgetChief, 'A11_draft', { draftNote: '修改后草案' });
    await complete(U.director, 'A12_government', { governmentDecision: 'agree' });
    const npc = await taskOf(U.budgetChief, 'A13_npcReview');
    assert.equal((await variablesOf(npc)).npcSubmitDeadline, '2026-07-02T00:00:00+08:00');

    clock.advance(DAY);
    assert.ok((await t.engine.fireDueTimers()) >= 1);
    const npcUrge = await taskOf(U.deputy, 'A13_supervise');
    assert.equal(
      (await variablesOf(npcUrge)).escalationMessage,
      '中牟县财政局：预算草案报送人大初步审查已超过规定期限，请督办',
    );
    await taskOf(U.budgetChief, 'A13_npcReview');
    await complete(U.deputy, 'A13_supervise', { superviseNote: '请于本周内报送' });
    await complete(U.budgetChief, 'A13_npcReview', { governmentDecision: 'agree' });
    await complete(U.budgetChief, 'A14_npcApproval', { governmentDecision: 'agree' });

    const reply = await taskOf(U.budgetChief, 'A15_financeReply');
    clock.advance(19 * DAY);
    await t.engine.fireDueTimers();
    await noTask(U.deputy, 'A15_supervise');
    clock.advance(2 * DAY);
    assert.ok((await t.engine.fireDueTimers()) >= 1);
    const financeUrge = await taskOf(U.deputy, 'A15_supervise');
    assert.equal(
      (await variablesOf(financeUrge)).escalationMessage,
      '中牟县教育局：财政批复部门预算已超过规定期限，请督办',
    );
    assert.equal((await t.engine.getTask(reply.id)).state, 'created', 'the 批复 step stays open');
    await complete(U.budgetChief, 'A15_financeReply', { replyDocNo: '中财预〔2031〕1号' });

    await taskOf(U.education, 'A16_departmentReply');
    clock.advance(16 * DAY);
    assert.ok((await t.engine.fireDueTimers()) >= 1);
    const departmentUrge = await taskOf(U.educationChief, 'A16_supervise');
    assert.equal(
      (await variablesOf(departmentUrge)).escalationMessage,
      '中牟县教育局：部门批复单位预算已超过规定期限，请督办',
    );
    await complete(U.education, 'A16_departmentReply', { replyDocNo: '中教财〔2031〕2号' });
    await complete(U.education, 'A17_publish', { publishedOn: '2026-09-30' });
    assert.equal(
      (await t.engine.getTask(departmentUrge.id)).state,
      'canceled',
      'the reply is done: no more 督办',
    );
    await complete(U.city, 'A18_filing', { filingNo: '郑财备〔2031〕1号' });
    await waitFor(async () => (await t.engine.getInstance(id)).status === 'completed', 'cycle completed');
    const escalations = await t.services.knex('budget_escalations').orderBy('id').select('kind', 'org_code');
    assert.deepEqual(
      escalations.map((e) => [e.kind, e.org_code]),
      [
        ['npcSubmission', BUREAU],
        ['financeReply', DEPARTMENT],
        ['departmentReply', DEPARTMENT],
      ],
    );
  });

  it('should refuse a second cycle for the same bureau and year', async function () {
    const id = await deploy(2027);
    await waitFor(async () => (await t.engine.getInstance(id)).status === 'completed', 'refused cycle ends');
    const view = await t.engine.getInstance(id);
    assert.ok(view.completedElementIds.includes('A1_notDeployed'));
    assert.match(
      String(view.variables.cycleProblem),
      /中牟县财政局 2027 年度预算编制已部署（流程实例 .+），不能重复部署/,
    );
  });

  it('should deploy the cycle on the date configured in budget_cycle_schedules, once', async function () {
    await t.engine.deploy(readFileSync(join(folder, 'budgetCycleSchedule.bpmn'), 'utf8'));
    const today = new Date(clock.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    await t.services.knex('budget_cycle_schedules').insert({
      finance_bureau_code: BUREAU,
      fiscal_year: 2033,
      deploy_on: today,
      npc_session_on: '2033-01-20',
      department_codes: JSON.stringify([DEPARTMENT]),
      status: 'planned',
      updated_at: new Date(),
    });
    clock.advance(DAY + 1000);
    assert.ok((await t.engine.fireDueTimers()) >= 1);
    const cycle = await waitFor(
      () => t.services.knex('budget_cycles').where({ fiscal_year: 2033 }).first(),
      'the scheduled cycle',
    );
    const schedule = await t.services.knex('budget_cycle_schedules').where({ fiscal_year: 2033 }).first();
    assert.equal(schedule.status, 'started');
    const [scheduler] = await t.engine.listInstances({ processKey: 'budgetCycleSchedule' });
    assert.equal(schedule.claimed_by, scheduler!.id);
    await waitFor(
      async () => (await t.engine.getInstance(cycle.id)).activeElementIds.includes('A2_A4_firstRound'),
      'the scheduled cycle reaches 一上',
    );
    const child = await t.engine.getInstance(cycle.id);
    assert.equal(child.variables.financeBureauCode, BUREAU);
    assert.deepEqual(child.variables.departments, [DEPARTMENT]);
    // both units are asked for their 一上 (the tasks open once routed; a timer start has no initiator, so the
    // org-scoped rules `=unitCode` are what routes them)
    const units = await waitFor(async () => {
      const found = [];
      for (const i of await t.engine.listInstances({ processKey: 'budgetUnitSubmission' })) {
        const view = await t.engine.getInstance(i.id);
        if (view.variables.cycleId === cycle.id && view.activeElementIds.includes('A2_proposal'))
          found.push(view.variables.unitCode);
      }
      return found.length === 2 && found.sort();
    }, 'the unit submissions of the scheduled cycle');
    assert.deepEqual(units, [SCHOOL1, SCHOOL2]);
    // the next day's check finds nothing new
    clock.advance(DAY);
    await t.engine.fireDueTimers();
    await waitFor(
      async () =>
        (await t.engine.listInstances({ processKey: 'budgetCycleSchedule' })).some(
          (i) => i.status === 'completed',
        ),
      'the next check ends with nothing due',
    );
    assert.equal((await t.services.knex('budget_cycles').where({ fiscal_year: 2033 })).length, 1);
  });
});
