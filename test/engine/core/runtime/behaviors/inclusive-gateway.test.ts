import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/behaviors/inclusive-gateway', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.deployFixture(import.meta, 'inclusive-gateway.conditions.bpmn');
    await t.deployFixture(import.meta, 'inclusive-gateway.upstream.bpmn');
  });
  after(() => t?.close());

  it('should take every flow whose condition holds, and join only those', async function () {
    const instance = await t.engine.startInstance('inclusiveConditions', {
      variables: { needsAsset: true, needsPerformance: true },
    });
    assert.deepEqual(instance.activeElementIds, ['assetReview', 'performanceReview']);
    const [asset, perf] = await t.openTasks(instance.id);
    await t.engine.completeTask(asset!.id);
    assert.deepEqual(
      (await t.openTasks(instance.id)).map((x) => x.elementId),
      ['performanceReview'],
    );
    await t.engine.completeTask(perf!.id);
    assert.deepEqual(
      (await t.openTasks(instance.id)).map((x) => x.elementId),
      ['final'],
    );
  });

  it('should take the default flow when no condition holds, and pass the join with one branch', async function () {
    const instance = await t.engine.startInstance('inclusiveConditions', {
      variables: { needsAsset: false, needsPerformance: false },
    });
    const [budget] = await t.openTasks(instance.id);
    assert.equal(budget!.elementId, 'budgetReview');
    await t.engine.completeTask(budget!.id);
    assert.deepEqual(
      (await t.openTasks(instance.id)).map((x) => x.elementId),
      ['final'],
    );
  });

  it('should wait at the join while a token upstream can still arrive', async function () {
    // given a fork whose second branch has two tasks in a row
    const instance = await t.engine.startInstance('inclusiveUpstream');
    const tasks = await t.openTasks(instance.id);
    const quick = tasks.find((x) => x.elementId === 'quick')!;
    const first = tasks.find((x) => x.elementId === 'first')!;

    // when the short branch arrives
    await t.engine.completeTask(quick.id);

    // then the join waits for the other branch
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['first', 'merge']);
    await t.engine.completeTask(first.id);
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['merge', 'second']);
    const second = (await t.openTasks(instance.id))[0]!;
    await t.engine.completeTask(second.id);

    // and fires once
    const view = await t.engine.getInstance(instance.id);
    assert.equal(view.status, 'completed');
    const merged = (await t.engine.history(instance.id)).filter(
      (h) => h.type === 'ELEMENT_COMPLETED' && h.elementId === 'merge',
    );
    assert.equal(merged.length, 1);
  });

  it('should raise an incident when a condition is not boolean', async function () {
    const instance = await t.engine.startInstance('inclusiveConditions', {
      variables: { needsAsset: 'yes', needsPerformance: false },
    });
    assert.equal(instance.incidents[0]!.code, 'CONDITION_FAILED');
    assert.equal(instance.incidents[0]!.elementId, 'split');
  });
});
