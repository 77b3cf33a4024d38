import assert from 'node:assert/strict';

import { loadModel } from '../../../../../engine/core/model/load-model.js';
import { conditionalFlows } from '../../../../../engine/core/model/rules/conditional-flows.js';
import { assertValid, checkRule, readFixture } from './check-rule.js';

describe('model/rules/conditional-flows', function () {
  for (const file of ['valid-exclusive-default.bpmn', 'valid-inclusive-conditions.bpmn']) {
    it(`should accept ${file}`, async function () {
      // when
      const problems = await checkRule(conditionalFlows, file);

      // then
      assert.deepEqual(problems, []);
      await assertValid('conditional-flows', file);
    });
  }

  it('should report missing conditions, conditional defaults, foreign defaults and ignored conditions', async function () {
    // when
    const problems = await checkRule(conditionalFlows, 'invalid-conditions.bpmn');

    // then
    assert.deepEqual(
      problems.map((p) => `${p.elementId} (${p.elementType}): ${p.message}`),
      [
        'choose (bpmn:InclusiveGateway): default flow elsewhere does not start at this element',
        'f1 (bpmn:SequenceFlow): a flow out of bpmn:StartEvent start must not have a condition (it would be ignored)',
        'fallback (bpmn:SequenceFlow): the default flow must not have a condition',
        'inclusiveA (bpmn:SequenceFlow): flow out of diverging gateway choose has no condition and is not the default flow',
        'parallelGuarded (bpmn:SequenceFlow): a flow out of bpmn:ParallelGateway split must not have a condition ' +
          '(it would be ignored)',
        'unguarded (bpmn:SequenceFlow): flow out of diverging gateway decide has no condition and is not the default flow',
      ],
    );
  });

  it('should report conditions on flows out of an event-based gateway and a boundary event, once each', async function () {
    // when
    const problems = await checkRule(conditionalFlows, 'invalid-event-conditions.bpmn');
    const all = await loadModel(readFixture('conditional-flows', 'invalid-event-conditions.bpmn'));

    // then
    assert.deepEqual(
      problems.map((p) => `${p.elementId}: ${p.message}`),
      [
        'fromBoundary: a flow out of bpmn:BoundaryEvent late must not have a condition (it would be ignored)',
        'fromRace: a flow out of bpmn:EventBasedGateway race must not have a condition (it would be ignored)',
      ],
    );
    assert.ok(!all.ok);
    assert.deepEqual(all.problems, problems, 'no other rule reports these conditions again');
  });
});
