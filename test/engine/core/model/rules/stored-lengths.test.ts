/**
 * Rule `stored-lengths`: found by the HTTP upload fuzzing (test/server/fuzz/bpmn-deploy-fuzz.test.ts), where a
 * process named with 3 000 characters answered 500 on MariaDB (VARCHAR(255)) instead of 422.
 */
import assert from 'node:assert/strict';

import { storedLengths } from '../../../../../engine/core/model/rules/stored-lengths.js';
import { assertValid, checkRule } from './check-rule.js';

describe('model/rules/stored-lengths', function () {
  it('should accept ids and names exactly at the column limits, counting characters (not bytes)', async function () {
    // when
    const problems = await checkRule(storedLengths, 'valid-at-limits.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('stored-lengths', 'valid-at-limits.bpmn');
  });

  it('should report each id, name and literal one character over its limit, on its element', async function () {
    // when
    const problems = await checkRule(storedLengths, 'invalid-over-limits.bpmn');

    // then
    const process = `p${'k'.repeat(255)}`;
    const task = 't'.repeat(256);
    assert.deepEqual(
      problems.map((p) => [p.elementId, p.elementType, p.message]),
      [
        [
          'book',
          'bpmn:ServiceTask',
          'fiscal:taskType is 256 characters long, more than the limit of 255 characters',
        ],
        [process, 'bpmn:Process', 'id is 256 characters long, more than the limit of 255 characters'],
        [process, 'bpmn:Process', 'name is 256 characters long, more than the limit of 255 characters'],
        [task, 'bpmn:UserTask', 'id is 256 characters long, more than the limit of 255 characters'],
        [task, 'bpmn:UserTask', 'name is 256 characters long, more than the limit of 255 characters'],
        [
          task,
          'bpmn:UserTask',
          'fiscal:assignee is 65 characters long, more than the limit of 64 characters',
        ],
        [
          task,
          'bpmn:UserTask',
          'a user in fiscal:candidateUsers is 65 characters long, more than the limit of 64 characters',
        ],
      ],
    );
  });
});
