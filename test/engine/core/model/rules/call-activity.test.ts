import assert from 'node:assert/strict';

import { callActivity } from '../../../../../engine/core/model/rules/call-activity.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/call-activity', function () {
  it('should accept every binding, fiscal:in/fiscal:out mappings and fiscal:propagateAllVariables', async function () {
    // when
    const problems = await checkRule(callActivity, 'valid-call-activities.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('call-activity', 'valid-call-activities.bpmn');
  });

  it('should report missing process keys, bad bindings and versions, bad mappings and misplaced mappings', async function () {
    // when
    const problems = await checkRule(callActivity, 'invalid-call-activities.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'badBinding',
      'badMappings',
      'badMappings',
      'badMappings',
      'badMappings',
      'mappingOnUserTask',
      'noCalledElement',
      'strayTag',
      'strayVersion',
      'tagMissing',
      'versionMissing',
      'versionText',
      'versionZero',
    ]);
    const byId = new Map(problems.map((p) => [p.elementId, p.message]));
    assert.equal(
      byId.get('badBinding'),
      'fiscal:calledElementBinding "newest" is not one of latest, deployment, version, versionTag',
    );
    assert.equal(
      byId.get('versionZero'),
      'binding "version" needs fiscal:calledElementVersion, a whole number from 1',
    );
    assert.equal(
      byId.get('tagMissing'),
      'binding "versionTag" needs a non-empty fiscal:calledElementVersionTag',
    );
    assert.match(byId.get('mappingOnUserTask') ?? '', /here they would be ignored$/);
    assert.deepEqual(
      problems.filter((p) => p.elementId === 'badMappings').map((p) => p.message),
      [
        'fiscal:in source is not valid FEEL: FEEL syntax error at position 3 in "a +"',
        'two fiscal:in mappings write the variable "a"',
        'fiscal:out target "c d" is not a variable name',
        'fiscal:out source is not valid FEEL: expression is empty',
      ],
    );
  });
});
