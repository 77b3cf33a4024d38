import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/behaviors/parallel-gateway', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.deployFixture(import.meta, 'parallel-gateway.three-branches.bpmn');
  });
  after(() => t?.close());

  it('should fork onto every flow and join once all have arrived', async function () {
    // when
    const instance = await t.engine.startInstance('parallelThree');

    // then the pass-through branch c already waits at the join
    assert.deepEqual(instance.activeElementIds, ['a', 'b', 'join']);
    const [a, b] = await t.openTasks(instance.id);
    await t.engine.completeTask(a!.id);
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['b', 'join']);
    await t.engine.completeTask(b!.id);

    // then exactly one token goes on
    const tasks = await t.openTasks(instance.id);
    assert.deepEqual(
      tasks.map((x) => x.elementId),
      ['after'],
    );
    const joinCompleted = (await t.engine.history(instance.id)).filter(
      (h) => h.type === 'ELEMENT_COMPLETED' && h.elementId === 'join',
    );
    assert.equal(joinCompleted.length, 1);
    await t.engine.completeTask(tasks[0]!.id);
    assert.equal((await t.engine.getInstance(instance.id)).status, 'completed');
  });
});
