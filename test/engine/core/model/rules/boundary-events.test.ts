import assert from 'node:assert/strict';

import { boundaryEvents } from '../../../../../engine/core/model/rules/boundary-events.js';
import { assertValid, checkRule } from './check-rule.js';

describe('model/rules/boundary-events', function () {
  it('should accept boundary events on tasks, sub-processes, tasks inside sub-processes and call activities', async function () {
    // when
    const problems = await checkRule(boundaryEvents, 'valid-boundaries.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('boundary-events', 'valid-boundaries.bpmn');
  });

  it('should report boundary events attached to nothing, to non-activities or across scopes, and wrong flows', async function () {
    // when
    const problems = await checkRule(boundaryEvents, 'invalid-boundaries.bpmn');

    // then
    assert.deepEqual(
      problems.map((p) => `${p.elementId}: ${p.message}`),
      [
        'noOutgoing: a boundary event needs exactly one outgoing sequence flow, but it has 0',
        'onEventSubProcess: boundary event is attached to event sub-process onTimer; an event sub-process has no boundary events',
        'onGateway: boundary event is attached to bpmn:ExclusiveGateway gateway; attach it to a task, sub-process or call activity',
        'otherScope: boundary event is attached to inner, which is in another scope; it must sit next to its activity',
        'twoOutgoing: a boundary event needs exactly one outgoing sequence flow, but it has 2',
        'unattached: boundary event is not attached to an activity (attachedToRef is missing or names nothing)',
        'withIncoming: a boundary event must not have incoming sequence flows',
      ],
    );
  });
});
