/**
 * nonTaxReconciliation on MariaDB + Bull: started by its daily timer (injected clock), it compares the day's
 * paid notices, bank records and treasury entries. Everything matching opens no 差错处理 task; one injected
 * difference opens exactly one (for the county's 非税股), also when the day is reconciled again; money no
 * notice claims goes to 待查, where it is returned or 补录 to the notice it belongs to.
 */
import assert from 'node:assert/strict';
import { TestClock, waitFor } from '../../helpers/engine-harness.js';
import type { TestServer } from '../../helpers/server-harness.js';
import { DEMO_SUSPENSE_SERIAL } from '../../../processes/non-tax-revenue/demo-seed.js';
import {
  bankPays,
  completeAt,
  createNonTaxServer,
  ended,
  issueNotice,
  taskAt,
  tasksAt,
} from './non-tax-harness.js';

const DAY = 86_400_000;

describe('non-tax-revenue: nonTaxReconciliation [MariaDB + Bull]', function () {
  this.timeout(60_000);
  const clock = new TestClock();
  let t: TestServer;
  let serial = 0;
  before(async function () {
    t = await createNonTaxServer('mysql', clock);
  });
  after(() => t?.close());

  /** Issues a notice, pays it now and confirms the arrival; returns the notice and the bank serial. */
  async function paidNotice(): Promise<{ noticeNo: string; bankSerialNo: string }> {
    const issued = await issueNotice(t, 'zhongmou.school1.clerk', [{ itemCode: 'JY-ZSF' }]);
    const bankSerialNo = `ICBC-RECON-${++serial}`;
    await bankPays(
      t,
      issued.paymentCode,
      issued.payableFen,
      bankSerialNo,
      new Date(clock.now()).toISOString(),
    );
    await completeAt(t, issued.instanceId, 'C4_confirmArrival', 'zhongmou.nontax.clerk');
    await ended(t, issued.instanceId);
    return { noticeNo: issued.noticeNo, bankSerialNo };
  }

  /** Moves to the next day and lets the daily timer start the run; returns the new instance's id. */
  async function nextDailyRun(): Promise<string> {
    const runs = async () =>
      (
        (await t.services
          .knex('process_instances')
          .where({ process_key: 'nonTaxReconciliation' })
          .select('id')) as {
          id: string;
        }[]
      ).map((r) => r.id);
    const before = new Set(await runs());
    clock.advance(DAY);
    await t.engine.fireDueTimers();
    const run = await waitFor(
      async () => (await runs()).find((id) => !before.has(id)),
      'the daily reconciliation run',
    );
    await waitFor(async () => (await t.engine.getInstance(run)).variables.reconDate, 'the comparison');
    return run;
  }

  const diffTasks = async (instanceId: string) =>
    (await t.engine.listTasks({ instanceId })).filter((x) => x.elementId === 'C7_diffHandling');

  it('opens no 差错处理 task when notices, bank and treasury agree (and takes earlier 待查 money)', async function () {
    await paidNotice();
    await paidNotice();
    const run = await nextDailyRun();
    const vars = (await t.engine.getInstance(run)).variables;
    assert.equal(vars.reconDate, '2026-03-02');
    assert.equal(vars.mismatchCount, 0);
    assert.deepEqual(await diffTasks(run), []);
    // the demo's money with a mistyped 缴款码 (2026-03-01) is 待查
    assert.equal(vars.suspenseCount, 1);
    const suspense = await taskAt(t, run, 'C6_suspenseHandling');
    assert.deepEqual(suspense.candidateUsers, ['zhongmou.nontax.clerk']);
    await t.engine.completeTask(suspense.id, {
      actor: 'zhongmou.nontax.clerk',
      variables: { suspenseAction: 'return', suspenseNote: '无法查明，原路退回' },
    });
    await ended(t, run);
    // the 退回 instruction reaches the incoming-payment process, which closes the record
    await waitFor(
      async () =>
        (await t.services.knex('nontax_bank_records').where({ bank_serial_no: DEMO_SUSPENSE_SERIAL }).first())
          .status === 'returned',
      'the 待查 record returned',
    );
  });

  it('opens exactly one 差错处理 task for one injected difference, also when the day is reconciled again', async function () {
    await paidNotice();
    const wrong = await paidNotice();
    // the bank's statement says 600.01 元 for a 600.00 元 notice
    await t.services
      .knex('nontax_bank_records')
      .where({ bank_serial_no: wrong.bankSerialNo })
      .update({ amount_fen: 60_001 });
    const run = await nextDailyRun();
    const [task, ...more] = await tasksAt(t, run, 'C7_diffHandling', 1);
    assert.deepEqual(more, []);
    assert.deepEqual(task!.candidateUsers, ['zhongmou.nontax.clerk']);
    const vars = (await t.engine.getInstance(run)).variables;
    assert.equal(vars.reconDate, '2026-03-03');
    assert.equal(vars.mismatchCount, 1);
    assert.equal(vars.suspenseCount, 0);
    const [mismatch] = vars.mismatches as Record<string, unknown>[];
    assert.equal(mismatch!.kind, 'BANK_NOTICE_AMOUNT');
    assert.equal(mismatch!.noticeNo, wrong.noticeNo);
    assert.equal(mismatch!.expectedFen, 60_000);
    assert.equal(mismatch!.actualFen, 60_001);

    // a second run of the same day finds nothing new
    const rerun = await t.engine.startInstance('nonTaxReconciliation', {
      initiator: 'henan.admin',
      variables: { reconDate: '2026-03-03' },
    });
    const rerunVars = await ended(t, rerun.id);
    assert.equal(rerunVars.mismatchCount, 0);

    await t.engine.completeTask(task!.id, {
      actor: 'zhongmou.nontax.clerk',
      variables: { diffResolution: 'bank_corrected' },
      comment: '银行更正对账单',
    });
    assert.equal((await ended(t, run)).handledCount, 1);
    const rows = await t.services.knex('nontax_recon_diffs').where({ recon_date: '2026-03-03' });
    assert.deepEqual(
      rows.map((r: { status: string }) => r.status),
      ['handled'],
    );
  });

  it('待查: unclaimed money is registered, then 补录 to the notice it belongs to by 缴款码', async function () {
    const waiting = await issueNotice(t, 'zhongmou.school1.clerk', [{ itemCode: 'JY-ZSF' }]);
    // the payer typed a wrong code: nothing waits for it, so the message starts the incoming-payment process
    const result = await bankPays(
      t,
      '41012226000000009',
      60_000,
      'ICBC-UNKNOWN-1',
      new Date(clock.now()).toISOString(),
    );
    assert.equal(result.outcome, 'started');
    await ended(t, result.processInstanceId!);
    const record = await t.services
      .knex('nontax_bank_records')
      .where({ bank_serial_no: 'ICBC-UNKNOWN-1' })
      .first();
    assert.equal(record.status, 'unmatched');

    const run = await nextDailyRun();
    const task = await taskAt(t, run, 'C6_suspenseHandling');
    await t.engine.completeTask(task.id, {
      actor: 'zhongmou.nontax.clerk',
      variables: {
        suspenseAction: 'identify',
        identifiedPaymentCode: waiting.paymentCode,
        suspenseNote: '电话核实',
      },
    });
    await ended(t, run);
    // the collection caught the payment and waits for 到账确认
    await taskAt(t, waiting.instanceId, 'C4_confirmArrival');
    const matched = await t.services
      .knex('nontax_bank_records')
      .where({ bank_serial_no: 'ICBC-UNKNOWN-1' })
      .first();
    assert.equal(matched.status, 'matched');
    assert.equal(matched.notice_no, waiting.noticeNo);
  });
});
