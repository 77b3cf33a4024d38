import assert from 'node:assert/strict';

import { userTaskPriority } from '../../../../../engine/core/model/rules/user-task-priority.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/user-task-priority', function () {
  it('should accept a whole-number priority', async function () {
    // when
    const problems = await checkRule(userTaskPriority, 'valid-priority.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('user-task-priority', 'valid-priority.bpmn');
  });

  it('should report a priority that is not a number', async function () {
    // when
    const problems = await checkRule(userTaskPriority, 'invalid-priority.bpmn');

    // then
    assert.deepEqual(reported(problems), ['wordy']);
  });
});
