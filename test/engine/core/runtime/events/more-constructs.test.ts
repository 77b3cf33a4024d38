import assert from 'node:assert/strict';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  TestClock,
} from '../../../../helpers/engine-harness.js';

forEachBackend(
  'runtime/events (signal throw and boundary, escalation interrupting, multi-instance sub-process)',
  (backend) => {
    let t: TestEngine;
    beforeEach(async function () {
      t = await createTestEngine(backend, { clock: new TestClock() });
      await t.deployFixture(import.meta, 'more-constructs.bpmn');
    });
    afterEach(() => t?.close());

    it('should deliver a thrown signal to an interrupting signal boundary in another instance', async function () {
      const waiting = await t.engine.startInstance('signalBoundaryAndEsp');
      const thrower = await t.engine.startInstance('signalThrower');
      assert.equal(thrower.status, 'completed');
      assert.deepEqual(
        (await t.engine.getInstance(waiting.id)).activeElementIds,
        ['draft'],
        'the signal goes out only after commit, through a job',
      );
      await t.runPendingJobs();
      assert.deepEqual((await t.engine.getInstance(waiting.id)).activeElementIds, ['onHold']);
    });

    it('should run a non-interrupting signal event sub-process each time the signal comes', async function () {
      const instance = await t.engine.startInstance('signalBoundaryAndEsp');
      await t.engine.broadcastSignal('noticeIssued');
      await t.engine.broadcastSignal('noticeIssued');
      const view = await t.engine.getInstance(instance.id);
      assert.deepEqual(view.activeElementIds, ['draft', 'onNotice', 'readNotice']);
      assert.equal((await t.openTasks(instance.id)).filter((x) => x.elementId === 'readNotice').length, 2);
    });

    it('should end the whole sub-process on an interrupting escalation boundary', async function () {
      const instance = await t.engine.startInstance('escalationInterrupting');
      const view = await t.engine.getInstance(instance.id);
      assert.deepEqual(view.activeElementIds, ['afterStop']);
      assert.deepEqual(
        (await t.engine.listTasks({ instanceId: instance.id, state: 'canceled' })).map((x) => x.elementId),
        ['longTask'],
      );
    });

    it('should run a multi-instance sub-process by cardinality until its completion condition holds', async function () {
      const instance = await t.engine.startInstance('miSubProcess', { variables: { unitCount: 4 } });
      let fills = (await t.openTasks(instance.id)).filter((x) => x.elementId === 'fill');
      assert.equal(fills.length, 4);
      await t.engine.completeTask(fills[0]!.id);
      fills = (await t.openTasks(instance.id)).filter((x) => x.elementId === 'fill');
      assert.equal(fills.length, 3);
      await t.engine.completeTask(fills[0]!.id);
      const view = await t.engine.getInstance(instance.id);
      assert.deepEqual(view.activeElementIds, ['consolidate']);
      assert.equal((await t.engine.listTasks({ instanceId: instance.id, state: 'canceled' })).length, 2);
    });
  },
);
