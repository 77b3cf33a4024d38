/**
 * nonTaxCollection end to end on MariaDB + Bull (the org router, the handlers and the workers of the real
 * runtime): a notice issued from the catalogue, the bank's payment correlated by 缴款码 through POST /api/message,
 * 到账确认 by the county 非税股, the 电子票据 and the split by level exact in 分; the due-date timer's 催缴 rounds
 * and 逾期 handling on an injected clock; 减免缓 approved and rejected, reaching the waiting collection.
 */
import assert from 'node:assert/strict';
import { TestClock } from '../../helpers/engine-harness.js';
import type { TestServer } from '../../helpers/server-harness.js';
import {
  bankPays,
  completeAt,
  createNonTaxServer,
  ended,
  issueNotice,
  reaches,
  taskAt,
} from './non-tax-harness.js';

const DAY = 86_400_000;

describe('non-tax-revenue: nonTaxCollection [MariaDB + Bull]', function () {
  this.timeout(60_000);
  const clock = new TestClock();
  let t: TestServer;
  before(async function () {
    t = await createNonTaxServer('mysql', clock);
  });
  after(() => t?.close());

  const notice = (noticeNo: string) =>
    t.services.knex('nontax_notices').where({ notice_no: noticeNo }).first();

  it('issues, correlates the payment by 缴款码, confirms, issues the receipt and splits exactly to the levels', async function () {
    // 3 × 333.33 元 of a three-level item (3333/3333/3334 bp): 99 999 分 does not divide evenly
    const issued = await issueNotice(t, 'zhongmou.school1.clerk', [{ itemCode: 'ZC-CDZJ', quantity: 3 }]);
    assert.equal(issued.payableFen, 99_999);
    assert.match(issued.paymentCode, /^41012226\d{9}$/);

    const result = await bankPays(
      t,
      issued.paymentCode,
      99_999,
      'ICBC-20260302-0001',
      new Date(clock.now()).toISOString(),
    );
    assert.deepEqual(result, {
      messageId: 'ICBC-20260302-0001',
      outcome: 'correlated',
      processInstanceId: issued.instanceId,
    });

    const confirm = await taskAt(t, issued.instanceId, 'C4_confirmArrival');
    assert.deepEqual(confirm.candidateUsers, ['zhongmou.nontax.clerk']);
    await t.engine.completeTask(confirm.id, {
      actor: 'zhongmou.nontax.clerk',
      variables: { arrivalOpinion: '已到账' },
    });
    const vars = await ended(t, issued.instanceId);
    assert.match(String(vars.receiptNo), /^410103\d{12}$/);
    assert.equal(vars.writtenOff, true);
    assert.deepEqual(vars.splits, [
      { level: 'province', regionCode: '410000', amountFen: 33_329 },
      { level: 'city', regionCode: '410100', amountFen: 33_329 },
      { level: 'county', regionCode: '410122', amountFen: 33_341 },
    ]);
    assert.equal(vars.splitTotalFen, 99_999);

    const row = await notice(issued.noticeNo);
    assert.equal(row.status, 'written_off');
    assert.equal(Number(row.paid_fen), 99_999);
    const bank = await t.services
      .knex('nontax_bank_records')
      .where({ bank_serial_no: 'ICBC-20260302-0001' })
      .first();
    assert.equal(bank.status, 'matched');
    assert.equal(bank.notice_no, issued.noticeNo);
    const entries = await t.services.knex('nontax_treasury_entries').where({ notice_no: issued.noticeNo });
    assert.equal(
      entries.reduce((s: number, e: { amount_fen: number | string }) => s + Number(e.amount_fen), 0),
      99_999,
    );
    // the bank sends the same callback again: nothing happens twice
    const again = await bankPays(
      t,
      issued.paymentCode,
      99_999,
      'ICBC-20260302-0001',
      new Date(clock.now()).toISOString(),
    );
    assert.equal(again.outcome, 'correlated');
    assert.equal(
      (await t.services.knex('nontax_bank_records').where({ notice_no: issued.noticeNo })).length,
      1,
    );
  });

  it('refuses an item the unit may not bill: the notice is not issued', async function () {
    await t.services
      .knex('nontax_item_units')
      .where({ item_code: 'JY-KWF', unit_org_code: '410122-BM-JY-002' })
      .delete();
    const user = await t.services.orgs.getUser('zhongmou.school2.clerk');
    const instance = await t.engine.startInstance('nonTaxCollection', {
      initiator: 'zhongmou.school2.clerk',
      org: { code: user!.orgCode, path: (await t.services.orgs.getOrg(user!.orgCode))!.path },
      variables: { payerName: '赵六', lines: [{ itemCode: 'JY-KWF' }, { itemCode: 'NO-SUCH' }] },
    });
    const vars = await ended(t, instance.id);
    assert.equal(vars.issued, false);
    assert.deepEqual(vars.issueProblems, [
      'lines[0].itemCode: 本单位未获准执收项目 JY-KWF',
      'lines[1].itemCode: 项目 NO-SUCH 不在非税收入项目目录中',
    ]);
    assert.equal(
      (await t.engine.getInstance(instance.id)).completedElementIds.includes('C1_invalidEnd'),
      true,
    );
  });

  it('at the due date: 催缴 rounds with new deadlines, then 逾期处理 by the 非税股 after the configured number', async function () {
    const issued = await issueNotice(t, 'zhongmou.school1.clerk', [{ itemCode: 'JY-ZSF' }]);
    const row = await notice(issued.noticeNo);
    // 住宿费: 15 days to pay
    assert.equal(row.due_date, '2026-03-17');

    for (const round of [1, 2]) {
      clock.advance(16 * DAY);
      await t.engine.fireDueTimers();
      const dunning = await taskAt(t, issued.instanceId, 'C3_dunning');
      assert.equal(dunning.assignee, 'zhongmou.school1.clerk');
      const vars = (await t.engine.getInstance(issued.instanceId)).variables;
      assert.equal(vars.reminderCount, round);
      assert.equal(Number((await notice(issued.noticeNo)).reminder_count), round);
      await t.engine.completeTask(dunning.id, {
        actor: 'zhongmou.school1.clerk',
        variables: { dunningNote: `第${round}次电话催缴` },
      });
      await reaches(t, issued.instanceId, 'C3_dueTimer');
    }
    // a third expiry: collection.maxReminders = 2, so 逾期
    clock.advance(6 * DAY);
    await t.engine.fireDueTimers();
    const overdue = await taskAt(t, issued.instanceId, 'C3_overdueReview');
    assert.deepEqual(overdue.candidateUsers, ['zhongmou.nontax.reviewer']);
    await t.engine.completeTask(overdue.id, {
      actor: 'zhongmou.nontax.reviewer',
      variables: { overdueAction: 'void', overdueOpinion: '移送执法部门' },
    });
    const vars = await ended(t, issued.instanceId);
    assert.equal(vars.noticeStatus, 'overdue_voided');
    assert.equal((await notice(issued.noticeNo)).status, 'overdue_voided');
    const events = await t.services
      .knex('nontax_notice_events')
      .where({ notice_no: issued.noticeNo })
      .orderBy('created_at');
    assert.deepEqual(
      events.map((e: { kind: string }) => e.kind),
      ['notified', 'reminded', 'reminded', 'overdue'],
    );
  });

  it('a payment during a 催缴 round ends the round and goes on to 到账确认', async function () {
    const issued = await issueNotice(t, 'zhongmou.school1.clerk', [{ itemCode: 'JY-ZSF' }]);
    clock.advance(16 * DAY);
    await t.engine.fireDueTimers();
    await taskAt(t, issued.instanceId, 'C3_dunning');
    await bankPays(t, issued.paymentCode, 60_000, 'ICBC-LATE-0001', new Date(clock.now()).toISOString());
    await taskAt(t, issued.instanceId, 'C4_confirmArrival');
    const open = (await t.engine.listTasks({ instanceId: issued.instanceId })).filter(
      (x) => x.state === 'created',
    );
    assert.deepEqual(
      open.map((x) => x.elementId),
      ['C4_confirmArrival'],
    );
  });

  it('减免缓: an approved 减缴 lowers what the waiting collection expects; a rejected 免缴 changes nothing', async function () {
    const issued = await issueNotice(t, 'zhongmou.school1.clerk', [{ itemCode: 'JY-ZSF', quantity: 2 }]);
    assert.equal(issued.payableFen, 120_000);
    const start = (variables: Record<string, unknown>) =>
      t.engine.startInstance('nonTaxRelief', { initiator: 'zhongmou.school1.clerk', variables });

    const reduction = await start({
      noticeNo: issued.noticeNo,
      reliefKind: 'reduction',
      reductionFen: 20_000,
      reason: '家庭困难',
    });
    const unit = await taskAt(t, reduction.id, 'V1_unitReview');
    assert.deepEqual(unit.candidateUsers, ['zhongmou.school1.chief']);
    await t.engine.completeTask(unit.id, {
      actor: 'zhongmou.school1.chief',
      variables: { unitApproved: true },
    });
    const finance = await taskAt(t, reduction.id, 'V2_financeReview');
    assert.deepEqual(finance.candidateUsers, ['zhongmou.nontax.reviewer']);
    await t.engine.completeTask(finance.id, {
      actor: 'zhongmou.nontax.reviewer',
      variables: { financeApproved: true },
    });
    const reliefVars = await ended(t, reduction.id);
    assert.equal(reliefVars.reliefStatus, 'approved');
    assert.equal(reliefVars.needsChief, false);

    // the collection caught nonTaxRelief on its 缴款码 and waits again for 1 000.00 元
    await waitForVariable(issued.instanceId, 'payableFen', 100_000);
    await reaches(t, issued.instanceId, 'C3_dueTimer');
    assert.equal(Number((await notice(issued.noticeNo)).payable_fen), 100_000);

    const exemption = await start({ noticeNo: issued.noticeNo, reliefKind: 'exemption', reason: '政策减免' });
    await completeAt(t, exemption.id, 'V1_unitReview', 'zhongmou.school1.chief', { unitApproved: true });
    await completeAt(t, exemption.id, 'V2_financeReview', 'zhongmou.nontax.reviewer', {
      financeApproved: false,
      financeOpinion: '不符合免缴条件',
    });
    assert.equal((await ended(t, exemption.id)).reliefStatus, 'rejected');
    assert.equal(Number((await notice(issued.noticeNo)).payable_fen), 100_000);
    assert.equal((await notice(issued.noticeNo)).status, 'issued');

    await bankPays(t, issued.paymentCode, 100_000, 'ICBC-RELIEF-0001', new Date(clock.now()).toISOString());
    await completeAt(t, issued.instanceId, 'C4_confirmArrival', 'zhongmou.nontax.clerk');
    assert.equal((await ended(t, issued.instanceId)).writtenOff, true);
  });

  async function waitForVariable(instanceId: string, name: string, value: unknown): Promise<void> {
    const { waitFor } = await import('../../helpers/engine-harness.js');
    await waitFor(
      async () => (await t.engine.getInstance(instanceId)).variables[name] === value,
      `${name} = ${String(value)}`,
    );
  }
});

describe('non-tax-revenue: nonTaxCollection [SQLite + in-process queue]', function () {
  this.timeout(60_000);
  const clock = new TestClock();
  let t: TestServer;
  before(async function () {
    t = await createNonTaxServer('sqlite', clock);
  });
  after(() => t?.close());

  it('collects a rate item and splits it exactly; the table CHECKs the shares', async function () {
    // 矿业权出让收益: 3% of 1 234 567.89 元, rounded half up to 37 037.04 元; shares 3000/3000/4000
    const issued = await issueNotice(t, 'zhongmou.school1.clerk', [
      { itemCode: 'ZY-KCQ', baseFen: 123_456_789 },
    ]);
    assert.equal(issued.payableFen, 3_703_704);
    await bankPays(t, issued.paymentCode, 3_703_704, 'SQLITE-0001', new Date(clock.now()).toISOString());
    await completeAt(t, issued.instanceId, 'C4_confirmArrival', 'zhongmou.nontax.clerk');
    const vars = await ended(t, issued.instanceId);
    assert.deepEqual(
      (vars.splits as { level: string; amountFen: number }[]).map((s) => [s.level, s.amountFen]),
      [
        ['province', 1_111_111],
        ['city', 1_111_111],
        ['county', 1_481_482],
      ],
    );
    await assert.rejects(
      t.services.knex('nontax_items').where({ code: 'ZY-KCQ' }).update({ city_share_bp: 2_999 }),
      /CHECK constraint failed/,
    );
  });
});
