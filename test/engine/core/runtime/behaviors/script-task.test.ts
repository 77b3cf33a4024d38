import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/behaviors/script-task', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.deployFixture(import.meta, 'script-task.feel.bpmn');
  });
  after(() => t?.close());

  for (const [amountFen, level] of [
    [200_000_000, 'province'],
    [5_000_000, 'city'],
    [100, 'county'],
  ] as const) {
    it(`should write the FEEL result to the result variable (${amountFen} → ${level})`, async function () {
      const instance = await t.engine.startInstance('scriptFeel', { variables: { amountFen } });
      assert.equal(instance.variables.level, level);
      assert.deepEqual(instance.activeElementIds, ['review']);
    });
  }

  it('should raise an incident naming the script task when the expression fails', async function () {
    const instance = await t.engine.startInstance('scriptFeel');
    assert.equal(instance.incidents.length, 1);
    assert.equal(instance.incidents[0]!.elementId, 'computeLevel');
    assert.equal(instance.incidents[0]!.code, 'EXPRESSION_FAILED');
    assert.equal(instance.variables.level, undefined);
  });
});
