import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/behaviors/end-event', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.deployFixture(import.meta, 'end-event.terminate.bpmn');
  });
  after(() => t?.close());

  it('should end one token at a none end event and keep the instance running', async function () {
    const instance = await t.engine.startInstance('terminateProcess');
    const slow = (await t.openTasks(instance.id)).find((x) => x.elementId === 'slow')!;
    await t.engine.completeTask(slow.id);
    const view = await t.engine.getInstance(instance.id);
    assert.equal(view.status, 'running');
    assert.deepEqual(view.activeElementIds, ['veto']);
  });

  it('should end the whole instance at a terminate end event, canceling other tasks', async function () {
    const instance = await t.engine.startInstance('terminateProcess');
    const veto = (await t.openTasks(instance.id)).find((x) => x.elementId === 'veto')!;
    await t.engine.completeTask(veto.id);
    const view = await t.engine.getInstance(instance.id);
    assert.equal(view.status, 'completed');
    assert.deepEqual(view.activeElementIds, []);
    assert.deepEqual(await t.openTasks(instance.id), []);
    const canceled = await t.engine.listTasks({ instanceId: instance.id, state: 'canceled' });
    assert.deepEqual(
      canceled.map((x) => x.elementId),
      ['slow'],
    );
  });
});
