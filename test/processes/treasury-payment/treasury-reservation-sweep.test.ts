/**
 * 在途额度清理 (treasuryReservationSweep) on MariaDB + Redis: payments ended by 终止 (HTTP, as an admin) and 撤销
 * (the initiator) keep their reservation because no service task runs; the daily sweep gives it back exactly once
 * under its own effect keys, leaves running payments alone, holds back vouchers at the bank and reports anomalies.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InstanceView } from '../../../engine/index.js';
import { seedTreasuryDemo } from '../../../processes/treasury-payment/demo-seed.js';
import { IndicatorLedger } from '../../../processes/treasury-payment/indicator-ledger.js';
import { createTestServer } from '../../helpers/server-harness.js';
import { TestClock, waitFor } from '../../helpers/engine-harness.js';
import {
  act,
  application,
  apply,
  balances,
  CHIEF,
  CLERK,
  newIndicator,
  openTask,
  openTreasuryTest,
  PROCESS_FILES,
  voucherOf,
  type TreasuryTest,
} from './treasury-payment-helpers.js';

const SWEEP_FILE = fileURLToPath(
  new URL('../../../processes/treasury-payment/treasury-reservation-sweep.bpmn', import.meta.url),
);
const ADMIN = 'henan.admin';
const DAY = 24 * 3600_000;

describe('treasury-payment/在途额度清理 treasuryReservationSweep [MariaDB + Bull]', function () {
  this.timeout(60_000);
  let ctx: TreasuryTest;
  before(async function () {
    ctx = await openTreasuryTest();
    await ctx.t.engine.deploy(readFileSync(SWEEP_FILE));
  });
  after(() => ctx?.close());

  /** The sweep instances that ended, oldest first. */
  async function endedSweeps(): Promise<InstanceView[]> {
    const all = await ctx.t.engine.listInstances({ processKey: 'treasuryReservationSweep' });
    const views = await Promise.all(all.map((i) => ctx.t.engine.getInstance(i.id)));
    return views.filter((v) => v.status !== 'running').sort((a, b) => a.startedAt - b.startedAt);
  }

  /** Starts the sweep by hand over HTTP (as a process admin) and waits until it ended. */
  async function sweepByHand(variables: Record<string, unknown> = {}): Promise<InstanceView> {
    const res = await (
      await ctx.t.as(ADMIN)
    )
      .post('/api/process-definition/key/treasuryReservationSweep/start')
      .send({ variables });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const id = String(res.body.id);
    const view = await waitFor(
      async () => {
        const v = await ctx.t.engine.getInstance(id);
        return v.status === 'running' ? undefined : v;
      },
      `sweep ${id} to end`,
      15_000,
    );
    assert.equal(view.status, 'completed');
    return view;
  }

  /** allocated = available + reserved + consumed, and the reserved balance is what the payments' entries net to. */
  async function assertInvariant(indicatorId: string): Promise<void> {
    const ind = (await ctx.ledger.get(indicatorId))!;
    assert.equal(
      ind.allocatedFen,
      ind.availableFen + ind.reservedFen + ind.consumedFen,
      `${indicatorId} sums up`,
    );
    const refs = (await ctx.ledger.entries(indicatorId)).map((e) => e.paymentRef).filter((r) => r !== null);
    let reserved = 0;
    for (const ref of new Set(refs)) {
      for (const h of await ctx.ledger.holdings(ref))
        if (h.indicatorId === indicatorId) reserved += h.reservedFen;
    }
    assert.equal(ind.reservedFen, reserved, `${indicatorId}: the reserved balance is what the entries hold`);
  }

  async function paymentStatus(instanceId: string): Promise<string> {
    const row = await ctx.t.services.knex('treasury_payments').where({ instance_id: instanceId }).first();
    return String(row.status);
  }

  it('should release what 终止 and 撤销 left reserved once, on the daily timer, and leave a running payment alone', async function () {
    const first = await newIndicator(ctx, 10_000_000);
    const second = await newIndicator(ctx, 5_000_000);
    const terminated = await apply(ctx, application(first.id, 1_000_000));
    const running = await apply(ctx, application(first.id, 3_000_000));
    const revoked = await apply(ctx, application(second.id, 2_000_000));
    for (const id of [terminated, running, revoked]) await openTask(ctx, id, 'B5_unitChief');
    assert.deepEqual(await balances(ctx, first.id), [6_000_000, 4_000_000, 0]);
    assert.deepEqual(await balances(ctx, second.id), [3_000_000, 2_000_000, 0]);

    // 终止 by an administrator over HTTP; 撤销 by the initiator
    const res = await (
      await ctx.t.as(ADMIN)
    )
      .delete(`/api/process-instance/${terminated}`)
      .send({ reason: '重复申请' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const revokedView = await ctx.t.engine.revokeInstance(revoked, { actor: CLERK, reason: '不再采购' });
    assert.equal(revokedView.status, 'canceled');
    assert.equal((await ctx.t.engine.getInstance(terminated)).status, 'canceled');
    // nothing ran for them: the money is still held
    assert.deepEqual(await balances(ctx, first.id), [6_000_000, 4_000_000, 0]);
    assert.deepEqual(await balances(ctx, second.id), [3_000_000, 2_000_000, 0]);

    // the daily timer (R/P1D from the deployment) starts the sweep
    assert.equal((await endedSweeps()).length, 0);
    ctx.clock.advance(DAY + 60_000);
    await ctx.t.engine.fireDueTimers();
    const [sweep] = await waitFor(
      async () => ((await endedSweeps()).length === 1 ? endedSweeps() : undefined),
      'the timer-started sweep to end',
      15_000,
    );
    assert.equal(sweep!.status, 'completed');
    const vars = sweep!.variables;
    assert.equal(vars.releasedCount, 2);
    assert.equal(vars.releasedTotalFen, 3_000_000);
    assert.deepEqual(
      vars.releasedByIndicator,
      [
        { indicatorId: first.id, amountFen: 1_000_000, count: 1 },
        { indicatorId: second.id, amountFen: 2_000_000, count: 1 },
      ].sort((a, b) => (a.indicatorId < b.indicatorId ? -1 : 1)),
    );
    assert.equal(vars.anomalyCount, 0);
    assert.ok(sweep!.activeElementIds.length === 0);
    const history = await ctx.t.engine.history(sweep!.id);
    const completed = history.find((h) => h.type === 'JOB_COMPLETED' && h.elementId === 'R1_release');
    assert.ok(
      (completed?.data?.variables as string[]).includes('releasedTotalFen'),
      'the run is in the history',
    );

    // available back to what it was before each payment; the running one still holds its 3 万
    assert.deepEqual(await balances(ctx, first.id), [7_000_000, 3_000_000, 0]);
    assert.deepEqual(await balances(ctx, second.id), [5_000_000, 0, 0]);
    const releases = vars.releases as Array<{
      paymentInstanceId: string;
      effectKey: string;
      instanceStatus: string;
    }>;
    for (const [id, amount, indicatorId] of [
      [terminated, 1_000_000, first.id],
      [revoked, 2_000_000, second.id],
    ] as const) {
      const entries = await ctx.ledger.entriesOfPayment(id);
      assert.deepEqual(
        entries.map((e) => [e.kind, e.amountFen]),
        [
          ['reserve', amount],
          ['release', amount],
        ],
      );
      const key = releases.find((r) => r.paymentInstanceId === id)?.effectKey;
      assert.match(entries[1]!.effectKey, new RegExp(`^${id}:reservation-sweep:${indicatorId}:\\d+$`));
      assert.equal(entries[1]!.effectKey, key, 'the variables name the effect key of the entry');
      assert.equal(await paymentStatus(id), 'cancelled');
    }
    assert.match((await ctx.ledger.entriesOfPayment(terminated))[1]!.note ?? '', /终止/);
    assert.match((await ctx.ledger.entriesOfPayment(revoked))[1]!.note ?? '', /撤销/);
    assert.deepEqual(
      (await ctx.ledger.entriesOfPayment(running)).map((e) => e.kind),
      ['reserve'],
    );
    assert.equal(await paymentStatus(running), 'reserved');
    assert.equal((await ctx.t.engine.getInstance(running)).status, 'running');
    await assertInvariant(first.id);
    await assertInvariant(second.id);

    // a second run (by hand, as after a 终止) releases nothing more and records 0
    const again = (await sweepByHand()).variables;
    assert.equal(again.releasedCount, 0);
    assert.equal(again.releasedTotalFen, 0);
    assert.deepEqual(again.releasedByIndicator, []);
    assert.deepEqual(await balances(ctx, first.id), [7_000_000, 3_000_000, 0]);
    assert.deepEqual(await balances(ctx, second.id), [5_000_000, 0, 0]);
    assert.equal((await ctx.ledger.entriesOfPayment(terminated)).length, 2);
    assert.equal((await ctx.ledger.entriesOfPayment(revoked)).length, 2);

    // a reservation that lands after the sweep (a reserve job in flight at the 终止) is released by the next one
    await ctx.ledger.reserve({
      indicatorId: first.id,
      amountFen: 500_000,
      paymentRef: terminated,
      effectKey: `${terminated}:late-job:reserve`,
    });
    const late = (await sweepByHand()).variables;
    assert.equal(late.releasedCount, 1);
    assert.equal(late.releasedTotalFen, 500_000);
    assert.deepEqual(await balances(ctx, first.id), [7_000_000, 3_000_000, 0]);
    const lateEntries = await ctx.ledger.entriesOfPayment(terminated);
    assert.equal(new Set(lateEntries.map((e) => e.effectKey)).size, lateEntries.length);
    await assertInvariant(first.id);
  });

  it('should let only process admins start it by hand', async function () {
    const res = await (
      await ctx.t.as(CLERK)
    )
      .post('/api/process-definition/key/treasuryReservationSweep/start')
      .send({});
    assert.equal(res.status, 403, JSON.stringify(res.body));
  });

  it('should hold back a voucher at the bank until it is confirmed unpaid, and report a completed or unknown holder', async function () {
    const ind = await newIndicator(ctx, 10_000_000);
    const atBank = await apply(ctx, application(ind.id, 2_500_000));
    await act(ctx, atBank, 'B5_unitChief', CHIEF, { unitChiefOpinion: '同意' });
    const voucherNo = await voucherOf(ctx, atBank);
    await ctx.t.engine.terminateInstance(atBank, { actor: ADMIN, reason: '单位申请作废' });
    // a completed instance and a payment reference without an instance that hold money: inconsistencies
    const [done] = await endedSweeps();
    await ctx.ledger.reserve({
      indicatorId: ind.id,
      amountFen: 100,
      paymentRef: done!.id,
      effectKey: `${done!.id}:test:reserve`,
    });
    await ctx.ledger.reserve({
      indicatorId: ind.id,
      amountFen: 200,
      paymentRef: 'no-such-instance',
      effectKey: 'no-such-instance:test:reserve',
    });

    const heldRun = await sweepByHand();
    const held = heldRun.variables;
    assert.equal(held.releasedCount, 0);
    const anomalies = held.anomalies as Array<{
      paymentInstanceId: string;
      kind: string;
      reservedFen: number;
    }>;
    assert.equal(held.anomalyCount, 3);
    assert.deepEqual(
      anomalies.map((a) => [a.paymentInstanceId, a.kind, a.reservedFen]).sort(),
      [
        [atBank, 'voucherAtBank', 2_500_000],
        [done!.id, 'completedHolding', 100],
        ['no-such-instance', 'noInstance', 200],
      ].sort(),
    );
    assert.ok(
      anomalies.some((a) => a.kind === 'voucherAtBank' && JSON.stringify(a).includes(voucherNo)),
      'the anomaly names the voucher',
    );
    assert.deepEqual(await balances(ctx, ind.id), [10_000_000 - 2_500_300, 2_500_300, 0]);
    assert.ok(heldRun.completedElementIds.includes('R2_endAnomalies'), 'a run with anomalies ends there');

    // the treasury checked with the bank: the voucher was not paid
    const confirmed = (await sweepByHand({ confirmedVoucherInstanceIds: [atBank] })).variables;
    assert.equal(confirmed.releasedCount, 1);
    assert.equal(confirmed.releasedTotalFen, 2_500_000);
    assert.equal(confirmed.anomalyCount, 2);
    assert.deepEqual(await balances(ctx, ind.id), [10_000_000 - 300, 300, 0]);
    assert.equal(await paymentStatus(atBank), 'cancelled');
    await assertInvariant(ind.id);
  });
});

describe('treasury-payment/在途额度清理 treasuryReservationSweep [SQLite]', function () {
  this.timeout(30_000);

  it('should release a terminated payment once with the same grouped ledger query', async function () {
    const clock = new TestClock();
    const t = await createTestServer('sqlite', { clock });
    try {
      for (const file of [...PROCESS_FILES, SWEEP_FILE]) await t.engine.deploy(readFileSync(file));
      await seedTreasuryDemo(t.services.knex, clock.now());
      const ctx: TreasuryTest = {
        t,
        clock,
        ledger: new IndicatorLedger(t.services.knex, () => clock.now()),
        close: () => t.close(),
      };
      const ind = await newIndicator(ctx, 1_000_000);
      const id = await apply(ctx, application(ind.id, 400_000));
      await openTask(ctx, id, 'B5_unitChief');
      await t.engine.terminateInstance(id, { actor: ADMIN, reason: '测试终止' });
      const run = async () => {
        const started = await t.engine.startInstance('treasuryReservationSweep', { initiator: ADMIN });
        return waitFor(
          async () => {
            const v = await t.engine.getInstance(started.id);
            return v.status === 'running' ? undefined : v.variables;
          },
          'the sweep to end',
          15_000,
        );
      };
      assert.equal((await run()).releasedTotalFen, 400_000);
      assert.equal((await run()).releasedTotalFen, 0);
      assert.deepEqual(await balances(ctx, ind.id), [1_000_000, 0, 0]);
    } finally {
      await t.close();
    }
  });
});
