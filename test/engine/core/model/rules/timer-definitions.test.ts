import assert from 'node:assert/strict';

import { timerDefinitions } from '../../../../../engine/core/model/rules/timer-definitions.js';
import { assertValid, checkRule, reported } from './check-rule.js';

describe('model/rules/timer-definitions', function () {
  it('should accept dates, durations, cycles, FEEL timers and working-day durations where they can fire', async function () {
    // when
    const problems = await checkRule(timerDefinitions, 'valid-timers.bpmn');

    // then
    assert.deepEqual(problems, []);
    await assertValid('timer-definitions', 'valid-timers.bpmn');
  });

  it('should report missing, doubled and unparsable timers, misplaced cycles and misused working days', async function () {
    // when
    const problems = await checkRule(timerDefinitions, 'invalid-timers.bpmn');

    // then
    assert.deepEqual(reported(problems), [
      'badDate',
      'badDuration',
      'badFeel',
      'cronCycle',
      'cycleOnCatch',
      'cycleOnInterrupting',
      'noTime',
      'twoTimes',
      'workingDate',
      'workingHours',
      'workingMonths',
    ]);
    const byId = new Map(problems.map((p) => [p.elementId, p.message]));
    assert.equal(byId.get('noTime'), 'timer has no timeDate, timeDuration or timeCycle; give exactly one');
    assert.equal(byId.get('twoTimes'), 'timer has timeDate and timeDuration; give exactly one');
    assert.match(byId.get('badDate') ?? '', /^timer timeDate: .*"2026-02-30": 2026-02 has no day 30$/);
    assert.match(byId.get('badDuration') ?? '', /^timer timeDuration: Expected an ISO 8601 duration/);
    assert.match(byId.get('cronCycle') ?? '', /looks like a cron expression/);
    assert.match(byId.get('badFeel') ?? '', /^timer timeDuration is not valid FEEL/);
    assert.match(byId.get('cycleOnCatch') ?? '', /on an intermediate catch event fires at most once/);
    assert.match(
      byId.get('cycleOnInterrupting') ?? '',
      /on an interrupting boundary event fires at most once/,
    );
    assert.match(
      byId.get('workingDate') ?? '',
      /^fiscal:workingDays applies to timeDuration and timeCycle only/,
    );
    assert.match(byId.get('workingHours') ?? '', /"PT4H" has no days or weeks$/);
    assert.match(byId.get('workingMonths') ?? '', /"R\/P1M" has years or months$/);
  });
});
