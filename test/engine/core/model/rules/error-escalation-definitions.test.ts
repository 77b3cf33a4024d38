import assert from 'node:assert/strict';

import { errorEscalationDefinitions } from '../../../../../engine/core/model/rules/error-escalation-definitions.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/error-escalation-definitions', function () {
  it('should accept coded throws, coded and catch-all boundary events and event sub-process starts', async function () {
    // when
    const problems = await checkRule(errorEscalationDefinitions, 'valid-errors-and-escalations.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('error-escalation-definitions', 'valid-errors-and-escalations.bpmn');
  });

  it('should report throws without code, catches naming a codeless error and boundary events catching the same code', async function () {
    // when
    const problems = await checkRule(errorEscalationDefinitions, 'invalid-errors-and-escalations.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'catchAllAgain',
      'catchRefNoCode',
      'errorEndNoCode',
      'errorEndNoRef',
      'errorEndWrongRef',
      'escalationEndNoCode',
      'escalationThrowNoRef',
      'quotaCatchAgain',
    ]);
    const byId = new Map(problems.map((p) => [p.elementId, p.message]));
    assert.equal(
      byId.get('errorEndNoRef'),
      'a thrown error must reference a bpmn:Error with an errorCode (errorRef is missing or names nothing)',
    );
    assert.equal(
      byId.get('catchRefNoCode'),
      'error codelessError has no errorCode; give it one, or remove errorRef to catch every error',
    );
    assert.equal(byId.get('errorEndWrongRef'), 'errorRef must name a bpmn:Error, but names a bpmn:Message');
    assert.equal(
      byId.get('quotaCatchAgain'),
      'activity work already has a boundary event catching error code "QUOTA_EXCEEDED"',
    );
    assert.equal(
      byId.get('catchAllAgain'),
      'activity work already has a boundary event catching every error',
    );
  });

  it('should NOT report catches without a reference (they catch every code)', async function () {
    // when
    const problems = await checkRule(errorEscalationDefinitions, 'invalid-errors-and-escalations.bpmn');

    // then
    assert.ok(!reported(problems).includes('catchAll'));
    assert.ok(!reported(problems).includes('escalationCatchAll'));
  });
});
