import assert from 'node:assert/strict';

import { feelExpressions } from '../../../../../engine/core/model/rules/feel-expressions.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/feel-expressions', function () {
  it('should accept FEEL conditions, scripts and expression attributes', async function () {
    // when
    const problems = await checkRule(feelExpressions, 'valid-expressions.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('feel-expressions', 'valid-expressions.bpmn');
  });

  it('should report every expression that is not valid FEEL', async function () {
    // when
    const problems = await checkRule(feelExpressions, 'invalid-expressions.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'badAssignee',
      'badCandidates',
      'brokenFeel',
      'emptyCondition',
      'emptyScript',
      'javascript',
      'jsScript',
      'juel',
      'noFormat',
      'noResult',
    ]);
    const byId = new Map(problems.map((p) => [p.elementId, p.message]));
    assert.equal(
      byId.get('javascript'),
      'condition language "javascript" is not supported; write the condition in FEEL',
    );
    assert.match(byId.get('brokenFeel') ?? '', /^condition is not valid FEEL: FEEL syntax error/);
    assert.match(byId.get('badAssignee') ?? '', /^fiscal:assignee is not valid FEEL/);
    assert.match(byId.get('jsScript') ?? '', /scripts must be FEEL/);
    assert.match(byId.get('noResult') ?? '', /fiscal:resultVariable/);
  });

  it('should NOT check a literal assignee as FEEL', async function () {
    // given: valid-expressions.bpmn has fiscal:assignee="zhangsan" on task clerk
    // when
    const problems = await checkRule(feelExpressions, 'valid-expressions.bpmn');

    // then
    assert.ok(!reported(problems).includes('clerk'));
  });
});
