/**
 * Rule `endless-loops`: found by the HTTP upload fuzzing (test/server/fuzz/bpmn-deploy-fuzz.test.ts), where two
 * exclusive gateways feeding each other deployed, and starting the process ran 10 000 steps in one transaction
 * that MariaDB refused (max_allowed_packet): 500 instead of a deploy error.
 */
import assert from 'node:assert/strict';

import { endlessLoops } from '../../../../../engine/core/model/rules/endless-loops.js';
import { assertValid, checkRule } from './check-rule.js';

describe('model/rules/endless-loops', function () {
  it('should accept a loop that passes through a user task (resubmission)', async function () {
    // when
    const problems = await checkRule(endlessLoops, 'valid-loop-through-task.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('endless-loops', 'valid-loop-through-task.bpmn');
  });

  it('should report each loop of gateways and pass-through tasks once, on its first element', async function () {
    // when
    const problems = await checkRule(endlessLoops, 'invalid-gateway-loops.bpmn');

    // then
    assert.deepEqual(
      problems.map((p) => [p.elementId, p.elementType, p.message]),
      [
        [
          'first',
          'bpmn:ExclusiveGateway',
          'the elements first, pass, second form a loop with no task, script or event in it: a token that enters ' +
            'it never stops; add a user task or a condition that can change',
        ],
        [
          'self',
          'bpmn:ExclusiveGateway',
          'the elements self form a loop with no task, script or event in it: a token that enters it never ' +
            'stops; add a user task or a condition that can change',
        ],
      ],
    );
  });
});
