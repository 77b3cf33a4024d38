import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/behaviors/sub-process', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.deployFixture(import.meta, 'sub-process.nested.bpmn');
  });
  after(() => t?.close());

  it('should run the inner flow and leave when its last token ends', async function () {
    // when
    const instance = await t.engine.startInstance('subProcessNested', { variables: { abort: false } });

    // then the sub-process is active together with its inner tasks
    assert.deepEqual(instance.activeElementIds, ['check', 'review', 'sign']);
    const [check, sign] = await t.openTasks(instance.id);
    await t.engine.completeTask(check!.id);
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['review', 'sign']);
    await t.engine.completeTask(sign!.id);
    assert.deepEqual(
      (await t.openTasks(instance.id)).map((x) => x.elementId),
      ['archive'],
    );
    const view = await t.engine.getInstance(instance.id);
    assert.ok(view.completedElementIds.includes('review'));
  });

  it('should end only the sub-process scope on a terminate end event inside it', async function () {
    // given
    const instance = await t.engine.startInstance('subProcessNested', { variables: { abort: true } });
    const sign = (await t.openTasks(instance.id)).find((x) => x.elementId === 'sign')!;

    // when the signing branch terminates
    await t.engine.completeTask(sign.id);

    // then the sibling task is canceled and the process continues after the sub-process
    assert.deepEqual(
      (await t.openTasks(instance.id)).map((x) => x.elementId),
      ['archive'],
    );
    const history = await t.engine.history(instance.id);
    const canceled = history.filter((h) => h.type === 'TASK_CANCELED');
    assert.deepEqual(
      canceled.map((h) => h.elementId),
      ['check'],
    );
    assert.ok(history.some((h) => h.type === 'ELEMENT_TERMINATED' && h.elementId === 'check'));
    assert.equal((await t.engine.getInstance(instance.id)).status, 'running');
  });
});
