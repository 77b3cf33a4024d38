import assert from 'node:assert/strict';

import { signalDefinitions } from '../../../../../engine/core/model/rules/signal-definitions.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/signal-definitions', function () {
  it('should accept signal starts, catches, boundary events, throws and end events with named signals', async function () {
    // when
    const problems = await checkRule(signalDefinitions, 'valid-signals.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('signal-definitions', 'valid-signals.bpmn');
  });

  it('should report a missing signal, a nameless signal and a reference to something else', async function () {
    // when
    const problems = await checkRule(signalDefinitions, 'invalid-signals.bpmn');

    // then
    assert.deepEqual(
      problems.map((p) => `${p.elementId} (${p.elementType}): ${p.message}`),
      [
        'messageAsSignal (bpmn:EndEvent): references no bpmn:Signal (signalRef is missing or names no signal)',
        'noSignalRef (bpmn:IntermediateThrowEvent): references no bpmn:Signal (signalRef is missing or names no signal)',
        'unnamedSignal (bpmn:IntermediateCatchEvent): signal namelessSignal has no name; signals are broadcast by name',
      ],
    );
    assert.ok(!reported(problems).includes('start'));
  });
});
