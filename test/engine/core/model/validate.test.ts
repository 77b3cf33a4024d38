import assert from 'node:assert/strict';

import { parseBpmn } from '../../../../engine/core/model/parse.js';
import type { Problem } from '../../../../engine/core/model/problem.js';
import { sortProblems, validateDefinitions } from '../../../../engine/core/model/validate.js';

describe('model/validate', function () {
  it('should run every rule and sort problems: whole file first, then element id, then rule', async function () {
    // given
    const xml = `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn">
      <bpmn:process id="p" isExecutable="true">
        <bpmn:startEvent id="start" />
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send" />
        <bpmn:serviceTask id="send" fiscal:retries="0" />
        <bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="Wait" />
        <bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition /></bpmn:intermediateCatchEvent>
      </bpmn:process>
    </bpmn:definitions>`;
    const { definitions } = await parseBpmn(xml);

    // when
    const problems = validateDefinitions(definitions);

    // then
    assert.deepEqual(
      problems.map((p) => `${p.elementId} ${p.rule}: ${p.message}`),
      [
        'Wait flow-node-connections: element has no outgoing sequence flow; end the path with an end event',
        'Wait timer-definitions: timer has no timeDate, timeDuration or timeCycle; give exactly one',
        'send service-task-type: service task has no fiscal:taskType naming the handler that runs it',
        'send service-task-type: fiscal:retries must be a whole number from 1 to 100',
      ],
    );
  });

  it('should sort stably', function () {
    // given
    const problem = (elementId: string, rule: string, message: string): Problem => ({
      elementId,
      elementType: '-',
      rule,
      message,
    });
    const problems = [
      problem('b', 'r', 'first b'),
      problem('a', 'r', 'a'),
      problem('-', 'z', 'file'),
      problem('b', 'r', 'second b'),
      problem('b', 'q', 'b by earlier rule'),
    ];

    // when
    const sorted = sortProblems(problems);

    // then
    assert.deepEqual(
      sorted.map((p) => p.message),
      ['file', 'a', 'b by earlier rule', 'first b', 'second b'],
    );
  });

  it('should report input that is not a bpmn:Definitions element instead of throwing', function () {
    // when
    const problems = validateDefinitions({ $type: 'bpmn:Process' });

    // then
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.elementId, '-');
  });
});
