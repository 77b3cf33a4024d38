import assert from 'node:assert/strict';

import { userTaskApproval } from '../../../../../engine/core/model/rules/user-task-approval.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/user-task-approval', function () {
  it('should accept known resubmit strategies and operations', async function () {
    assert.deepEqual(await checkRule(userTaskApproval, 'valid-approval.bpmn'), []);
    await assertValid('user-task-approval', 'valid-approval.bpmn');
  });

  it('should report an unknown strategy and unknown operations, naming them', async function () {
    const problems = await checkRule(userTaskApproval, 'invalid-approval.bpmn');
    assert.deepEqual(reported(problems), ['badOperation', 'badStrategy']);
    assert.match(problems.find((p) => p.elementId === 'badOperation')!.message, /unknown operations: delete/);
  });
});
