import assert from 'node:assert/strict';

import { serviceTaskType } from '../../../../../engine/core/model/rules/service-task-type.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/service-task-type', function () {
  it('should accept service tasks with a task type and a valid retry policy', async function () {
    // when
    const problems = await checkRule(serviceTaskType, 'valid-service-tasks.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('service-task-type', 'valid-service-tasks.bpmn');
  });

  it('should report a missing task type, retries outside 1..100 and a bad backoff', async function () {
    // when
    const problems = await checkRule(serviceTaskType, 'invalid-service-tasks.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'badBackoff',
      'blankType',
      'noType',
      'tooManyRetries',
      'wordRetries',
      'zeroRetries',
    ]);
    assert.equal(
      problems[0]?.message,
      'fiscal:retryBackoff "10s" is not an ISO 8601 duration such as PT10S or P1DT2H',
    );
    assert.equal(problems[3]?.message, 'fiscal:retries must be a whole number from 1 to 100');
  });
});
