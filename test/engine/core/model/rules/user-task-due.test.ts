import assert from 'node:assert/strict';

import { userTaskDue } from '../../../../../engine/core/model/rules/user-task-due.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/user-task-due', function () {
  it('should accept day, hour and mixed durations, and no due date', async function () {
    // when
    const problems = await checkRule(userTaskDue, 'valid-due.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('user-task-due', 'valid-due.bpmn');
  });

  it('should report due dates that are not PnDTnHnMnS durations', async function () {
    // when
    const problems = await checkRule(userTaskDue, 'invalid-due.bpmn');

    // then
    assert.deepEqual(reported(problems), ['bareP', 'bareT', 'empty', 'weeks', 'words']);
    assert.equal(
      problems[4]?.message,
      'fiscal:dueIn "3 days" is not an ISO 8601 duration such as P3D or PT4H',
    );
  });
});
