import assert from 'node:assert/strict';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  TestClock,
} from '../../../../helpers/engine-harness.js';
import { chinaCalendar } from '../../../../../engine/core/time/calendars/china-calendar.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

forEachBackend('runtime/events/timers', (backend) => {
  let t: TestEngine;
  let clock: TestClock;
  beforeEach(async function () {
    clock = new TestClock(Date.parse('2026-02-12T01:00:00.000Z')); // Thursday 09:00 China time, before 春节
    t = await createTestEngine(backend, { clock });
  });
  afterEach(() => t?.close());

  const timerJobs = async (instanceId: string) =>
    (await t.engine.listJobs({ instanceId })).filter((j) => j.kind === 'timer');

  it('should fire an intermediate timer at its due time, never early', async function () {
    // given
    await t.deployFixture(import.meta, 'timers.catch-and-boundaries.bpmn');
    const instance = await t.engine.startInstance('timerCases');
    assert.deepEqual(instance.activeElementIds, ['waitOneHour']);
    const [job] = await timerJobs(instance.id);
    assert.equal(job!.dueAt, clock.now() + HOUR);

    // when a minute early
    clock.advance(HOUR - 60_000);
    assert.equal(await t.engine.fireDueTimers(), 0);
    assert.equal(await t.engine.handleJob(job!.id, job!.attempt), 'early');
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['waitOneHour']);

    // then on time
    clock.advance(60_000);
    assert.equal(await t.engine.fireDueTimers(), 1);
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['approve']);
    assert.equal(await t.engine.fireDueTimers(), 0, 'a timer fires once');
    const fired = (await t.engine.history(instance.id)).filter((h) => h.type === 'TIMER_FIRED');
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.data?.dueAt, job!.dueAt);
  });

  it('should fire a timer from its queue message (instance named), never early, once, and settle a stale one', async function () {
    // given
    await t.deployFixture(import.meta, 'timers.catch-and-boundaries.bpmn');
    const instance = await t.engine.startInstance('timerCases');
    const [job] = await timerJobs(instance.id);
    const hint = { timerInstanceId: instance.id };

    // when delivered early, then on time, then again
    clock.advance(HOUR - 60_000);
    assert.equal(await t.engine.handleJob(job!.id, job!.attempt, hint), 'early');
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['waitOneHour']);
    clock.advance(60_000);
    assert.equal(await t.engine.handleJob(job!.id, job!.attempt + 1, hint), 'skipped', 'another attempt');
    assert.equal(await t.engine.handleJob(job!.id, job!.attempt, hint), 'done');
    assert.equal(await t.engine.handleJob(job!.id, job!.attempt, hint), 'skipped', 'a second delivery');

    // then
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['approve']);
    const fired = (await t.engine.history(instance.id)).filter((h) => h.type === 'TIMER_FIRED');
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.data?.dueAt, job!.dueAt);
    assert.equal(
      (await t.engine.listJobs({ instanceId: instance.id })).find((j) => j.id === job!.id)?.state,
      'done',
    );

    // and a message naming an instance that does not exist does nothing
    assert.equal(
      await t.engine.handleJob(job!.id, job!.attempt, { timerInstanceId: 'no-such-instance' }),
      'skipped',
    );
  });

  it('should settle a timer whose instance ended before its message came', async function () {
    await t.deployFixture(import.meta, 'timers.catch-and-boundaries.bpmn');
    const instance = await t.engine.startInstance('timerCases');
    const [job] = await timerJobs(instance.id);
    await t.engine.terminateInstance(instance.id, { actor: 'admin', reason: 'withdrawn' });
    clock.advance(HOUR);
    assert.equal(
      await t.engine.handleJob(job!.id, job!.attempt, { timerInstanceId: instance.id }),
      'skipped',
    );
    const [after] = await t.engine.listJobs({ instanceId: instance.id });
    assert.notEqual(after?.state, 'pending', 'not left for the reconciler');
  });

  it('should remind every 2 days without interrupting, then escalate after 3 working days across the holiday', async function () {
    // given the task is open on Thursday 2026-02-12
    await t.deployFixture(import.meta, 'timers.catch-and-boundaries.bpmn');
    const instance = await t.engine.startInstance('timerCases');
    clock.advance(HOUR);
    await t.engine.fireDueTimers();
    const opened = clock.now();
    const boundaries = (await timerJobs(instance.id)).filter((j) => j.state === 'pending');
    const deadline = boundaries.find((j) => j.elementId === 'deadline3WorkingDays')!;
    // 3 working days after Thu 02-12: Fri 13, Sat 14 (调休上班), Tue 24 (15–23 春节) → end of 02-24 China time
    assert.equal(deadline.dueAt, chinaCalendar().addWorkingDays(opened, 3));
    assert.equal(new Date(deadline.dueAt).toISOString(), '2026-02-24T16:00:00.000Z');

    // when 2 and 4 days pass, the reminder fires each time and the task stays
    clock.advance(2 * DAY);
    assert.equal(await t.engine.fireDueTimers(), 1);
    clock.advance(2 * DAY);
    assert.equal(await t.engine.fireDueTimers(), 1);
    let view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['approve']);
    assert.equal(view.completedElementIds.includes('reminded'), true);

    // when the working-day deadline passes (02-24 end), the task is interrupted and escalated
    clock.current = deadline.dueAt;
    await t.engine.fireDueTimers();
    view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['escalate']);
    const states = (await timerJobs(instance.id)).map((j) => `${j.elementId}:${j.state}`).sort();
    assert.deepEqual(states, ['deadline3WorkingDays:done', 'remindEvery2Days:canceled', 'waitOneHour:done']);
    const canceled = await t.engine.listTasks({ instanceId: instance.id, state: 'canceled' });
    assert.deepEqual(
      canceled.map((x) => x.elementId),
      ['approve'],
    );
  });

  it('should cancel the boundary timers when the task completes in time', async function () {
    await t.deployFixture(import.meta, 'timers.catch-and-boundaries.bpmn');
    const instance = await t.engine.startInstance('timerCases');
    clock.advance(HOUR);
    await t.engine.fireDueTimers();
    await t.complete(instance.id, 'approve');
    assert.equal((await t.engine.getInstance(instance.id)).status, 'completed');
    assert.deepEqual(
      (await timerJobs(instance.id)).filter((j) => j.state === 'pending'),
      [],
    );
    clock.advance(30 * DAY);
    assert.equal(await t.engine.fireDueTimers(), 0);
  });

  it('should start instances from a timer start event cycle, three times, and stop after a new version', async function () {
    // given R3 from 2026-03-02T10:00+08:00 every hour
    const [v1] = await t.engine.deploy(t.fixtureText(import.meta, 'timers.start-event.bpmn'));
    const [job] = await t.engine.listJobs({ definitionId: v1!.definitionId });
    assert.equal(new Date(job!.dueAt).toISOString(), '2026-03-02T02:00:00.000Z');

    // when time passes the first two firings
    clock.current = Date.parse('2026-03-02T03:00:00.000Z');
    assert.equal(await t.engine.fireDueTimers(), 1, 'only the oldest due firing of one row fires per pass');
    assert.equal(await t.engine.fireDueTimers(), 1);
    assert.equal((await t.engine.listInstances({ processKey: 'timerStart' })).length, 2);

    // then a new version replaces the start timer
    await t.engine.deploy(
      t
        .fixtureText(import.meta, 'timers.start-event.bpmn')
        .replace('<bpmn:userTask id="collect" />', '<bpmn:userTask id="collect" name="v2" />'),
    );
    const [old] = await t.engine.listJobs({ definitionId: v1!.definitionId });
    assert.equal(old!.state, 'canceled');
    clock.current = Date.parse('2026-03-02T10:00:00.000Z');
    assert.equal(await t.engine.fireDueTimers(), 1, 'the new version fires its own (first) due time');
    const started = await t.engine.listInstances({ processKey: 'timerStart' });
    assert.equal(started.length, 3);
  });

  it('should start a non-interrupting timer event sub-process in the process scope, and stop listening when the instance ends', async function () {
    await t.deployFixture(import.meta, 'timers.event-sub-process.bpmn');
    const instance = await t.engine.startInstance('timerEventSubProcess');
    clock.advance(DAY);
    assert.equal(await t.engine.fireDueTimers(), 1);
    let view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['dailyNotice', 'readNotice', 'work']);
    await t.complete(instance.id, 'readNotice');
    await t.complete(instance.id, 'work');
    view = await t.engine.getInstance(instance.id);
    assert.equal(view.status, 'completed');
    assert.deepEqual(
      (await timerJobs(instance.id)).filter((j) => j.state === 'pending'),
      [],
    );
  });

  it('should fire overdue timers after downtime in due order (catch-up)', async function () {
    await t.deployFixture(import.meta, 'timers.catch-and-boundaries.bpmn');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await t.engine.startInstance('timerCases')).id);
      clock.advance(60_000);
    }
    // when nothing ran for a day
    clock.advance(DAY);
    await t.engine.fireDueTimers();
    const firedOrder = (
      await t.infrastructure
        .knex('history_events')
        .where({ type: 'TIMER_FIRED', element_id: 'waitOneHour' })
        .orderBy('id')
    ).map((r: { instance_id: string }) => r.instance_id);
    assert.deepEqual(firedOrder, ids);
  });
});
