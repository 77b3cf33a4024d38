import assert from 'node:assert/strict';

import {
  SUPPORTED_ELEMENTS,
  supportedElements,
} from '../../../../../engine/core/model/rules/supported-elements.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/supported-elements', function () {
  it('should accept every supported element, data, lanes, annotations and pools', async function () {
    // when
    const problems = await checkRule(supportedElements, 'valid-all-supported.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('supported-elements', 'valid-all-supported.bpmn');
  });

  it('should list each supported BPMN type once', function () {
    // then
    const types = SUPPORTED_ELEMENTS.map((s) => s.type);
    assert.equal(new Set(types).size, types.length);
    assert.ok(types.includes('bpmn:UserTask'));
  });

  it('should report unsupported events and event definitions, one problem per element', async function () {
    // when
    const problems = await checkRule(supportedElements, 'invalid-events.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'compensateThrow',
      'conditionalCatch',
      'deadline',
      'errorEnd',
      'escalationEnd',
      'linkThrow',
      'messageStart',
      'signalThrow',
      'twoDefinitionsEnd',
      'waitTimer',
    ]);
    const byId = new Map(problems.map((p) => [p.elementId, p]));
    assert.equal(byId.get('deadline')?.elementType, 'bpmn:BoundaryEvent');
    assert.match(byId.get('deadline')?.message ?? '', /^bpmn:BoundaryEvent is not supported/);
    assert.match(
      byId.get('messageStart')?.message ?? '',
      /^bpmn:StartEvent with bpmn:MessageEventDefinition is not supported/,
    );
    assert.match(byId.get('compensateThrow')?.message ?? '', /model the undo steps explicitly/);
    assert.match(byId.get('twoDefinitionsEnd')?.message ?? '', /more than one event definition/);
  });

  it('should report unsupported activities, gateways, sub-processes and loops', async function () {
    // when
    const problems = await checkRule(supportedElements, 'invalid-activities.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'adHoc',
      'callOther',
      'complex',
      'countersign',
      'eventGateway',
      'eventSubProcess',
      'payTransaction',
      'receive',
      'refund',
      'retryLoop',
      'rules',
      'send',
    ]);
    const byId = new Map(problems.map((p) => [p.elementId, p]));
    assert.equal(
      byId.get('payTransaction')?.message,
      'bpmn:Transaction is not supported: compensation and transaction sub-processes are not supported; ' +
        'model the undo steps explicitly',
    );
    assert.match(byId.get('countersign')?.message ?? '', /MultiInstanceLoopCharacteristics is not supported/);
    assert.match(byId.get('eventSubProcess')?.message ?? '', /event sub-process/);
  });

  it('should NOT report the contents of an unsupported container', async function () {
    // when
    const problems = await checkRule(supportedElements, 'invalid-activities.bpmn');

    // then
    assert.ok(!reported(problems).includes('txInner'));
    assert.ok(!reported(problems).includes('espStart'));
  });

  it('should report a choreography', async function () {
    // when
    const problems = await checkRule(supportedElements, 'invalid-choreography.bpmn');

    // then
    assert.deepEqual(reported(problems), ['talk']);
  });
});
