import assert from 'node:assert/strict';

import { multiInstance } from '../../../../../engine/core/model/rules/multi-instance.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/multi-instance', function () {
  it('should accept each approval preset, a cardinality with a completion condition and multi-instance containers', async function () {
    // when
    const problems = await checkRule(multiInstance, 'valid-multi-instance.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('multi-instance', 'valid-multi-instance.bpmn');
  });

  it('should report missing or doubled instance sources, bad FEEL, bad presets and ratios, and unsupported forms', async function () {
    // when
    const problems = await checkRule(multiInstance, 'invalid-multi-instance.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'badCollection',
      'badCompletion',
      'badOutcome',
      'badPreset',
      'both',
      'dataItems',
      'neither',
      'noElementVariable',
      'presetWithCount',
      'ratioMissing',
      'ratioTooBig',
      'sequentialContradiction',
      'strayElementVariable',
      'strayRatio',
    ]);
    const byId = new Map(problems.map((p) => [p.elementId, p.message]));
    assert.equal(
      byId.get('neither'),
      'multi-instance needs fiscal:collection (a list) or bpmn:loopCardinality (a count)',
    );
    assert.equal(
      byId.get('presetWithCount'),
      'approval preset "all" takes its instances from fiscal:collection, the list of reviewers, not from bpmn:loopCardinality',
    );
    assert.equal(
      byId.get('ratioTooBig'),
      'approval preset "ratio" needs fiscal:approvalRatio, a whole percent from 1 to 100',
    );
    assert.equal(
      byId.get('sequentialContradiction'),
      'approval preset "sequential" runs reviewers one after another; it contradicts isSequential="false"',
    );
    assert.match(byId.get('badCompletion') ?? '', /^completionCondition is not valid FEEL/);
    assert.match(byId.get('dataItems') ?? '', /^inputDataItem is not supported; use fiscal:collection/);
  });

  it('should NOT require isSequential on the sequential preset (the compiler sets it)', async function () {
    // when
    const problems = await checkRule(multiInstance, 'valid-multi-instance.bpmn');

    // then
    assert.ok(!reported(problems).includes('oneAfterAnother'));
  });
});
