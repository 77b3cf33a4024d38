import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/behaviors/exclusive-gateway', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.deployFixture(import.meta, 'exclusive-gateway.amount.bpmn');
    await t.deployFixture(import.meta, 'exclusive-gateway.no-default.bpmn');
  });
  after(() => t?.close());

  for (const [amountFen, expected] of [
    [20_000_000, 'directorReview'],
    [10_000_000, 'directorReview'],
    [5_000_000, 'chiefReview'],
    [999_999, 'clerkReview'],
  ] as const) {
    it(`should route amountFen=${amountFen} to ${expected} (first true condition, else default)`, async function () {
      const instance = await t.engine.startInstance('exclusiveAmount', { variables: { amountFen } });
      assert.deepEqual(instance.activeElementIds, [expected]);
      const flows = (await t.engine.history(instance.id)).filter(
        (h) => h.type === 'FLOW_TAKEN' && h.elementId === 'byAmount',
      );
      assert.equal(flows.length, 1);
    });
  }

  it('should raise an incident, not route silently, when a condition yields null', async function () {
    // given no amountFen: the condition has no value
    const instance = await t.engine.startInstance('exclusiveAmount', { variables: {} });

    // then
    assert.deepEqual(instance.activeElementIds, ['byAmount']);
    assert.equal(instance.incidents.length, 1);
    assert.equal(instance.incidents[0]!.code, 'CONDITION_FAILED');
    assert.match(instance.incidents[0]!.message, /fLarge.*byAmount/);
    assert.deepEqual(await t.openTasks(instance.id), []);
  });

  it('should raise CONDITION_FAILED when a comparison has mismatched types (FEEL null)', async function () {
    const instance = await t.engine.startInstance('exclusiveNoDefault', { variables: { decision: true } });
    assert.equal(instance.incidents[0]!.code, 'CONDITION_FAILED');
    assert.match(instance.incidents[0]!.message, /fYes/);
  });

  it('should raise NO_FLOW_MATCHED when no condition holds and there is no default', async function () {
    const instance = await t.engine.startInstance('exclusiveNoDefault', { variables: { decision: 'hold' } });
    assert.equal(instance.incidents[0]!.code, 'NO_FLOW_MATCHED');
    assert.match(instance.incidents[0]!.message, /bpmn:ExclusiveGateway decide/);

    // when retried with a usable value
    await t.engine.retryIncident(instance.incidents[0]!.id, {
      variables: { decision: 'reject' },
      actor: 'ops',
    });

    // then
    const view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['no']);
    const resolved = (await t.engine.history(instance.id)).find((h) => h.type === 'INCIDENT_RESOLVED');
    assert.equal(resolved?.actor, 'ops');
  });
});
