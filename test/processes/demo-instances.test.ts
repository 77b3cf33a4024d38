/**
 * The demo instances of `npm start` (processes/demo-instances.ts) on the full runtime, SQLite and MariaDB + Bull:
 * after the fiscal demo data and the bundled processes, each DEMO-… instance stands where it should, the demo
 * user who acts next sees it in the inbox, the indicator ledger shows what the payments hold and spent, and a
 * second run adds nothing.
 */
import { checkInvariants } from '../../server/check/index.js';
import assert from 'node:assert/strict';
import { deployBundledProcesses } from '../../server/cli/bundled-processes.js';
import { seedFiscalData } from '../../processes/seed-fiscal-data.js';
import {
  DEMO_BUSINESS_KEYS,
  seedDemoInstances,
  type DemoInstanceResult,
} from '../../processes/demo-instances.js';
import { IndicatorLedger } from '../../processes/treasury-payment/indicator-ledger.js';
import { createTestServer, type TestServer } from '../helpers/server-harness.js';
import { TestClock, type Backend } from '../helpers/engine-harness.js';

/** Where each demo instance waits: the process, the open step and the demo user who acts on it. */
const WAITING: Record<string, { processKey: string; elementId: string; user: string }> = {
  'DEMO-ZF-001': { processKey: 'treasuryPayment', elementId: 'B5_unitChief', user: 'zhongmou.school1.chief' },
  'DEMO-ZF-002': {
    processKey: 'treasuryPayment',
    elementId: 'B7_financeReview',
    user: 'zhongmou.paycenter.reviewer',
  },
  'DEMO-ZF-003': { processKey: 'treasuryPayment', elementId: 'B3_apply', user: 'zhongmou.school1.clerk' },
  'DEMO-ZF-006': {
    processKey: 'treasuryWarningReview',
    elementId: 'W4_financeFirstReview',
    user: 'zhongmou.treasury.reviewer',
  },
  'DEMO-ZF-007': {
    processKey: 'treasuryPayment',
    elementId: 'B5_unitDirector',
    user: 'gongyi.school1.director',
  },
  'DEMO-ZF-008': {
    processKey: 'treasuryPayment',
    elementId: 'B7_financeReview',
    user: 'zhengzhou.paycenter.reviewer',
  },
  'DEMO-XM-001': {
    processKey: 'projectLibrary',
    elementId: 'P2_department',
    user: 'zhongmou.education.reviewer',
  },
  'DEMO-YS-410122-2027': {
    processKey: 'budgetUnitSubmission',
    elementId: 'A2_proposal',
    user: 'zhongmou.school1.clerk',
  },
  'DEMO-FS-002': {
    processKey: 'nonTaxCollection',
    elementId: 'C4_confirmArrival',
    user: 'zhongmou.nontax.clerk',
  },
  'DEMO-FS-004': {
    processKey: 'nonTaxRefund',
    elementId: 'R3_upperReview',
    user: 'zhengzhou.nontax.reviewer',
  },
  'DEMO-ZY-001': {
    processKey: 'transferPaymentApplication',
    elementId: 'TP4_cityReview',
    user: 'zhengzhou.business.reviewer',
  },
};

for (const backend of ['sqlite', 'mysql'] as Backend[]) {
  describe(`processes/demo-instances (the living system of npm start) [${backend}]`, function () {
    this.timeout(60_000);
    // Monday 2 March 2026, 09:00 in Beijing: within the demo indicators' year and the 巩义 monthly plans
    const clock = new TestClock(Date.parse('2026-03-02T01:00:00.000Z'));
    let t: TestServer;
    let first: DemoInstanceResult;
    const lines: string[] = [];

    before(async function () {
      t = await createTestServer(backend, { clock });
      await seedFiscalData(t.services.knex, { demo: true, now: clock.now() });
      await deployBundledProcesses(t.server.runtime, () => undefined);
      first = await seedDemoInstances(t.engine, t.services.knex, {
        out: (line) => lines.push(line),
        now: () => clock.now(),
      });
    });
    after(() => t?.close());

    const root = async (businessKey: string) => {
      const [found] = await t.engine.listInstances({ businessKey, parentInstanceId: null });
      assert.ok(found, `${businessKey} exists`);
      return t.engine.getInstance(found.id);
    };

    it('should start every demo instance, logging one line each and a summary', function () {
      assert.deepEqual(first.failed, []);
      assert.deepEqual(first.created, [...DEMO_BUSINESS_KEYS]);
      assert.equal(DEMO_BUSINESS_KEYS.length, 15);
      assert.ok(DEMO_BUSINESS_KEYS.every((k) => k.startsWith('DEMO-')));
      for (const key of DEMO_BUSINESS_KEYS) {
        assert.ok(
          lines.some((l) => l.startsWith(`Demo instance ${key}: `)),
          `a line for ${key}`,
        );
      }
      assert.equal(lines.at(-1), 'Demo instances: 15 started, 0 already there');
    });

    it('should leave each waiting instance at its step, in the inbox of the demo user who acts next', async function () {
      for (const [businessKey, { processKey, elementId, user }] of Object.entries(WAITING)) {
        assert.equal((await root(businessKey)).status, 'running', businessKey);
        const inbox = await t.engine.listTasks({
          visibleTo: { userId: user },
          businessKey,
          state: 'created',
        });
        assert.deepEqual(
          inbox.map((task) => `${task.processKey}/${task.elementId}`),
          [`${processKey}/${elementId}`],
          `${businessKey} in the inbox of ${user}`,
        );
        const holder = await t.engine.getInstance(inbox[0]!.instanceId);
        assert.ok(holder.activeElementIds.includes(elementId), `${businessKey} is at ${elementId}`);
      }
      // the chief's whole inbox: exactly the demo payment waiting for him
      const chief = await t.engine.listTasks({
        visibleTo: { userId: 'zhongmou.school1.chief' },
        state: 'created',
      });
      assert.deepEqual(
        chief.map((task) => task.elementId),
        ['B5_unitChief'],
      );
    });

    it('should show the payment modes, the 退回, the 红色预警 and the budget cycle as they happened', async function () {
      const returned = await t.engine.history((await root('DEMO-ZF-003')).id);
      assert.ok(
        returned.some((h) => h.type === 'TASK_RETURNED'),
        'a 退回 in the history',
      );
      assert.equal((await root('DEMO-ZF-007')).variables.paymentMode, 'authorized');
      assert.equal((await root('DEMO-ZF-008')).variables.paymentMode, 'direct');
      const red = await root('DEMO-ZF-006');
      assert.ok(red.activeElementIds.includes('B4_warningReview'));
      assert.equal(red.variables.warningLevel, 'red');
      // the cycle: 县二中 sent its 一上, 县一中 has not yet
      const proposals = await t.engine.listTasks({
        businessKey: 'DEMO-YS-410122-2027',
        elementId: 'A2_proposal',
        states: ['created', 'completed'],
      });
      assert.deepEqual(
        proposals.map((task) => [task.state, task.completedBy ?? task.candidateUsers.join()]).sort(),
        [
          ['completed', 'zhongmou.school2.clerk'],
          ['created', 'zhongmou.school1.clerk'],
        ],
      );
      // the notice waits for its payment; the project is 申报中 in the library
      const notice = await root('DEMO-FS-001');
      assert.ok(notice.activeElementIds.includes('C3_dueTimer'));
      assert.equal(Number(notice.variables.payableFen), 60_000);
      const project = await t.services
        .knex('budget_projects')
        .where({ id: (await root('DEMO-XM-001')).id })
        .first();
      assert.equal(project?.status, '申报中');
    });

    it('should have completed the paid ones: 回单 consumed, 考务费 paid and split', async function () {
      const paid = await root('DEMO-ZF-004');
      assert.equal(paid.status, 'completed');
      assert.ok(paid.completedElementIds.includes('endPaid'));
      const row = await t.services.knex('treasury_payments').where({ instance_id: paid.id }).first();
      assert.equal(row.status, 'paid');
      assert.equal(row.bank_serial, 'ICBC-ZM-20260001');
      const atBank = await root('DEMO-ZF-005');
      assert.ok(atBank.activeElementIds.includes('B9_bankPayment'));
      assert.match(String(atBank.variables.voucherNo), /^ZF410122/);
      // 县一中 教学设备购置 (200 万元): held by the open payments, 4.8 万元 spent
      const ledger = new IndicatorLedger(t.services.knex, () => clock.now());
      const equipment = (await ledger.get('ZB-410122BMJY001-02'))!;
      const held = 3_600_000 + 62_000_000 + 2_560_000 + 1_580_000 + 6_500_000;
      assert.deepEqual(
        [equipment.availableFen, equipment.reservedFen, equipment.consumedFen],
        [200_000_000 - held - 4_800_000, held, 4_800_000],
      );
      const kwf = await root('DEMO-FS-003');
      assert.equal(kwf.status, 'completed');
      assert.equal(kwf.variables.writtenOff, true);
      const refund = await root('DEMO-FS-004');
      assert.equal(refund.variables.noticeNo, kwf.variables.noticeNo);
    });

    it('should add nothing when run again', async function () {
      const before = await t.engine.countInstances({});
      const again: string[] = [];
      const second = await seedDemoInstances(t.engine, t.services.knex, { out: (line) => again.push(line) });
      assert.deepEqual(second.created, []);
      assert.deepEqual(second.failed, []);
      assert.deepEqual(second.existing, [...DEMO_BUSINESS_KEYS]);
      assert.deepEqual(again, []);
      assert.equal(await t.engine.countInstances({}), before);
    });

    it('should leave a system whose invariants hold (fiscal-bpm check)', async function () {
      const results = await checkInvariants(t.services.knex, { horizonMs: 60_000 });
      assert.deepEqual(
        results.filter((r) => !r.ok).map((r) => ({ invariant: r.invariant, violations: r.violations })),
        [],
      );
      assert.equal(results.length, 7);
    });
  });
}

describe('processes/demo-instances without the workers [sqlite]', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async function () {
    t = await createTestServer('sqlite', { workers: false });
    await seedFiscalData(t.services.knex, { demo: true });
    await deployBundledProcesses(t.server.runtime, () => undefined);
  });
  after(() => t?.close());

  it('should report the instance nothing advanced and stop, instead of holding the start for every instance', async function () {
    const lines: string[] = [];
    const result = await seedDemoInstances(t.engine, t.services.knex, {
      out: (line) => lines.push(line),
      stepTimeoutMs: 300,
    });
    assert.deepEqual(result.created, []);
    assert.deepEqual(
      result.failed.map((f) => f.businessKey),
      ['DEMO-ZF-001'],
    );
    assert.match(
      result.failed[0]!.message,
      /waiting for B3_apply for zhongmou\.school1\.clerk: still at B3_apply/,
    );
    assert.match(lines.at(-1)!, /^Demo instances: 0 started, 0 already there, 1 failed$/);
  });
});
