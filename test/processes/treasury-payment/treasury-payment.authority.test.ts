/**
 * 审批权限表 and the per-region payment mode on MariaDB + Redis: three amounts, three chains; a row changed in the
 * table changes the chain with the diagram untouched; legacy 直接支付 always has the finance review, 授权支付 checks
 * the monthly plan (额度).
 */
import assert from 'node:assert/strict';
import {
  chainOf,
  selectAuthority,
  type AuthorityRow,
} from '../../../processes/treasury-payment/approval-authority.js';
import { saveRegionSettings } from '../../../processes/treasury-payment/payment-records.js';
import { DEFAULT_AUTHORITY } from '../../../processes/treasury-payment/treasury-defaults.js';
import { waitFor } from '../../helpers/engine-harness.js';
import {
  act,
  actors,
  application,
  apply,
  bankReceipt,
  CHIEF,
  DEPT_REVIEWER,
  DIRECTOR,
  newIndicator,
  openTask,
  openTreasuryTest,
  PAYCENTER_REVIEWER,
  voucherOf,
  waitEnded,
  type TreasuryTest,
} from './treasury-payment-helpers.js';

describe('treasury-payment/审批权限表 (rows → chains)', function () {
  const rows: AuthorityRow[] = DEFAULT_AUTHORITY.map((r, i) => ({ ...r, id: i + 1 }));

  it('should pick the band (min, max] and prefer region and fund type rows', function () {
    assert.deepEqual(selectAuthority(rows, '410122', 'general_public', 5_000_000)?.steps, ['unitChief']);
    assert.deepEqual(selectAuthority(rows, '410122', 'general_public', 5_000_001)?.steps, [
      'unitChief',
      'unitDirector',
    ]);
    assert.equal(selectAuthority(rows, '410122', 'general_public', 0), undefined, 'no band below 1 分');
    const special: AuthorityRow = {
      ...rows[0]!,
      id: 9,
      fundTypeCode: '21',
      steps: ['unitDirector'],
      financeReview: true,
    };
    const local: AuthorityRow = {
      ...rows[0]!,
      id: 10,
      regionCode: '410122',
      steps: ['unitChief', 'departmentReview'],
    };
    assert.deepEqual(
      selectAuthority([...rows, special, local], '410122', '21', 100)?.id,
      10,
      'region beats fund type',
    );
    assert.deepEqual(selectAuthority([...rows, special], '410122', '21', 100)?.id, 9);
    assert.deepEqual(
      selectAuthority([...rows, local], '410100', 'general_public', 100)?.id,
      1,
      'another region: the general row',
    );
    assert.equal(chainOf(rows[0]!, 'direct').needFinanceReview, true, '直接支付 always reviews');
    assert.equal(chainOf(rows[0]!, 'integrated').needFinanceReview, false);
  });
});

describe('treasury-payment/审批权限表 and payment modes in the process [MariaDB + Bull]', function () {
  this.timeout(60_000);
  let ctx: TreasuryTest;
  before(async function () {
    ctx = await openTreasuryTest();
  });
  after(() => ctx?.close());

  /** Approves whatever step comes next until the voucher is out; returns the steps taken. */
  async function approveThrough(id: string): Promise<string[]> {
    const whoActs: Record<string, string> = {
      B5_unitChief: CHIEF,
      B5_unitDirector: DIRECTOR,
      B6_departmentReview: DEPT_REVIEWER,
      B7_financeReview: PAYCENTER_REVIEWER,
    };
    for (;;) {
      const next = await waitFor(async () => {
        const view = await ctx.t.engine.getInstance(id);
        if (view.activeElementIds.includes('B9_bankPayment')) return 'bank';
        const open = (await ctx.t.engine.listTasks({ instanceId: id })).find((x) => x.state === 'created');
        return open?.elementId;
      }, `the next step of ${id}`);
      if (next === 'bank') break;
      await act(ctx, id, next, whoActs[next]!);
    }
    return (await actors(ctx, id)).slice(1);
  }

  it('should give three amounts three chains', async function () {
    const ind = await newIndicator(ctx, 500_000_000);
    const small = await apply(ctx, application(ind.id, 3_000_000));
    const medium = await apply(ctx, application(ind.id, 20_000_000));
    const large = await apply(ctx, application(ind.id, 80_000_000));
    assert.deepEqual(await approveThrough(small), [`B5_unitChief by ${CHIEF}`]);
    assert.deepEqual(await approveThrough(medium), [
      `B5_unitChief by ${CHIEF}`,
      `B5_unitDirector by ${DIRECTOR}`,
    ]);
    assert.deepEqual(await approveThrough(large), [
      `B5_unitChief by ${CHIEF}`,
      `B5_unitDirector by ${DIRECTOR}`,
      `B6_departmentReview by ${DEPT_REVIEWER}`,
      `B7_financeReview by ${PAYCENTER_REVIEWER}`,
    ]);
    const levels = await Promise.all(
      [small, medium, large].map(async (id) => (await ctx.t.engine.getInstance(id)).variables.approvalLevel),
    );
    assert.deepEqual(levels, [1, 2, 3]);
  });

  it('should change the chain when a row of the table changes, with the diagram untouched', async function () {
    const knex = ctx.t.services.knex;
    const definitionsBefore = (await ctx.t.engine.listDefinitions('treasuryPayment')).length;
    const row = await knex('treasury_approval_authority').where({ level: 1 }).first();
    try {
      await knex('treasury_approval_authority')
        .where({ id: row.id })
        .update({ steps: 'unitChief,departmentReview', finance_review: true });
      const ind = await newIndicator(ctx, 100_000_000);
      const id = await apply(ctx, application(ind.id, 3_000_000));
      assert.deepEqual(await approveThrough(id), [
        `B5_unitChief by ${CHIEF}`,
        `B6_departmentReview by ${DEPT_REVIEWER}`,
        `B7_financeReview by ${PAYCENTER_REVIEWER}`,
      ]);
      assert.equal((await ctx.t.engine.listDefinitions('treasuryPayment')).length, definitionsBefore);
    } finally {
      await knex('treasury_approval_authority')
        .where({ id: row.id })
        .update({ steps: row.steps, finance_review: row.finance_review });
    }
  });

  it('should follow the region: legacy 直接支付 always goes to the payment center, with a 直接支付凭证', async function () {
    const knex = ctx.t.services.knex;
    await saveRegionSettings(
      knex,
      { regionCode: '410122', paymentMode: 'direct', bankFollowUp: 'P1D' },
      ctx.clock.now(),
    );
    try {
      const ind = await newIndicator(ctx, 100_000_000);
      const id = await apply(ctx, application(ind.id, 1_000_000));
      assert.deepEqual(await approveThrough(id), [
        `B5_unitChief by ${CHIEF}`,
        `B7_financeReview by ${PAYCENTER_REVIEWER}`,
      ]);
      const view = await ctx.t.engine.getInstance(id);
      assert.equal(view.variables.paymentMode, 'direct');
      assert.equal(view.variables.voucherType, '财政直接支付凭证');
      assert.ok(view.completedElementIds.includes('gwPaymentMode'));
    } finally {
      await saveRegionSettings(
        knex,
        { regionCode: '410122', paymentMode: 'integrated', bankFollowUp: 'P1D' },
        ctx.clock.now(),
      );
    }
  });

  it('should follow the region: legacy 授权支付 (巩义, demo data) pays within the monthly plan and refuses beyond it', async function () {
    const clerk = 'gongyi.school1.clerk';
    const indicatorId = 'ZB-410181BMJY001-02'; // demo: 教学设备购置, 200万; plan 30万 a month
    const first = await apply(ctx, application(indicatorId, 25_000_000), clerk);
    await act(ctx, first, 'B5_unitChief', 'gongyi.school1.chief');
    await act(ctx, first, 'B5_unitDirector', 'gongyi.school1.director');
    const voucherNo = await voucherOf(ctx, first);
    const view = await ctx.t.engine.getInstance(first);
    assert.equal(view.variables.voucherType, '财政授权支付凭证');
    assert.equal(view.variables.planRemainingFen, 5_000_000);
    await bankReceipt(ctx, voucherNo, 'ICBC-GY-1');
    assert.equal(await waitEnded(ctx, first), 'completed');
    // 25万 used of 30万: another 10万 exceeds the plan and goes back to the unit before anything is reserved
    const second = await apply(ctx, application(indicatorId, 10_000_000), clerk);
    const back = await openTask(ctx, second, 'B3_apply');
    assert.equal(back.assignee, clerk);
    const error = (await ctx.t.engine.history(second)).find((h) => h.type === 'ERROR_THROWN');
    assert.equal(error?.data?.errorCode, 'PLAN_EXCEEDED');
    assert.equal((await ctx.ledger.entriesOfPayment(second)).length, 0);
    await act(ctx, second, 'B3_apply', clerk, { amountFen: 5_000_000 });
    await openTask(ctx, second, 'B5_unitChief');
  });

  it('should refuse an indicator of another unit', async function () {
    const other = await newIndicator(ctx, 10_000_000, { agencyCode: '410122-BM-JY-002' });
    const id = await apply(ctx, application(other.id, 100_000));
    await openTask(ctx, id, 'B3_apply');
    const error = (await ctx.t.engine.history(id)).find((h) => h.type === 'ERROR_THROWN');
    assert.equal(error?.data?.errorCode, 'APPLICATION_INVALID');
    assert.match(String(error?.data?.message), /属于 410122-BM-JY-002/);
    assert.equal((await ctx.ledger.get(other.id))!.availableFen, 10_000_000);
  });
});
