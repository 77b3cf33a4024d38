import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../helpers/engine-harness.js';
import { singleTask } from '../../../helpers/bpmn-builder.js';

forEachBackend('durability/concurrent-completion', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend, { poolMax: 20 });
    await t.engine.deploy(singleTask('raceOne'));
  });
  after(() => t?.close());

  it('should let exactly one of 100 concurrent completions of one task succeed, with one history row', async function () {
    this.timeout(60_000);
    // given
    const instance = await t.engine.startInstance('raceOne');
    const [task] = await t.openTasks(instance.id);

    // when
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        t.engine.completeTask(task!.id, { actor: `user${i}`, variables: { winner: i } }),
      ),
    );

    // then
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, 1);
    assert.equal(refused.length, 99);
    for (const r of refused)
      assert.ok(['INVALID_STATE', 'CONCURRENT_MODIFICATION'].includes(r.reason.code), String(r.reason));
    const history = await t.engine.history(instance.id);
    assert.equal(history.filter((h) => h.type === 'TASK_COMPLETED').length, 1);
    const winner = (ok[0] as PromiseFulfilledResult<{ completedBy: string }>).value.completedBy;
    const view = await t.engine.getInstance(instance.id);
    assert.equal(view.status, 'completed');
    assert.equal(`user${view.variables.winner}`, winner);
  });
});
