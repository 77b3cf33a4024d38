import assert from 'node:assert/strict';

import { loadModel } from '../../../../../engine/core/model/load-model.js';
import {
  SUPPORTED_ELEMENTS,
  supportedElements,
} from '../../../../../engine/core/model/rules/supported-elements.js';
import { assertValid, checkRule, readFixture, reported } from './check-rule.js';

describe('model/rules/supported-elements', function () {
  it('should accept every supported element, data, lanes, annotations and pools', async function () {
    // when
    const problems = await checkRule(supportedElements, 'valid-all-supported.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('supported-elements', 'valid-all-supported.bpmn');
  });

  it('should have every supported type in the valid fixture, so list and fixture stay in step', function () {
    // given
    const xml = readFixture('supported-elements', 'valid-all-supported.bpmn').toString('utf8');

    // then
    for (const { type } of SUPPORTED_ELEMENTS) {
      const tag = `<bpmn:${type.charAt(5).toLowerCase()}${type.slice(6)}`;
      assert.ok(xml.includes(tag), `valid-all-supported.bpmn has no ${tag}`);
    }
    assert.ok(xml.includes('triggeredByEvent="true"'), 'no event sub-process');
    assert.ok(xml.includes('<bpmn:multiInstanceLoopCharacteristics'), 'no multi-instance activity');
  });

  it('should list each supported BPMN type once', function () {
    // then
    const types = SUPPORTED_ELEMENTS.map((s) => s.type);
    assert.equal(new Set(types).size, types.length);
    assert.ok(types.includes('bpmn:UserTask'));
  });

  it('should report unsupported events, event definitions and placements, one problem per element', async function () {
    // when
    const problems = await checkRule(supportedElements, 'invalid-events.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'cancelBoundary',
      'cancelEnd',
      'compensateBoundary',
      'compensateEnd',
      'compensateThrow',
      'conditionalCatch',
      'conditionalStart',
      'errorStart',
      'errorThrow',
      'linkCatch',
      'linkThrow',
      'nonInterruptingError',
      'nonInterruptingErrorStart',
      'noneBoundary',
      'noneCatch',
      'parallelMultipleStart',
      'subTimerStart',
      'twoDefinitionsEnd',
    ]);
    const byId = new Map(problems.map((p) => [p.elementId, p.message]));
    assert.equal(
      byId.get('errorStart'),
      'bpmn:StartEvent with bpmn:ErrorEventDefinition is not supported at process level: a process starts with ' +
        'a none, timer, message or signal start event; error and escalation starts belong in event sub-processes',
    );
    assert.match(
      byId.get('subTimerStart') ?? '',
      /^bpmn:StartEvent with bpmn:TimerEventDefinition is not supported in a sub-process: /,
    );
    assert.match(
      byId.get('nonInterruptingError') ?? '',
      /must be interrupting \(cancelActivity="false" is not allowed\)/,
    );
    assert.match(
      byId.get('nonInterruptingErrorStart') ?? '',
      /must be interrupting \(isInterrupting="false" is not allowed\)/,
    );
    assert.equal(
      byId.get('noneCatch'),
      'bpmn:IntermediateCatchEvent without an event definition is not supported: it must wait for a timer, message or signal',
    );
    assert.match(byId.get('compensateThrow') ?? '', /model the undo steps explicitly/);
    assert.match(
      byId.get('twoDefinitionsEnd') ?? '',
      /more than one event definition \("multiple" or "parallel multiple" event\)/,
    );
    assert.match(byId.get('linkThrow') ?? '', /draw the sequence flow/);
  });

  it('should NOT report supported events: signal throw, error end, timer start of an event sub-process', async function () {
    // when
    const problems = await checkRule(supportedElements, 'invalid-events.bpmn');

    // then
    for (const id of ['signalThrow', 'errorEnd', 'timerEspStart', 'subStart', 'work', 'onError', 'onTimer']) {
      assert.ok(!reported(problems).includes(id), id);
    }
  });

  it('should report unsupported activities, gateways, sub-processes and loops', async function () {
    // when
    const problems = await checkRule(supportedElements, 'invalid-activities.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'adHoc',
      'complex',
      'instantiatingGateway',
      'loopingEventSubProcess',
      'loopingSend',
      'parallelEventGateway',
      'payTransaction',
      'refund',
      'retryLoop',
      'rules',
      'startingReceive',
    ]);
    const byId = new Map(problems.map((p) => [p.elementId, p]));
    assert.equal(
      byId.get('payTransaction')?.message,
      'bpmn:Transaction is not supported: compensation and transaction sub-processes are not supported; ' +
        'model the undo steps explicitly',
    );
    assert.match(
      byId.get('parallelEventGateway')?.message ?? '',
      /eventGatewayType="Parallel" is not supported/,
    );
    assert.match(byId.get('retryLoop')?.message ?? '', /StandardLoopCharacteristics is not supported/);
  });

  it('should NOT report call activities, multi-instance user tasks or event sub-processes as unsupported', async function () {
    // when
    const problems = await checkRule(supportedElements, 'invalid-activities.bpmn');

    // then
    for (const id of ['callOther', 'countersign', 'espStart'])
      assert.ok(!reported(problems).includes(id), id);
  });

  it('should NOT report the contents of an unsupported container', async function () {
    // when
    const problems = await checkRule(supportedElements, 'invalid-activities.bpmn');

    // then
    assert.ok(!reported(problems).includes('txInner'));
    assert.ok(!reported(problems).includes('txStart'));
  });

  it('should reject compensation, a transaction, a complex gateway and a multiple event by id and type, once each', async function () {
    // given: a process that is valid except for these five elements
    const xml = readFixture('supported-elements', 'invalid-rejected-for-good.bpmn');

    // when
    const result = await loadModel(xml);

    // then
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((p) => [p.elementId, p.elementType, p.rule]),
      [
        ['compensatePay', 'bpmn:BoundaryEvent', 'supported-elements'],
        ['complex', 'bpmn:ComplexGateway', 'supported-elements'],
        ['confirmedOrLate', 'bpmn:IntermediateCatchEvent', 'supported-elements'],
        ['payTransaction', 'bpmn:Transaction', 'supported-elements'],
        ['refund', 'bpmn:ServiceTask', 'supported-elements'],
      ],
    );
    const byId = new Map(result.problems.map((p) => [p.elementId, p.message]));
    assert.equal(
      byId.get('compensatePay'),
      'bpmn:BoundaryEvent with bpmn:CompensateEventDefinition is not supported: compensation and transaction ' +
        'sub-processes are not supported; model the undo steps explicitly',
    );
    assert.match(byId.get('refund') ?? '', /^bpmn:ServiceTask marked isForCompensation is not supported/);
    assert.equal(
      byId.get('complex'),
      'bpmn:ComplexGateway is not supported: use an exclusive, parallel or inclusive gateway',
    );
    assert.match(
      byId.get('confirmedOrLate') ?? '',
      /^bpmn:IntermediateCatchEvent with more than one event definition/,
    );
    assert.match(byId.get('payTransaction') ?? '', /^bpmn:Transaction is not supported/);
  });

  it('should report a choreography', async function () {
    // when
    const problems = await checkRule(supportedElements, 'invalid-choreography.bpmn');

    // then
    assert.deepEqual(reported(problems), ['talk']);
  });
});
