import assert from 'node:assert/strict';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  TestClock,
} from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/events/event-based-gateway and event sub-processes', (backend) => {
  let t: TestEngine;
  let clock: TestClock;
  beforeEach(async function () {
    clock = new TestClock();
    t = await createTestEngine(backend, { clock });
    await t.deployFixture(import.meta, 'event-based-gateway.bpmn');
    await t.deployFixture(import.meta, 'event-sub-process.message-and-error.bpmn');
  });
  afterEach(() => t?.close());

  it('should take the message when it comes first and cancel the timer', async function () {
    const instance = await t.engine.startInstance('waitForPayment', { variables: { noticeNo: 'FS-1' } });
    assert.deepEqual(instance.activeElementIds, ['firstOf']);
    await t.engine.correlateMessage('paid', { correlationKey: 'FS-1' });
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['reconcile']);
    const jobs = await t.engine.listJobs({ instanceId: instance.id });
    assert.deepEqual(
      jobs.map((j) => `${j.elementId}:${j.state}`),
      ['dueDate:canceled'],
    );
    clock.advance(16 * 86_400_000);
    assert.equal(await t.engine.fireDueTimers(), 0);
  });

  it('should take the timer when it comes first and close the message subscription', async function () {
    const instance = await t.engine.startInstance('waitForPayment', { variables: { noticeNo: 'FS-2' } });
    clock.advance(15 * 86_400_000);
    assert.equal(await t.engine.fireDueTimers(), 1);
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['overdue']);
    await assert.rejects(t.engine.correlateMessage('paid', { correlationKey: 'FS-2', ttlMs: 0 }), {
      code: 'MESSAGE_NOT_CORRELATED',
    });
  });

  it('should interrupt the whole scope with a message event sub-process', async function () {
    const instance = await t.engine.startInstance('eventSubProcesses', {
      variables: { applicationNo: 'SQ-9' },
    });
    assert.deepEqual(instance.activeElementIds, ['a', 'b']);
    await t.engine.correlateMessage('withdraw', { correlationKey: 'SQ-9' });
    const view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['confirmWithdraw', 'onWithdraw']);
    assert.equal((await t.engine.listTasks({ instanceId: instance.id, state: 'canceled' })).length, 2);
    await t.complete(instance.id, 'confirmWithdraw');
    assert.equal((await t.engine.getInstance(instance.id)).status, 'completed');
  });

  it('should catch an error end event with the catch-all error event sub-process', async function () {
    const instance = await t.engine.startInstance('eventSubProcesses', {
      variables: { applicationNo: 'SQ-10' },
    });
    await t.complete(instance.id, 'b');
    const view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['handleError', 'onError']);
    assert.deepEqual(
      await t.infrastructure.knex('event_subscriptions').where({ instance_id: instance.id }),
      [],
    );
  });
});
