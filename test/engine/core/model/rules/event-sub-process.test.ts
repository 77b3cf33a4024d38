import assert from 'node:assert/strict';

import { eventSubProcess } from '../../../../../engine/core/model/rules/event-sub-process.js';
import { assertValid, checkRule } from './check-rule.js';

describe('model/rules/event-sub-process', function () {
  it('should accept error, escalation, message, signal and timer event sub-processes, also nested', async function () {
    // when
    const problems = await checkRule(eventSubProcess, 'valid-event-sub-processes.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('event-sub-process', 'valid-event-sub-processes.bpmn');
  });

  it('should report flows, missing or extra start events, none starts and two interrupting catches of one code', async function () {
    // when
    const problems = await checkRule(eventSubProcess, 'invalid-event-sub-processes.bpmn');

    // then
    assert.deepEqual(
      problems.map((p) => `${p.elementId} (${p.elementType}): ${p.message}`),
      [
        'anyEscalationAgain (bpmn:SubProcess): another interrupting event sub-process in badEventSubProcesses ' +
          'already catches every escalation',
        'duplicateQuota (bpmn:SubProcess): another interrupting event sub-process in badEventSubProcesses ' +
          'already catches error code "QUOTA_EXCEEDED"',
        'noStartEsp (bpmn:SubProcess): an event sub-process needs exactly one start event, but it has 0',
        'plainStart (bpmn:StartEvent): the start event of an event sub-process needs an event definition ' +
          '(timer, message, signal, error or escalation)',
        'twoStartsEsp (bpmn:SubProcess): an event sub-process needs exactly one start event, but it has 2',
        'withFlows (bpmn:SubProcess): an event sub-process must not have incoming or outgoing sequence flows; ' +
          'it is started by its event',
      ],
    );
  });
});
