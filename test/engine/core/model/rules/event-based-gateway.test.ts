import assert from 'node:assert/strict';

import { eventBasedGateway } from '../../../../../engine/core/model/rules/event-based-gateway.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/event-based-gateway', function () {
  it('should accept a race between a timer, a message, a signal and a receive task', async function () {
    // when
    const problems = await checkRule(eventBasedGateway, 'valid-race.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('event-based-gateway', 'valid-race.bpmn');
  });

  it('should report a gateway with one flow, flows to non-waiting elements and a shared target', async function () {
    // when
    const problems = await checkRule(eventBasedGateway, 'invalid-races.bpmn');

    // then
    assert.deepEqual(reported(problems), ['lonelyGateway', 'sharedTimer', 'toTask', 'toThrow']);
    const byId = new Map(problems.map((p) => [p.elementId, p]));
    assert.equal(
      byId.get('lonelyGateway')?.message,
      'an event-based gateway needs at least two outgoing flows to choose between, but it has 1',
    );
    assert.equal(byId.get('toTask')?.elementType, 'bpmn:SequenceFlow');
    assert.match(
      byId.get('toTask')?.message ?? '',
      /leads to bpmn:Task review; it must lead to a timer, message or signal/,
    );
    assert.equal(
      byId.get('sharedTimer')?.message,
      'waits after event-based gateway mixedGateway, so it must have no other incoming flow',
    );
  });
});
