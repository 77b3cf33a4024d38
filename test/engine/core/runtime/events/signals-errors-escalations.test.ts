import assert from 'node:assert/strict';
import { BpmnError } from '../../../../../engine/index.js';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  TestClock,
} from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/events/signals-errors-escalations', (backend) => {
  let t: TestEngine;
  let quota = 'ok';
  beforeEach(async function () {
    t = await createTestEngine(backend, {
      clock: new TestClock(),
      handlers: {
        'indicator.reserve': async () => {
          if (quota === 'exceeded') throw new BpmnError('QUOTA_EXCEEDED', '指标余额不足');
          if (quota === 'unknown') throw new BpmnError('SOMETHING_ELSE');
          return { reservedFen: 100 };
        },
      },
    });
    await t.deployFixture(import.meta, 'signals-errors-escalations.bpmn');
  });
  afterEach(() => t?.close());

  it('should broadcast a signal to every waiting instance and start signal start events', async function () {
    const a = await t.engine.startInstance('signalCatch');
    const b = await t.engine.startInstance('signalCatch');
    const caught = await t.engine.broadcastSignal('npcSessionClosed', { variables: { sessionNo: 14 } });
    assert.equal(caught, 3);
    assert.deepEqual((await t.engine.getInstance(a.id)).activeElementIds, ['publish']);
    assert.deepEqual((await t.engine.getInstance(b.id)).activeElementIds, ['publish']);
    const started = await t.engine.listInstances({ processKey: 'signalStart' });
    assert.equal(started.length, 1);
    assert.equal(
      await t.engine.broadcastSignal('npcSessionClosed'),
      1,
      'the catch events are no longer waiting; the start event still listens',
    );
  });

  it('should catch an error end event inside a sub-process with the error boundary of the sub-process', async function () {
    const instance = await t.engine.startInstance('errorCases', { variables: { docsComplete: false } });
    const view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['supplement']);
    const thrown = (await t.engine.history(instance.id)).find((h) => h.type === 'ERROR_THROWN');
    assert.equal(thrown?.data?.errorCode, 'MISSING_DOCS');
  });

  it('should route a BpmnError from a service handler to the error boundary of the task', async function () {
    quota = 'exceeded';
    const instance = await t.engine.startInstance('errorCases', { variables: { docsComplete: true } });
    await t.runPendingJobs();
    const view = await t.engine.getInstance(instance.id);
    assert.ok(view.activeElementIds.includes('reduce'), String(view.activeElementIds));
    assert.deepEqual(view.incidents, []);
  });

  it('should continue both ways after a non-interrupting escalation boundary', async function () {
    quota = 'ok';
    const instance = await t.engine.startInstance('errorCases', { variables: { docsComplete: true } });
    let view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['check', 'notifyLeader', 'reserve']);
    await t.runPendingJobs();
    view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['notifyLeader']);
    assert.equal(view.variables.reservedFen, 100);
  });

  it('should raise an incident for an error nobody catches (unknown code from a handler, or an error end event)', async function () {
    quota = 'unknown';
    const instance = await t.engine.startInstance('errorCases', { variables: { docsComplete: true } });
    await t.runPendingJobs();
    const view = await t.engine.getInstance(instance.id);
    const open = view.incidents.filter((i) => i.state === 'open');
    assert.equal(open.length, 1);
    assert.equal(open[0]!.code, 'UNHANDLED_ERROR');
    assert.equal(open[0]!.elementId, 'reserve');
    const plain = await t.engine.startInstance('unhandledError');
    assert.equal(plain.incidents[0]!.code, 'UNHANDLED_ERROR');
    assert.match(plain.incidents[0]!.message, /QUOTA_EXCEEDED/);
  });
});
