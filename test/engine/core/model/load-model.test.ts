import assert from 'node:assert/strict';

import { formatProblem, loadModel } from '../../../../engine/core/model/load-model.js';

const VALID = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs">
  <bpmn:process id="payment" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" fiscal:candidateRoles="审核人" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

describe('model/load-model', function () {
  it('should parse, validate and compile a valid file', async function () {
    // when
    const result = await loadModel(Buffer.from(VALID, 'utf8'));

    // then
    assert.ok(result.ok);
    assert.deepEqual(Object.keys(result.model.processes), ['payment']);
    assert.equal(result.definitions.$type, 'bpmn:Definitions');
  });

  it('should return parser warnings and rule problems together', async function () {
    // given
    const xml = VALID.replace(
      '<bpmn:userTask id="review"',
      '<bpmn:userTask id="review" fiscal:dueIn="soon" fiscal:bogus="1"',
    );

    // when
    const result = await loadModel(xml);

    // then
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((p) => [p.elementId, p.rule]),
      [
        ['review', 'parser-warnings'],
        ['review', 'user-task-due'],
      ],
    );
  });

  it('should format a problem as <file>: <elementId> (<type>): <message>', function () {
    // when
    const line = formatProblem('payment.bpmn', {
      elementId: 'review',
      elementType: 'bpmn:UserTask',
      rule: 'user-task-due',
      message: 'fiscal:dueIn "soon" is not an ISO 8601 duration\nsecond line',
    });

    // then
    assert.equal(
      line,
      'payment.bpmn: review (bpmn:UserTask): fiscal:dueIn "soon" is not an ISO 8601 duration second line',
    );
  });
});
