import assert from 'node:assert/strict';

import { flowNodeConnections } from '../../../../../engine/core/model/rules/flow-node-connections.js';
import { assertValid, checkRule } from './check-rule.js';

describe('model/rules/flow-node-connections', function () {
  it('should accept splits, joins and a pass-through gateway', async function () {
    // when
    const problems = await checkRule(flowNodeConnections, 'valid-gateways.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('flow-node-connections', 'valid-gateways.bpmn');
  });

  it('should report every dangling element and broken flow', async function () {
    // when
    const problems = await checkRule(flowNodeConnections, 'invalid-dangling.bpmn');

    // then
    assert.deepEqual(
      problems.map((p) => `${p.elementId}: ${p.message}`),
      [
        'deadEnd: element has no outgoing sequence flow; end the path with an end event',
        'end: an end event must not have outgoing sequence flows',
        'intoSubProcess: sequence flow target inside (bpmn:Task) is in another scope; ' +
          'a sequence flow cannot cross a sub-process boundary',
        'neverReached: end event has no incoming sequence flow, so it can never be reached',
        'noTarget: sequence flow has no target (targetRef is missing or names no element)',
        'start: a start event must not have incoming sequence flows',
        'stuckGateway: element has no outgoing sequence flow; end the path with an end event',
        'sub: element has no incoming sequence flow, so it can never be reached',
        'sub: element has no outgoing sequence flow; end the path with an end event',
        'toData: sequence flow target data (bpmn:DataObjectReference) is not a flow node of this process',
        'unreachable: element has no incoming sequence flow, so it can never be reached',
      ],
    );
  });

  it('should accept boundary events without incoming flows and event sub-processes without any flow', async function () {
    // when
    const problems = await checkRule(flowNodeConnections, 'valid-events.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('flow-node-connections', 'valid-events.bpmn');
  });

  it('should check catch events and the contents of event sub-processes like any other flow node', async function () {
    // when
    const problems = await checkRule(flowNodeConnections, 'invalid-event-wiring.bpmn');

    // then
    assert.deepEqual(
      problems.map((p) => `${p.elementId}: ${p.message}`),
      [
        'innerTask: element has no incoming sequence flow, so it can never be reached',
        'neverWaited: element has no incoming sequence flow, so it can never be reached',
        'outOfEventSubProcess: sequence flow target end (bpmn:EndEvent) is in another scope; ' +
          'a sequence flow cannot cross a sub-process boundary',
        'stuckStart: start event has no outgoing sequence flow',
      ],
    );
  });
});
