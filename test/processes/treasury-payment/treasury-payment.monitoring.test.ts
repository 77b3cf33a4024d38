/**
 * 动态监控 in 国库集中支付 on MariaDB + Redis: each warning level routes as domain.md §2.3 says (黄 explain, 橙 explain
 * with attachments, 红 the 预警处理 call activity with approve and reject, 灰 forbidden before any voucher, 蓝 record
 * only), and the rules are data: a row changed in the table changes the outcome.
 */
import assert from 'node:assert/strict';
import { saveRule } from '../../../processes/treasury-payment/monitoring-rules.js';
import { DEFAULT_MONITOR_RULES } from '../../../processes/treasury-payment/treasury-defaults.js';
import { waitFor } from '../../helpers/engine-harness.js';
import {
  act,
  application,
  apply,
  balances,
  CHIEF,
  CLERK,
  DEPT_CHIEF,
  DEPT_REVIEWER,
  newIndicator,
  openTask,
  openTreasuryTest,
  TREASURY_CHIEF,
  TREASURY_REVIEWER,
  voucherOf,
  waitEnded,
  type TreasuryTest,
} from './treasury-payment-helpers.js';

describe('treasury-payment/动态监控 and 预警处理 [MariaDB + Bull]', function () {
  this.timeout(60_000);
  let ctx: TreasuryTest;
  before(async function () {
    ctx = await openTreasuryTest();
  });
  after(() => ctx?.close());

  const hitsOf = async (instanceId: string) =>
    (await ctx.t.services.knex('treasury_monitor_hits').where({ instance_id: instanceId }).orderBy('id')).map(
      (h: { rule_code: string; level: string }) => `${h.rule_code}:${h.level}`,
    );

  /** The child 预警处理 instance of a payment, once started. */
  const reviewOf = (instanceId: string) =>
    waitFor(
      async () =>
        (await ctx.t.engine.listInstances({ parentInstanceId: instanceId, status: 'running' }))[0]?.id,
      `the 预警处理 of ${instanceId}`,
    );

  it('黄色预警: the unit explains, then the approvals go on; the hit is recorded', async function () {
    const ind = await newIndicator(ctx, 10_000_000, { ecoCode: '30201' }); // 办公费: 公务卡强制结算目录
    const id = await apply(ctx, application(ind.id, 80_000));
    await openTask(ctx, id, 'B4_explain');
    assert.equal((await ctx.t.engine.getInstance(id)).variables.warningLevel, 'yellow');
    assert.deepEqual(await hitsOf(id), ['GWK-001:yellow']);
    // no explanation: back to the same step
    await act(ctx, id, 'B4_explain', CLERK, {});
    await waitFor(
      async () =>
        (await ctx.t.engine.history(id)).some(
          (h) => h.type === 'ERROR_THROWN' && h.data?.errorCode === 'EXPLANATION_INCOMPLETE',
        ),
      'the explanation check',
    );
    await act(ctx, id, 'B4_explain', CLERK, { warningExplanation: '供应商不受理公务卡' });
    await openTask(ctx, id, 'B5_unitChief');
    assert.deepEqual(await balances(ctx, ind.id), [9_920_000, 80_000, 0]);
  });

  it('橙色预警: an explanation alone is not enough, an attachment is required', async function () {
    const ind = await newIndicator(ctx, 100_000_000);
    const id = await apply(
      ctx,
      application(ind.id, 6_000_000, { payeeAccountType: 'personal', payeeName: '张三' }),
    );
    await act(ctx, id, 'B4_explain', CLERK, { warningExplanation: '专家劳务费' });
    const again = await openTask(ctx, id, 'B4_explain');
    const errors = (await ctx.t.engine.history(id)).filter((h) => h.type === 'ERROR_THROWN');
    assert.match(String(errors.at(-1)?.data?.message), /橙色预警须上传附件/);
    await ctx.t.engine.completeTask(again.id, {
      actor: CLERK,
      variables: { warningAttachments: ['att-劳务合同'] },
    });
    await openTask(ctx, id, 'B5_unitChief');
    assert.deepEqual(await hitsOf(id), ['GR-001:orange']);
  });

  it('红色预警 approved: held through 单位反馈 → 主管部门初审/复审 → 财政初审/复审 (with a 退回), then released to the approvals', async function () {
    const ind = await newIndicator(ctx, 100_000_000);
    const id = await apply(ctx, application(ind.id, 6_000_000, { settlementMethod: 'cash' }));
    const review = await reviewOf(id);
    assert.deepEqual(await hitsOf(id), ['TX-001:red']);
    assert.deepEqual(await balances(ctx, ind.id), [94_000_000, 6_000_000, 0], 'held, still reserved');
    await act(ctx, review, 'W1_unitFeedback', CLERK, { warningExplanation: '发放临时工工资' });
    await act(ctx, review, 'W2_departmentFirstReview', DEPT_REVIEWER, { departmentFirstOpinion: '属实' });
    await act(ctx, review, 'W3_departmentSecondReview', DEPT_CHIEF);
    // 财政初审 sends it back to the unit, which explains again; everything runs again from there
    const first = await openTask(ctx, review, 'W4_financeFirstReview');
    assert.deepEqual(first.candidateUsers, [TREASURY_REVIEWER]);
    await ctx.t.engine.returnTask(first.id, {
      actor: TREASURY_REVIEWER,
      target: { elementId: 'W1_unitFeedback' },
      comment: '请补充工资发放名单',
    });
    await act(ctx, review, 'W1_unitFeedback', CLERK, { warningAttachments: ['att-名单'] });
    await act(ctx, review, 'W2_departmentFirstReview', DEPT_REVIEWER);
    await act(ctx, review, 'W3_departmentSecondReview', DEPT_CHIEF);
    await act(ctx, review, 'W4_financeFirstReview', TREASURY_REVIEWER);
    await act(ctx, review, 'W5_financeSecondReview', TREASURY_CHIEF, { warningConclusion: 'normal' });
    // 6万 > 5万: the chain has the unit director too
    await act(ctx, id, 'B5_unitChief', CHIEF);
    await openTask(ctx, id, 'B5_unitDirector');
    const view = await ctx.t.engine.getInstance(id);
    assert.equal(view.variables.warningConclusion, 'normal');
    assert.equal((await ctx.t.engine.getInstance(review)).status, 'completed');
  });

  it('红色预警 found a violation: the payment ends, the reservation is released', async function () {
    const ind = await newIndicator(ctx, 100_000_000);
    const id = await apply(ctx, application(ind.id, 7_000_000, { settlementMethod: 'cash' }));
    const review = await reviewOf(id);
    await act(ctx, review, 'W1_unitFeedback', CLERK, { warningExplanation: '备用金' });
    await act(ctx, review, 'W2_departmentFirstReview', DEPT_REVIEWER);
    await act(ctx, review, 'W3_departmentSecondReview', DEPT_CHIEF);
    await act(ctx, review, 'W4_financeFirstReview', TREASURY_REVIEWER);
    await act(ctx, review, 'W5_financeSecondReview', TREASURY_CHIEF, {
      warningConclusion: 'violation',
      violationType: 'misdirected',
      rectification: '改为公务卡或转账结算',
    });
    assert.equal(await waitEnded(ctx, id), 'completed');
    const view = await ctx.t.engine.getInstance(id);
    assert.ok(view.completedElementIds.includes('endViolation'));
    assert.equal(view.variables.rectification, '改为公务卡或转账结算');
    assert.ok(!view.completedElementIds.includes('B8_voucher'));
    assert.deepEqual(await balances(ctx, ind.id), [100_000_000, 0, 0]);
  });

  it('灰色预警: forbidden outright, never reaches the bank step, the reservation is released', async function () {
    const ind = await newIndicator(ctx, 100_000_000, { isDirectFund: true });
    const id = await apply(
      ctx,
      application(ind.id, 1_000_000, { payeeAccountType: 'own', payeeName: '中牟县第一中学' }),
    );
    assert.equal(await waitEnded(ctx, id), 'completed');
    const view = await ctx.t.engine.getInstance(id);
    assert.ok(view.completedElementIds.includes('endForbidden'));
    assert.ok(!view.completedElementIds.includes('B8_voucher'), 'no voucher');
    assert.ok(!view.completedElementIds.includes('B5_unitChief'), 'no approvals');
    assert.equal(view.variables.voucherNo, undefined);
    // ZD-001 (gray) and ZH-001 (red) both hit; the worst decides
    assert.deepEqual(await hitsOf(id), ['ZD-001:gray', 'ZH-001:red']);
    assert.deepEqual(await balances(ctx, ind.id), [100_000_000, 0, 0]);
    assert.deepEqual(
      (await ctx.ledger.entriesOfPayment(id)).map((e) => e.kind),
      ['reserve', 'release'],
    );
    const row = await ctx.t.services.knex('treasury_payments').where({ instance_id: id }).first();
    assert.equal(row.status, 'forbidden');
    assert.equal(row.voucher_no, null);
  });

  it('蓝色预警: only recorded — the 4th payment to one payee within 24 hours goes on as usual', async function () {
    const ind = await newIndicator(ctx, 100_000_000);
    const account = '6222111122223333';
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await apply(ctx, application(ind.id, 100_000, { payeeAccount: account }));
      await openTask(ctx, id, 'B5_unitChief');
      ids.push(id);
    }
    assert.deepEqual(await hitsOf(ids[2]!), [], 'two before: below the threshold');
    assert.deepEqual(await hitsOf(ids[3]!), ['GP-001:blue']);
    assert.equal((await ctx.t.engine.getInstance(ids[3]!)).variables.warningLevel, 'blue');
    await act(ctx, ids[3]!, 'B5_unitChief', CHIEF);
    await voucherOf(ctx, ids[3]!);
  });

  it('should read the rules as data: a threshold raised in the table lets the same payment through', async function () {
    const rule = DEFAULT_MONITOR_RULES.find((r) => r.code === 'TX-001')!;
    try {
      await saveRule(ctx.t.services.knex, { ...rule, params: { thresholdFen: 10_000_000 } }, ctx.clock.now());
      const ind = await newIndicator(ctx, 100_000_000);
      const id = await apply(ctx, application(ind.id, 6_000_000, { settlementMethod: 'cash' }));
      await openTask(ctx, id, 'B5_unitChief');
      assert.deepEqual(await hitsOf(id), []);
      await saveRule(ctx.t.services.knex, { ...rule, level: 'gray' }, ctx.clock.now());
      const forbidden = await apply(ctx, application(ind.id, 6_000_000, { settlementMethod: 'cash' }));
      assert.equal(await waitEnded(ctx, forbidden), 'completed');
      assert.ok((await ctx.t.engine.getInstance(forbidden)).completedElementIds.includes('endForbidden'));
    } finally {
      await saveRule(ctx.t.services.knex, rule, ctx.clock.now());
    }
  });
});
