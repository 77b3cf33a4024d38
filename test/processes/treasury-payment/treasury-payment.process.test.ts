/**
 * 国库集中支付 end to end on MariaDB + Redis (engine workers, org routing, the handlers and the ledger for real):
 * the happy path, every 退回 and 不予通过, insufficient balance, the bank's 回单 and 退票, and the T+1 follow-up.
 */
import assert from 'node:assert/strict';
import { treasuryPaymentHandlers } from '../../../processes/treasury-payment/handlers.js';
import {
  act,
  actors,
  application,
  apply,
  balances,
  bankReceipt,
  bankRefund,
  CHIEF,
  CLERK,
  DEPT_REVIEWER,
  DIRECTOR,
  newIndicator,
  openTask,
  openTreasuryTest,
  PAYCENTER_CLERK,
  PAYCENTER_REVIEWER,
  voucherOf,
  waitEnded,
  type TreasuryTest,
} from './treasury-payment-helpers.js';

describe('treasury-payment/国库集中支付 process [MariaDB + Bull]', function () {
  this.timeout(60_000);
  let ctx: TreasuryTest;
  before(async function () {
    ctx = await openTreasuryTest();
  });
  after(() => ctx?.close());

  it('should pay end to end: reserve at B4, unit chief approves, voucher, 回单 consumes; history names each actor', async function () {
    const ind = await newIndicator(ctx, 10_000_000);
    const id = await apply(ctx, application(ind.id, 3_000_000));
    await openTask(ctx, id, 'B5_unitChief');
    assert.deepEqual(await balances(ctx, ind.id), [7_000_000, 3_000_000, 0], 'reserved at B4');
    const view = await ctx.t.engine.getInstance(id);
    assert.equal(view.variables.approvalLevel, 1);
    assert.deepEqual(view.variables.approvalChain, ['unitChief']);
    assert.equal(view.variables.warningLevel, 'none');
    await act(ctx, id, 'B5_unitChief', CHIEF, { unitChiefOpinion: '同意' });
    const voucherNo = await voucherOf(ctx, id);
    assert.match(voucherNo, /^ZF41012220260302[0-9A-F]{10}$/);
    assert.equal((await bankReceipt(ctx, voucherNo, 'ICBC-0001')).outcome, 'correlated');
    assert.equal(await waitEnded(ctx, id), 'completed');
    assert.deepEqual(await balances(ctx, ind.id), [7_000_000, 0, 3_000_000], 'consumed on 回单');
    assert.deepEqual(
      (await ctx.ledger.entriesOfPayment(id)).map((e) => [e.kind, e.amountFen]),
      [
        ['reserve', 3_000_000],
        ['consume', 3_000_000],
      ],
    );
    assert.deepEqual(await actors(ctx, id), [`B3_apply by ${CLERK}`, `B5_unitChief by ${CHIEF}`]);
    const payment = await ctx.t.services.knex('treasury_payments').where({ instance_id: id }).first();
    assert.equal(payment.status, 'paid');
    assert.equal(payment.bank_serial, 'ICBC-0001');
  });

  it('should send an application the balance cannot cover back to the unit with nothing reserved, then pass once corrected', async function () {
    const ind = await newIndicator(ctx, 1_000_000);
    const id = await apply(ctx, application(ind.id, 1_000_001));
    const back = await openTask(ctx, id, 'B3_apply');
    assert.equal(back.assignee, CLERK);
    assert.deepEqual(await balances(ctx, ind.id), [1_000_000, 0, 0], 'nothing reserved');
    assert.equal((await ctx.ledger.entriesOfPayment(id)).length, 0);
    const error = (await ctx.t.engine.history(id)).find((h) => h.type === 'ERROR_THROWN');
    assert.equal(error?.data?.errorCode, 'INSUFFICIENT_BALANCE');
    assert.match(String(error?.data?.message), /指标余额不足：可用 10000\.00 元，申请 10000\.01 元/);
    await act(ctx, id, 'B3_apply', CLERK, { amountFen: 1_000_000 });
    await openTask(ctx, id, 'B5_unitChief');
    assert.deepEqual(await balances(ctx, ind.id), [0, 1_000_000, 0]);
  });

  it('should refuse a reviewer changing the amount, and let the applicant change it after 退回', async function () {
    const ind = await newIndicator(ctx, 10_000_000);
    const id = await apply(ctx, application(ind.id, 2_000_000));
    const task = await openTask(ctx, id, 'B5_unitChief');
    await assert.rejects(ctx.t.engine.completeTask(task.id, { actor: CHIEF, variables: { amountFen: 1 } }), {
      code: 'INVALID_VARIABLES',
      message: /amountFen/,
    });
    // 退回 to the applicant: the reservation is held while the unit revises, replaced on resubmission
    await ctx.t.engine.returnTask(task.id, { actor: CHIEF, target: 'initiator', comment: '金额有误' });
    await openTask(ctx, id, 'B3_apply');
    assert.deepEqual(await balances(ctx, ind.id), [8_000_000, 2_000_000, 0]);
    await act(ctx, id, 'B3_apply', CLERK, { amountFen: 1_500_000 });
    await openTask(ctx, id, 'B5_unitChief');
    assert.deepEqual(
      await balances(ctx, ind.id),
      [8_500_000, 1_500_000, 0],
      'old hold released, new one reserved',
    );
    assert.deepEqual(
      (await ctx.ledger.entriesOfPayment(id)).map((e) => [e.kind, e.amountFen]),
      [
        ['reserve', 2_000_000],
        ['release', 2_000_000],
        ['reserve', 1_500_000],
      ],
    );
  });

  it('should let every review step 退回 and 不予通过: a 不予通过 ends the payment and releases the indicator', async function () {
    // above 50万: unit chief → director → department → payment center (authority table default)
    const amount = 60_000_000;
    const ind = await newIndicator(ctx, 100_000_000);
    const id = await apply(ctx, application(ind.id, amount));
    const steps: Array<[string, string]> = [
      ['B5_unitChief', CHIEF],
      ['B5_unitDirector', DIRECTOR],
      ['B6_departmentReview', DEPT_REVIEWER],
      ['B7_financeReview', PAYCENTER_REVIEWER],
    ];
    // each step returns to the previous one once (the first to the applicant), then approves
    for (const [i, [step, actor]] of steps.entries()) {
      const task = await openTask(ctx, id, step);
      const { targetElementId } = await ctx.t.engine.returnTask(task.id, { actor, comment: '退回补充材料' });
      assert.equal(targetElementId, i === 0 ? 'B3_apply' : steps[i - 1]![0]);
      if (i === 0) await act(ctx, id, 'B3_apply', CLERK);
      else await act(ctx, id, steps[i - 1]![0], steps[i - 1]![1]);
      await act(ctx, id, step, actor);
    }
    await voucherOf(ctx, id);
    assert.deepEqual(
      await balances(ctx, ind.id),
      [40_000_000, 60_000_000, 0],
      'one reservation after all the rounds',
    );

    const decisions: Record<string, string> = {
      B5_unitChief: 'unitChiefDecision',
      B5_unitDirector: 'unitDirectorDecision',
      B6_departmentReview: 'departmentDecision',
      B7_financeReview: 'financeDecision',
    };
    const big = await newIndicator(ctx, 500_000_000);
    for (const [step, actor] of steps) {
      const pid = await apply(ctx, application(big.id, amount));
      for (const [prior, priorActor] of steps) {
        if (prior === step) break;
        await act(ctx, pid, prior, priorActor, { [decisions[prior]!]: 'approve' });
      }
      await openTask(ctx, pid, step);
      assert.deepEqual(await balances(ctx, big.id), [500_000_000 - amount, amount, 0]);
      await act(ctx, pid, step, actor, { [decisions[step]!]: 'reject' });
      assert.equal(await waitEnded(ctx, pid), 'completed');
      const view = await ctx.t.engine.getInstance(pid);
      assert.ok(view.completedElementIds.includes('endRejected'), `${step} 不予通过 ends at endRejected`);
      assert.equal(view.variables.paymentStatus, 'rejected');
      assert.deepEqual(await balances(ctx, big.id), [500_000_000, 0, 0], `${step}: released exactly`);
      assert.equal(
        (await ctx.t.services.knex('treasury_payments').where({ instance_id: pid }).first()).status,
        'rejected',
      );
    }
    // the engine's own 拒绝 is not offered on these steps (it would end the instance without releasing)
    const pid = await apply(ctx, application(big.id, 1_000_000));
    const chief = await openTask(ctx, pid, 'B5_unitChief');
    await assert.rejects(
      ctx.t.engine.rejectTask(chief.id, { actor: CHIEF }),
      (err: { details?: { reason?: string } }) => err.details?.reason === 'OPERATION_NOT_ALLOWED',
    );
  });

  it('should restore the indicator exactly on 退票 and let the unit correct and resubmit, or cancel', async function () {
    const ind = await newIndicator(ctx, 10_000_000);
    const id = await apply(ctx, application(ind.id, 4_000_000, { payeeAccount: '6222000000000001' }));
    await act(ctx, id, 'B5_unitChief', CHIEF);
    const firstVoucher = await voucherOf(ctx, id);
    assert.deepEqual(await balances(ctx, ind.id), [6_000_000, 4_000_000, 0]);
    assert.equal((await bankRefund(ctx, firstVoucher, '收款账号不存在')).outcome, 'correlated');
    const revise = await openTask(ctx, id, 'B12_revise');
    assert.equal(revise.assignee, CLERK);
    assert.deepEqual(await balances(ctx, ind.id), [10_000_000, 0, 0], 'available back to its value before');
    assert.deepEqual(
      (await ctx.ledger.entriesOfPayment(id)).map((e) => [e.kind, e.amountFen]),
      [
        ['reserve', 4_000_000],
        ['release', 4_000_000],
      ],
    );
    const view = await ctx.t.engine.getInstance(id);
    assert.equal(view.variables.refundReason, '收款账号不存在');
    assert.equal(view.variables.paymentStatus, 'refunded');
    // a second delivery of the same 退票 changes nothing
    assert.equal((await bankRefund(ctx, firstVoucher, '收款账号不存在')).outcome, 'correlated');
    assert.deepEqual(await balances(ctx, ind.id), [10_000_000, 0, 0]);

    // corrected payee, resubmitted: reserved again, new voucher, paid
    await act(ctx, id, 'B12_revise', CLERK, { payeeAccount: '6222000000000002', applyAction: 'submit' });
    await act(ctx, id, 'B5_unitChief', CHIEF);
    const secondVoucher = await voucherOf(ctx, id);
    assert.notEqual(secondVoucher, firstVoucher);
    await bankReceipt(ctx, secondVoucher, 'ICBC-0002');
    assert.equal(await waitEnded(ctx, id), 'completed');
    assert.deepEqual(await balances(ctx, ind.id), [6_000_000, 0, 4_000_000]);

    // the other choice after 退票: cancel
    const other = await apply(ctx, application(ind.id, 1_000_000));
    await act(ctx, other, 'B5_unitChief', CHIEF);
    await bankRefund(ctx, await voucherOf(ctx, other), '收款人户名不符');
    await act(ctx, other, 'B12_revise', CLERK, { applyAction: 'cancel' });
    assert.equal(await waitEnded(ctx, other), 'completed');
    assert.ok((await ctx.t.engine.getInstance(other)).completedElementIds.includes('endCancelled'));
    assert.deepEqual(await balances(ctx, ind.id), [6_000_000, 0, 4_000_000]);
  });

  it('should open a 查询/催办 task for the payment center when no answer came by T+1 (working days)', async function () {
    const ind = await newIndicator(ctx, 10_000_000);
    const id = await apply(ctx, application(ind.id, 500_000));
    await act(ctx, id, 'B5_unitChief', CHIEF);
    const voucherNo = await voucherOf(ctx, id);
    const followUps = async () => ctx.t.engine.listTasks({ instanceId: id, elementId: 'B9_followUp' });
    const timer = (await ctx.t.engine.listJobs({ instanceId: id })).find(
      (j) => j.elementId === 'B9_followUpDue' && j.state === 'pending',
    );
    assert.equal(
      timer?.dueAt,
      Date.parse('2026-03-03T16:00:00.000Z'),
      'due at the end of Tuesday, Beijing time',
    );
    await ctx.t.engine.fireDueTimers();
    assert.deepEqual(await followUps(), [], 'nothing on the day of the voucher');
    // T+1: the voucher of Monday is followed up once Tuesday (the next working day) is over
    ctx.clock.advance(24 * 3600_000);
    await ctx.t.engine.fireDueTimers();
    assert.deepEqual(await followUps(), [], 'Tuesday morning: still within T+1');
    ctx.clock.advance(16 * 3600_000);
    assert.ok((await ctx.t.engine.fireDueTimers()) >= 1, 'Wednesday 01:00 (Beijing): T+1 is over');
    const followUp = await openTask(ctx, id, 'B9_followUp');
    assert.deepEqual(followUp.candidateUsers, [PAYCENTER_CLERK]);
    // the payment still waits for the bank; the 回单 ends it and the follow-up with it
    await bankReceipt(ctx, voucherNo, 'ICBC-0003');
    assert.equal(await waitEnded(ctx, id), 'completed');
    assert.equal((await ctx.t.engine.getTask(followUp.id)).state, 'canceled');
    assert.deepEqual(await balances(ctx, ind.id), [9_500_000, 0, 500_000]);
  });

  it('should let the unit cancel its application after 退回, releasing what it held', async function () {
    const ind = await newIndicator(ctx, 10_000_000);
    const id = await apply(ctx, application(ind.id, 2_500_000));
    const chief = await openTask(ctx, id, 'B5_unitChief');
    await ctx.t.engine.returnTask(chief.id, { actor: CHIEF, target: 'initiator' });
    await act(ctx, id, 'B3_apply', CLERK, { applyAction: 'cancel' });
    assert.equal(await waitEnded(ctx, id), 'completed');
    assert.ok((await ctx.t.engine.getInstance(id)).completedElementIds.includes('endCancelled'));
    assert.deepEqual(await balances(ctx, ind.id), [10_000_000, 0, 0]);
  });

  it('should apply nothing twice when the queue delivers a finished job again (reserve, consume)', async function () {
    const ind = await newIndicator(ctx, 10_000_000);
    const id = await apply(ctx, application(ind.id, 1_200_000));
    await act(ctx, id, 'B5_unitChief', CHIEF);
    const voucherNo = await voucherOf(ctx, id);
    await bankReceipt(ctx, voucherNo, 'ICBC-0004');
    assert.equal(await waitEnded(ctx, id), 'completed');
    const handlers = treasuryPaymentHandlers({ knex: ctx.t.services.knex, now: () => ctx.clock.now() });
    const view = await ctx.t.engine.getInstance(id);
    for (const [elementId, type] of [
      ['B4_reserve', 'treasury.reserve'],
      ['B10_consume', 'treasury.consume'],
    ] as const) {
      const job = (await ctx.t.engine.listJobs({ instanceId: id })).find((j) => j.elementId === elementId)!;
      await handlers[type]!({
        jobId: job.id,
        attempt: job.attempt,
        instanceId: id,
        businessKey: view.businessKey,
        elementId,
        taskType: type,
        variables: view.variables,
      });
    }
    assert.deepEqual(await balances(ctx, ind.id), [8_800_000, 0, 1_200_000]);
    assert.deepEqual(
      (await ctx.ledger.entriesOfPayment(id)).map((e) => e.kind),
      ['reserve', 'consume'],
    );
  });
});
