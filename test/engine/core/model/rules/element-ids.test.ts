import assert from 'node:assert/strict';

import { elementIds } from '../../../../../engine/core/model/rules/element-ids.js';
import { assertValid, checkRule } from './check-rule.js';

describe('model/rules/element-ids', function () {
  it('should accept a process whose elements all have ids', async function () {
    // when
    const problems = await checkRule(elementIds, 'valid-ids.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('element-ids', 'valid-ids.bpmn');
  });

  it('should report the process, flow and task that have no id', async function () {
    // when
    const problems = await checkRule(elementIds, 'invalid-missing-ids.bpmn');

    // then
    assert.deepEqual(
      problems.map((p) => [p.elementId, p.elementType, p.message]),
      [
        ['-', 'bpmn:Process', 'process has no id'],
        ['-', 'bpmn:SequenceFlow', 'element has no id'],
        ['-', 'bpmn:UserTask', 'element "复核" has no id'],
      ],
    );
  });
});
