import assert from 'node:assert/strict';

import { subProcessStart } from '../../../../../engine/core/model/rules/sub-process-start.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/sub-process-start', function () {
  it('should accept nested sub-processes with one none start event each', async function () {
    // when
    const problems = await checkRule(subProcessStart, 'valid-nested.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('sub-process-start', 'valid-nested.bpmn');
  });

  it('should report sub-processes, at any depth and inside event sub-processes, without exactly one none start event', async function () {
    // when
    const problems = await checkRule(subProcessStart, 'invalid-start-events.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'deepNoStart',
      'nestedTwoStarts',
      'noStart',
      'noStartInHandler',
      'timerOnly',
    ]);
    assert.match(problems[1]?.message ?? '', /2 none start events/);
  });

  it('should NOT ask an event sub-process for a none start event', async function () {
    // when
    const problems = await checkRule(subProcessStart, 'valid-event-sub-process.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('sub-process-start', 'valid-event-sub-process.bpmn');
  });
});
