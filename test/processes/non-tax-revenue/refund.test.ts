/**
 * nonTaxRefund on MariaDB + Bull: a county unit's refund of city-level revenue (考务费, 100% 市级) goes up to the
 * city's 非税科 (financeParent) after the county's review, each step's working-day deadline (from the settings)
 * fires on the injected clock and records a 督办 row while the step stays open, and the refund is booked back
 * to the level that received the money. A county-level refund stays in the county; an excessive one is refused.
 * Also the catalogue's maintenance (C0): a proposal whose shares do not sum to 10000 never reaches the 处长.
 */
import assert from 'node:assert/strict';
import { TestClock } from '../../helpers/engine-harness.js';
import type { TestServer } from '../../helpers/server-harness.js';
import { bankPays, completeAt, createNonTaxServer, ended, issueNotice, taskAt } from './non-tax-harness.js';

const DAY = 86_400_000;

describe('non-tax-revenue: nonTaxRefund and nonTaxItemMaintenance [MariaDB + Bull]', function () {
  this.timeout(60_000);
  const clock = new TestClock();
  let t: TestServer;
  let serial = 0;
  before(async function () {
    t = await createNonTaxServer('mysql', clock);
  });
  after(() => t?.close());

  async function paidNotice(itemCode: string): Promise<string> {
    const issued = await issueNotice(t, 'zhongmou.school1.clerk', [{ itemCode }]);
    await bankPays(
      t,
      issued.paymentCode,
      issued.payableFen,
      `ICBC-REFUND-${++serial}`,
      new Date(clock.now()).toISOString(),
    );
    await completeAt(t, issued.instanceId, 'C4_confirmArrival', 'zhongmou.nontax.clerk');
    await ended(t, issued.instanceId);
    return issued.noticeNo;
  }

  const applyRefund = (variables: Record<string, unknown>) =>
    t.engine.startInstance('nonTaxRefund', { initiator: 'zhongmou.school1.clerk', variables });
  const breaches = async (instanceId: string) =>
    (
      (await t.services
        .knex('nontax_deadline_breaches')
        .where({ instance_id: instanceId })
        .orderBy('created_at')) as {
        step: string;
      }[]
    ).map((b) => b.step);

  it('refunds city-level revenue collected by a county through the city 非税科, with deadlines firing', async function () {
    const noticeNo = await paidNotice('JY-KWF');
    const refund = await applyRefund({
      noticeNo,
      refundFen: 12_000,
      applicantKind: 'payer',
      reason: '重复缴费',
    });

    const unit = await taskAt(t, refund.id, 'R1_unitReview');
    assert.deepEqual(unit.candidateUsers, ['zhongmou.school1.chief']);
    const prepared = (await t.engine.getInstance(refund.id)).variables;
    assert.equal(prepared.needsUpperApproval, true);
    assert.equal(prepared.upperShareFen, 12_000);
    assert.deepEqual(prepared.refundDue, {
      unitReview: 'P10D',
      financeReview: 'P15D',
      upperReview: 'P10D',
      treasury: 'P10D',
    });

    // 10 working days from Monday 2 March: not yet on day 13 (Sat 14 March), fired on day 15
    clock.advance(13 * DAY);
    await t.engine.fireDueTimers();
    assert.deepEqual(await breaches(refund.id), []);
    clock.advance(2 * DAY);
    await t.engine.fireDueTimers();
    await waitForBreaches(refund.id, ['R1_unitReview']);
    // the step is still open: the deadline supervises, it does not decide
    await t.engine.completeTask((await taskAt(t, refund.id, 'R1_unitReview')).id, {
      actor: 'zhongmou.school1.chief',
      variables: { unitApproved: true, unitOpinion: '属实' },
    });

    const county = await taskAt(t, refund.id, 'R2_financeReview');
    assert.deepEqual(county.candidateUsers, ['zhongmou.nontax.reviewer']);
    await t.engine.completeTask(county.id, {
      actor: 'zhongmou.nontax.reviewer',
      variables: { financeApproved: true },
    });

    const city = await taskAt(t, refund.id, 'R3_upperReview');
    assert.deepEqual(city.candidateUsers, ['zhengzhou.nontax.reviewer']);
    clock.advance(20 * DAY);
    await t.engine.fireDueTimers();
    await waitForBreaches(refund.id, ['R1_unitReview', 'R3_upperReview']);
    await t.engine.completeTask(city.id, {
      actor: 'zhengzhou.nontax.reviewer',
      variables: { upperApproved: true },
    });

    const treasury = await taskAt(t, refund.id, 'R4_treasuryRefund');
    assert.deepEqual(treasury.candidateUsers, ['zhongmou.treasury.clerk']);
    await t.engine.completeTask(treasury.id, {
      actor: 'zhongmou.treasury.clerk',
      variables: { treasuryVoucherNo: 'TF-0001' },
    });

    const vars = await ended(t, refund.id);
    assert.equal(vars.refundStatus, 'refunded');
    assert.match(String(vars.redReceiptNo), /^410193\d{12}$/);
    assert.deepEqual(vars.refundSplits, [{ level: 'city', regionCode: '410100', amountFen: 12_000 }]);
    const notice = await t.services.knex('nontax_notices').where({ notice_no: noticeNo }).first();
    assert.equal(Number(notice.refunded_fen), 12_000);
  });

  it('keeps a refund of county revenue in the county, and refuses more than was paid', async function () {
    const noticeNo = await paidNotice('JY-ZSF');
    const tooMuch = await applyRefund({ noticeNo, refundFen: 60_001, applicantKind: 'unit', reason: '多收' });
    const refused = await ended(t, tooMuch.id);
    assert.equal(refused.valid, false);
    assert.deepEqual(refused.refundProblems, ['refundFen: 退付金额须为 1 至 60000 分的整数']);

    const refund = await applyRefund({ noticeNo, refundFen: 20_000, applicantKind: 'unit', reason: '多收' });
    await completeAt(t, refund.id, 'R1_unitReview', 'zhongmou.school1.chief', { unitApproved: true });
    const prepared = (await t.engine.getInstance(refund.id)).variables;
    assert.equal(prepared.needsUpperApproval, false);
    assert.equal((prepared.refundDue as Record<string, string>).unitReview, 'P5D');
    await completeAt(t, refund.id, 'R2_financeReview', 'zhongmou.nontax.reviewer', { financeApproved: true });
    await completeAt(t, refund.id, 'R4_treasuryRefund', 'zhongmou.treasury.clerk', {
      treasuryVoucherNo: 'TF-0002',
    });
    const vars = await ended(t, refund.id);
    assert.deepEqual(vars.refundSplits, [{ level: 'county', regionCode: '410122', amountFen: 20_000 }]);
    assert.equal(
      (await t.engine.getInstance(refund.id)).completedElementIds.includes('R3_upperReview'),
      false,
    );
  });

  it('不予退付 at the finance review ends the refund as rejected', async function () {
    const noticeNo = await paidNotice('JY-ZSF');
    const refund = await applyRefund({ noticeNo, refundFen: 100, applicantKind: 'payer', reason: '误缴' });
    await completeAt(t, refund.id, 'R1_unitReview', 'zhongmou.school1.chief', { unitApproved: true });
    await completeAt(t, refund.id, 'R2_financeReview', 'zhongmou.nontax.reviewer', {
      financeApproved: false,
    });
    assert.equal((await ended(t, refund.id)).refundStatus, 'rejected');
    const row = await t.services.knex('nontax_refunds').where({ instance_id: refund.id }).first();
    assert.equal(row.status, 'rejected');
  });

  it('C0: the province 非税处 changes the catalogue only with the 处长; shares must sum to 10000', async function () {
    const propose = (variables: Record<string, unknown>) =>
      t.engine.startInstance('nonTaxItemMaintenance', { initiator: 'henan.nontax.clerk', variables });
    const item = {
      changeKind: 'create',
      itemCode: 'JY-PXF',
      itemName: '培训费',
      revenueClassCode: '1030414',
      category: '行政事业性收费',
      standardKind: 'fixed',
      standardFen: 5_000,
      provinceShareBp: 1_000,
      cityShareBp: 2_000,
      countyShareBp: 6_000,
      paymentTermDays: 10,
      unitCodes: '410122-BM-JY-001, 410122-BM-JY-002',
    };
    const bad = await propose(item);
    const badVars = await ended(t, bad.id);
    assert.deepEqual(badVars.changeProblems, [
      'provinceShareBp: 省、市、县分成比例须为非负整数基点且合计 10000',
    ]);

    const byCounty = await t.engine.startInstance('nonTaxItemMaintenance', {
      initiator: 'zhongmou.nontax.clerk',
      variables: { ...item, countyShareBp: 7_000 },
    });
    assert.deepEqual((await ended(t, byCounty.id)).changeProblems, [
      'initiator: 非税收入项目目录只能由省财政厅非税收入管理处维护',
    ]);

    const good = await propose({ ...item, countyShareBp: 7_000 });
    const chief = await taskAt(t, good.id, 'M2_chiefApproval');
    assert.deepEqual(chief.candidateUsers, ['henan.nontax.chief']);
    assert.equal(await t.services.knex('nontax_items').where({ code: 'JY-PXF' }).first(), undefined);
    await t.engine.completeTask(chief.id, {
      actor: 'henan.nontax.chief',
      variables: { chiefApproved: true },
    });
    assert.equal((await ended(t, good.id)).changeStatus, 'applied');
    const row = await t.services.knex('nontax_items').where({ code: 'JY-PXF' }).first();
    assert.equal(Number(row.county_share_bp), 7_000);
    assert.equal((await t.services.knex('nontax_item_units').where({ item_code: 'JY-PXF' })).length, 2);

    // the table refuses shares that do not sum to 10000 whatever the code does
    await assert.rejects(
      t.services.knex('nontax_items').where({ code: 'JY-PXF' }).update({ county_share_bp: 6_999 }),
      /nontax_items_shares_sum|CONSTRAINT|check/i,
    );
  });

  async function waitForBreaches(instanceId: string, expected: string[]): Promise<void> {
    const { waitFor } = await import('../../helpers/engine-harness.js');
    await waitFor(
      async () => JSON.stringify(await breaches(instanceId)) === JSON.stringify(expected),
      `breaches ${expected.join(', ')}`,
    );
  }
});
