/**
 * The invariant checker (server/check/, `fiscal-bpm check`) on a real test server: after instances of every
 * kind of wait (user task, timer, message, event-based gateway, call activity, multi-instance, a parallel join,
 * a treasury payment holding its reservation) all six invariants hold; then one violation per invariant is
 * written straight into the database, and each is reported with the ids of the rows concerned and makes the
 * CLI exit 1 naming it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { checkInvariants, type InvariantName, type InvariantResult } from '../../../server/check/index.js';
import { runCheck } from '../../../server/cli/check.js';
import { main } from '../../../server/cli/main.js';
import { seedTreasuryDemo } from '../../../processes/treasury-payment/demo-seed.js';
import { IndicatorLedger } from '../../../processes/treasury-payment/indicator-ledger.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { TestClock, forEachBackend, waitFor } from '../../helpers/engine-harness.js';
import { singleTask } from '../../helpers/bpmn-builder.js';
import {
  PROCESS_FILES,
  apply,
  application,
  newIndicator,
  type TreasuryTest,
} from '../../processes/treasury-payment/treasury-payment-helpers.js';

const events = (file: string) =>
  readFileSync(fileURLToPath(new URL(`../../engine/core/runtime/events/${file}`, import.meta.url)), 'utf8');

/** A parallel split whose one branch reaches the join at once (a `joining` token) while the other waits. */
const JOIN_WAIT = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="http://fiscal-bpm.org/test">
  <bpmn:process id="checkJoin" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split" />
    <bpmn:parallelGateway id="split" />
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="join" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="review" />
    <bpmn:userTask id="review" />
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="join" />
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="f5" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

const SETTLING_KINDS = ['service', 'route', 'call', 'child-event', 'cancel-child', 'message', 'signal'];

function byName(results: InvariantResult[], name: InvariantName): InvariantResult {
  return results.find((r) => r.invariant === name)!;
}

function dirty(results: InvariantResult[]): string {
  return results
    .filter((r) => !r.ok)
    .map(
      (r) => `${r.invariant}: ${r.violations.map((v) => `${v.message} ${JSON.stringify(v.ids)}`).join('; ')}`,
    )
    .join('\n');
}

forEachBackend('server/check invariants', (backend) => {
  let t: TestServer;
  let clock: TestClock;
  let ledger: IndicatorLedger;
  const ids: Record<string, string> = {};

  before(async function () {
    this.timeout(60_000);
    // given a server at a working-day morning with the test processes and the treasury payment deployed
    clock = new TestClock(Date.parse('2026-03-02T01:00:00.000Z'));
    t = await createTestServer(backend, { clock });
    ledger = new IndicatorLedger(t.services.knex, () => clock.now());
    for (const file of PROCESS_FILES) await t.engine.deploy(readFileSync(file));
    await seedTreasuryDemo(t.services.knex, clock.now());
    for (const xml of [
      events('timers.catch-and-boundaries.bpmn'),
      events('messages.payment-receipt.bpmn'),
      events('event-based-gateway.bpmn'),
      events('call-activity.parent-child.bpmn'),
      events('multi-instance.approvals.bpmn'),
      singleTask('checkSingle'),
      JOIN_WAIT,
    ])
      await t.engine.deploy(xml);

    // and instances waiting in every way an instance can wait
    const start = (key: string, variables: Record<string, unknown> = {}) =>
      t.engine.startInstance(key, { initiator: 'zhongmou.school1.clerk', variables });
    ids.timer = (await start('timerCases')).id;
    ids.receipt = (await start('paymentReceipt', { voucherNo: 'V-CHECK-1' })).id;
    // a user task with message boundaries (their subscriptions carry the boundaries' element ids)
    ids.review = (await start('paymentReceipt', { voucherNo: 'V-CHECK-2' })).id;
    ids.gateway = (await start('waitForPayment', { noticeNo: 'N-CHECK-1' })).id;
    ids.call = (await start('callParent', { amountFen: 100_00, unit: 'school' })).id;
    ids.countersign = (
      await start('countersign', { reviewers: ['henan.admin', 'zhongmou.treasury.chief'] })
    ).id;
    ids.single = (await start('checkSingle')).id;
    ids.join = (await start('checkJoin')).id;
    // the receipt instance moves past its user task to the message catch event
    const [review] = await t.engine.listTasks({ instanceId: ids.receipt, elementId: 'review' });
    await t.engine.completeTask(review!.id, { actor: 'zhongmou.school1.clerk' });
    // and a treasury payment that reserved its amount on a fresh indicator
    const ctx: TreasuryTest = { t, clock, ledger, close: () => t.close() };
    const indicator = await newIndicator(ctx, 1_000_000_00);
    ids.indicator = indicator.id;
    ids.payment = await apply(ctx, application(indicator.id, 12_345_00));
    await waitFor(
      async () => ((await ledger.get(indicator.id))?.reservedFen ?? 0) > 0,
      'the payment to reserve its amount',
      20_000,
    );
    // when every outbox job but timers and deadlines has run (the system is at rest)
    await waitFor(
      async () => {
        const [row] = await t.services
          .knex('jobs')
          .where({ state: 'pending' })
          .whereIn('kind', SETTLING_KINDS)
          .count({ n: '*' });
        const children = await t.services.knex('process_instances').where({ parent_instance_id: ids.call });
        return Number(row!.n) === 0 && children.length === 1;
      },
      'the system to settle',
      20_000,
    );
  });
  after(async function () {
    this.timeout(30_000);
    await t?.close();
  });

  it('should find all seven invariants holding on a healthy system', async function () {
    const results = await checkInvariants(t.services.knex, { now: clock.now() });
    assert.deepEqual(
      results.map((r) => r.invariant),
      ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7'],
    );
    assert.equal(dirty(results), '', 'no violation');
    // the instances really are waiting in the ways this test is about
    const states = await t.services.knex('executions').select('instance_id', 'element_id', 'state');
    const at = (instanceId: string) =>
      states
        .filter((s) => s.instance_id === instanceId)
        .map((s) => `${s.element_id}:${s.state}`)
        .sort();
    assert.deepEqual(at(ids.timer!), ['waitOneHour:waiting']);
    assert.deepEqual(at(ids.receipt!), ['waitReceipt:waiting']);
    assert.deepEqual(at(ids.review!), ['review:waiting']);
    assert.deepEqual(at(ids.gateway!), ['firstOf:waiting']);
    assert.deepEqual(at(ids.call!), ['callReview:waiting']);
    assert.deepEqual(at(ids.countersign!), ['vote:scope', 'vote:waiting', 'vote:waiting']);
    assert.deepEqual(at(ids.join!), ['join:joining', 'review:waiting']);
    const entries = await ledger.entriesOfPayment(ids.payment!);
    assert.ok(
      entries.some((e) => e.kind === 'reserve'),
      'the payment holds a reservation',
    );

    const lines: string[] = [];
    assert.equal(
      await runCheck(
        { DATABASE_URL: '', RECONCILE_HORIZON_MS: 60_000 },
        { knex: t.services.knex, now: clock.now() },
        (l) => lines.push(l),
        () => {},
      ),
      0,
    );
    assert.equal(lines.filter((l) => l.startsWith('OK ')).length, 7, lines.join('\n'));
  });

  it('should report one injected violation per invariant with its ids, and make the CLI exit 1 naming each', async function () {
    const knex = t.services.knex;
    // the workers and the outbox relay stop first, so nothing repairs or publishes what is injected
    await t.engine.stop();
    // given: I1, the waiting task of the single-task instance is gone
    const [task] = await knex('user_tasks').where({ instance_id: ids.single, state: 'created' });
    await knex('user_tasks').where({ id: task.id }).delete();
    // I2: a history row of an instance that does not exist
    const ghost = randomUUID();
    await knex('history_events').insert({
      instance_id: ghost,
      seq: 1,
      idx: 0,
      type: 'INSTANCE_STARTED',
      at: new Date(clock.now()),
    });
    // I3: the payment consumed more than it reserved (an entry applied on top of the reservation)
    await knex('treasury_ledger_entries').insert({
      indicator_id: ids.indicator,
      kind: 'consume',
      amount_fen: 20_000_00,
      payment_ref: ids.payment,
      effect_key: `check-test:${randomUUID()}`,
      at: new Date(clock.now()),
    });
    // I4: a demo indicator's allocation raised outside the ledger (the row stays balanced, its CHECKs pass)
    const [other] = await knex('treasury_indicators').whereNot({ id: ids.indicator }).orderBy('id').limit(1);
    await knex('treasury_indicators')
      .where({ id: other.id })
      .update({
        allocated_fen: knex.raw('allocated_fen + 100'),
        available_fen: knex.raw('available_fen + 100'),
      });
    // I5: the audit row of the timer instance's first history row is deleted
    const [audit] = await knex('audit_log').where({ instance_id: ids.timer }).orderBy('seq').limit(1);
    await knex('audit_log').where({ id: audit.id }).delete();
    // I6: an outbox row written two minutes ago and never published
    const staleJob = randomUUID();
    const twoMinutesAgo = new Date(clock.now() - 120_000);
    await knex('jobs').insert({
      id: staleJob,
      element_id: 'throwSomething',
      kind: 'message',
      state: 'pending',
      attempt: 1,
      retries_left: 9,
      due_at: twoMinutesAgo,
      created_at: twoMinutesAgo,
      updated_at: twoMinutesAgo,
    });

    // I7: that deleted task was open, so its org's open-task counter now counts one task too many
    const openTaskOrg = String(task.org_path ?? '');

    // when the checker runs
    const results = await checkInvariants(knex, { now: clock.now(), horizonMs: 60_000 });

    // then each invariant names the rows
    const i1 = byName(results, 'I1');
    assert.deepEqual(
      i1.violations.map((v) => [v.ids.instanceId, v.ids.executionId, v.ids.elementId]),
      [[ids.single, task.execution_id, 'task']],
      dirty(results),
    );
    const i2 = byName(results, 'I2');
    assert.deepEqual(
      i2.violations.map((v) => v.ids.instanceId),
      [ghost],
    );
    const i3 = byName(results, 'I3');
    assert.deepEqual(
      i3.violations.map((v) => [v.ids.paymentRef, v.ids.indicatorId]),
      [[ids.payment, ids.indicator]],
    );
    const i4 = byName(results, 'I4');
    assert.deepEqual(
      [...new Set(i4.violations.map((v) => v.ids.indicatorId))].sort(),
      [ids.indicator!, String(other.id)].sort(),
    );
    assert.ok(
      i4.violations.some(
        (v) => v.ids.indicatorId === other.id && /allocated is \d+ 分 but its ledger/.test(v.message),
      ),
    );
    const i5 = byName(results, 'I5');
    assert.ok(
      i5.violations.some((v) => v.ids.instanceId === ids.timer && /has no audit row/.test(v.message)),
      dirty(results),
    );
    assert.ok(
      i5.violations.some(
        (v) => v.ids.chainId === `instance:${ids.timer}` && /broken \(deleted\)/.test(v.message),
      ),
      dirty(results),
    );
    assert.ok(
      i5.violations.some((v) => v.ids.instanceId === ghost),
      'the ghost history row has no audit row either',
    );
    const i6 = byName(results, 'I6');
    assert.deepEqual(
      i6.violations.map((v) => v.ids.jobId),
      [staleJob],
    );
    const i7 = byName(results, 'I7');
    assert.deepEqual(
      i7.violations.map((v) => v.ids.orgPath),
      [openTaskOrg],
    );
    assert.ok(results.every((r) => !r.ok));

    // and the command exits 1, printing each failed invariant and the ids
    const lines: string[] = [];
    const code = await runCheck(
      { DATABASE_URL: '', RECONCILE_HORIZON_MS: 60_000 },
      { knex, now: clock.now() },
      (l) => lines.push(l),
      () => {},
    );
    assert.equal(code, 1);
    const text = lines.join('\n');
    for (const name of ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7'])
      assert.match(text, new RegExp(`^FAIL ${name} `, 'm'));
    for (const id of [task.execution_id, ghost, ids.payment!, String(other.id), staleJob])
      assert.ok(text.includes(id), id);
    const json: string[] = [];
    await runCheck(
      { DATABASE_URL: '', RECONCILE_HORIZON_MS: 60_000 },
      { knex, json: true, now: clock.now() },
      (l) => json.push(l),
      () => {},
    );
    const parsed = JSON.parse(json.join('\n')) as InvariantResult[];
    assert.deepEqual(
      parsed.map((r) => r.ok),
      [false, false, false, false, false, false, false],
    );
  });
});

describe('cli/check --help', function () {
  it('should explain the command and its invariants', async function () {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (
      lines.push(String(chunk)),
      true
    )) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['check', '--help']);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0);
    assert.match(lines.join(''), /^fiscal-bpm check \[--json\]/);
    assert.match(lines.join(''), /I6 no pending outbox job/);
  });
});
