import assert from 'node:assert/strict';

import { executableProcess } from '../../../../../engine/core/model/rules/executable-process.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/executable-process', function () {
  for (const file of [
    'valid-single-process.bpmn',
    'valid-implicitly-executable.bpmn',
    'valid-with-documentation-process.bpmn',
    'valid-participant-pool.bpmn',
    'valid-event-starts.bpmn',
  ]) {
    it(`should accept ${file}`, async function () {
      // given / when
      const problems = await checkRule(executableProcess, file);

      // then
      assert.deepEqual(problems, []);
      await assertValid('executable-process', file);
    });
  }

  it('should report a file without any process', async function () {
    // when
    const problems = await checkRule(executableProcess, 'invalid-no-process.bpmn');

    // then
    assert.deepEqual(problems, [
      {
        elementId: '-',
        elementType: '-',
        rule: 'executable-process',
        message: 'the file contains no process (bpmn:Process); there is nothing to deploy',
      },
    ]);
  });

  it('should report every process when none is executable', async function () {
    // when
    const problems = await checkRule(executableProcess, 'invalid-not-executable.bpmn');

    // then
    assert.deepEqual(reported(problems), ['draftA', 'draftB']);
    assert.equal(problems[0]?.elementType, 'bpmn:Process');
    assert.match(problems[0]?.message ?? '', /isExecutable="false"/);
  });

  it('should NOT report a non-executable process next to an executable one', async function () {
    // when
    const problems = await checkRule(executableProcess, 'valid-with-documentation-process.bpmn');

    // then
    assert.deepEqual(problems, []);
  });

  it('should require a none, timer, message or signal start event and at most one none start event', async function () {
    // when
    const problems = await checkRule(executableProcess, 'invalid-start-events.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'errorStartOnly',
      'eventSubProcessOnly',
      'multipleStartOnly',
      'noStart',
      'startInSubProcessOnly',
      'twoStarts',
    ]);
    assert.equal(
      problems[0]?.message,
      'process has no start event at process level: add a none start event, or a timer, message or signal start event',
    );
    assert.equal(problems[5]?.message, 'process has 2 none start events; at most one is allowed');
  });

  it('should accept a process started only by a timer, and one with none, message and signal starts', async function () {
    // when
    const problems = await checkRule(executableProcess, 'valid-event-starts.bpmn');

    // then
    assert.deepEqual(problems, []);
  });
});
