import assert from 'node:assert/strict';

import {
  type IsoDuration,
  type TimeCycle,
  type TimeResult,
  addDuration,
  formatDuration,
  nextCycleDue,
  parseDuration,
  parseTimeCycle,
  parseTimeDate,
} from '../../../../engine/core/time/iso-timer.js';

/** Instant of a China-time wall clock reading, computed by the platform (independent of the parser). */
function china(localDateTime: string): number {
  return Date.parse(`${localDateTime}+08:00`);
}

function valueOf<T>(result: TimeResult<T>): T {
  if (!result.ok) assert.fail(`expected ok, got: ${result.message}`);
  return result.value;
}

function messageOf<T>(result: TimeResult<T>): string {
  if (result.ok) assert.fail(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.message;
}

function duration(text: string): IsoDuration {
  return valueOf(parseDuration(text));
}

const ZERO: IsoDuration = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };

describe('time/iso-timer', function () {
  describe('parseTimeDate', function () {
    it('should read a date-time with an offset or Z', function () {
      // when
      const withOffset = parseTimeDate('2026-03-01T09:00:00+08:00');
      const withZ = parseTimeDate('2026-03-01T01:00:00Z');

      // then
      assert.deepEqual(withOffset, { ok: true, value: Date.parse('2026-03-01T01:00:00Z') });
      assert.deepEqual(withZ, { ok: true, value: Date.parse('2026-03-01T01:00:00Z') });
    });

    it('should accept milliseconds and truncate digits beyond them', function () {
      // when
      const millis = valueOf(parseTimeDate('2026-03-01T01:00:00.250Z'));
      const micros = valueOf(parseTimeDate('2026-03-01T01:00:00.123456Z'));
      const tenth = valueOf(parseTimeDate('2026-03-01T01:00:00,5Z'));

      // then
      assert.equal(millis, Date.parse('2026-03-01T01:00:00.250Z'));
      assert.equal(micros, Date.parse('2026-03-01T01:00:00.123Z'));
      assert.equal(tenth, Date.parse('2026-03-01T01:00:00.500Z'));
    });

    it('should accept other offsets, in ±hh:mm, ±hhmm and ±hh forms, and a missing seconds field', function () {
      // then
      assert.equal(valueOf(parseTimeDate('2026-03-01T09:00:00-05:00')), Date.parse('2026-03-01T14:00:00Z'));
      assert.equal(valueOf(parseTimeDate('2026-03-01T09:00:00+0530')), Date.parse('2026-03-01T03:30:00Z'));
      assert.equal(valueOf(parseTimeDate('2026-03-01T09:00+08')), Date.parse('2026-03-01T01:00:00Z'));
    });

    it('should read a date-time without offset as China time', function () {
      // when
      const result = parseTimeDate('2026-03-01T09:00:00');

      // then
      assert.equal(valueOf(result), china('2026-03-01T09:00:00'));
      assert.equal(valueOf(result), Date.parse('2026-03-01T01:00:00Z'));
    });

    it('should read a plain date as 00:00 China time', function () {
      // when
      const result = parseTimeDate('2026-03-01');

      // then
      assert.equal(valueOf(result), Date.parse('2026-02-28T16:00:00Z'));
    });

    it('should ignore surrounding white space', function () {
      // then
      assert.equal(valueOf(parseTimeDate('  2026-03-01T01:00:00Z\n')), Date.parse('2026-03-01T01:00:00Z'));
    });

    it('should handle years before 100 without the Date.UTC two-digit-year trap', function () {
      // then
      assert.equal(
        valueOf(parseTimeDate('0050-01-01T00:00:00Z')),
        new Date('0050-01-01T00:00:00Z').getTime(),
      );
    });

    it('should return a message naming the text for a date that does not exist', function () {
      // when
      const message = messageOf(parseTimeDate('2026-02-29T09:00:00+08:00'));

      // then
      assert.equal(
        message,
        'Expected an ISO 8601 date-time such as 2026-03-01T09:00:00+08:00, 2026-03-01T01:00:00Z or 2026-03-01, but got "2026-02-29T09:00:00+08:00": 2026-02 has no day 29',
      );
    });

    it('should return a message, never throw, for malformed texts', function () {
      // given
      const cases: [string, string][] = [
        ['', '(empty)'],
        ['tomorrow', '"tomorrow"'],
        ['2026-13-01', 'month 13 is not 01–12'],
        ['2026-03-01T24:00:00Z', 'hour 24 is not 00–23'],
        ['2026-03-01T09:60:00Z', 'minute 60 is not 00–59'],
        ['2026-03-01T09:00:60Z', 'second 60 is not 00–59'],
        ['2026-03-01T09:00:00+25:00', 'offset +25:00 is not a valid UTC offset'],
        ['2026-03-01Z', '"2026-03-01Z"'],
        ['2026-3-1', '"2026-3-1"'],
        ['PT10M', '"PT10M"'],
        ['x'.repeat(500), 'longer than 200 characters'],
      ];

      for (const [text, expected] of cases) {
        // when
        const message = messageOf(parseTimeDate(text));

        // then
        assert.ok(message.startsWith('Expected an ISO 8601 date-time'), message);
        assert.ok(message.includes(expected), `${JSON.stringify(text)} → ${message}`);
      }
    });
  });

  describe('parseDuration', function () {
    it('should read every component', function () {
      // when
      const result = parseDuration('P1Y2M3W4DT5H6M7.5S');

      // then
      assert.deepEqual(result, {
        ok: true,
        value: { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7.5 },
      });
    });

    it('should read fractional seconds with a dot or a comma', function () {
      // then
      assert.deepEqual(duration('PT0.25S'), { ...ZERO, seconds: 0.25 });
      assert.deepEqual(duration('PT0,5S'), { ...ZERO, seconds: 0.5 });
    });

    it('should read the common timer durations', function () {
      // then
      assert.deepEqual(duration('PT10M'), { ...ZERO, minutes: 10 });
      assert.deepEqual(duration('P3D'), { ...ZERO, days: 3 });
      assert.deepEqual(duration('P1M'), { ...ZERO, months: 1 });
      assert.deepEqual(duration('P2W'), { ...ZERO, weeks: 2 });
      assert.deepEqual(duration('PT0S'), ZERO);
    });

    it('should return a message naming the text for malformed durations', function () {
      // given
      const cases: [string, string][] = [
        ['', '(empty)'],
        ['P', 'it has no components'],
        ['PT', 'it has no components'],
        ['P1DT', '"T" must be followed by hours, minutes or seconds'],
        ['-P1D', 'negative durations are not supported'],
        ['P1.5D', '"P1.5D"'],
        ['PT1S2M', '"PT1S2M"'],
        ['1D', '"1D"'],
        ['P1H', '"P1H"'],
        ['p1d', '"p1d"'],
        ['P99999Y', 'longer than 10000 years'],
        ['P99999999999999999999D', 'longer than 10000 years'],
      ];

      for (const [text, expected] of cases) {
        // when
        const message = messageOf(parseDuration(text));

        // then
        assert.ok(message.startsWith('Expected an ISO 8601 duration such as PT10M'), message);
        assert.ok(message.includes(expected), `${JSON.stringify(text)} → ${message}`);
      }
    });
  });

  describe('addDuration', function () {
    it('should clamp to the last day of a shorter month', function () {
      // then
      assert.equal(addDuration(china('2026-01-31T10:00:00'), duration('P1M')), china('2026-02-28T10:00:00'));
      assert.equal(addDuration(china('2024-01-31T10:00:00'), duration('P1M')), china('2024-02-29T10:00:00'));
      assert.equal(addDuration(china('2026-03-31T10:00:00'), duration('P1M')), china('2026-04-30T10:00:00'));
      assert.equal(addDuration(china('2024-02-29T00:00:00'), duration('P1Y')), china('2025-02-28T00:00:00'));
    });

    it('should keep the day of month when it exists and cross year ends', function () {
      // then
      assert.equal(addDuration(china('2026-11-15T08:30:00'), duration('P3M')), china('2027-02-15T08:30:00'));
      assert.equal(
        addDuration(china('2026-01-15T08:30:00'), duration('P1Y2M')),
        china('2027-03-15T08:30:00'),
      );
    });

    it('should add months before days', function () {
      // when
      const due = addDuration(china('2026-01-31T00:00:00'), duration('P1M1D'));

      // then
      assert.equal(due, china('2026-03-01T00:00:00'));
    });

    it('should use the China-time date, not the UTC date, for calendar months', function () {
      // given 2026-01-31T20:00Z is already 1 February 04:00 in China
      const from = Date.parse('2026-01-31T20:00:00Z');

      // when
      const due = addDuration(from, duration('P1M'));

      // then
      assert.equal(due, china('2026-03-01T04:00:00'));
    });

    it('should add weeks, days and time exactly, including fractional seconds', function () {
      // given
      const from = china('2026-03-01T09:00:00');

      // then
      assert.equal(addDuration(from, duration('P1W2DT3H4M5S')), china('2026-03-10T12:04:05'));
      assert.equal(addDuration(from, duration('PT0.25S')), from + 250);
      assert.equal(addDuration(from, duration('PT36H')), china('2026-03-02T21:00:00'));
    });
  });

  describe('parseTimeCycle', function () {
    it('should read an unbounded cycle', function () {
      // then
      assert.deepEqual(parseTimeCycle('R/PT10M'), {
        ok: true,
        value: { repetitions: null, duration: duration('PT10M') },
      });
      assert.deepEqual(parseTimeCycle('R/P2D'), {
        ok: true,
        value: { repetitions: null, duration: duration('P2D') },
      });
    });

    it('should read a bounded cycle', function () {
      // then
      assert.deepEqual(parseTimeCycle('R3/PT10M'), {
        ok: true,
        value: { repetitions: 3, duration: duration('PT10M') },
      });
    });

    it('should read a cycle with a start', function () {
      // when
      const result = parseTimeCycle('R3/2026-03-01T09:00:00+08:00/P1D');

      // then
      assert.deepEqual(result, {
        ok: true,
        value: { repetitions: 3, start: china('2026-03-01T09:00:00'), duration: duration('P1D') },
      });
    });

    it('should read an offset-less start as China time', function () {
      // then
      assert.equal(valueOf(parseTimeCycle('R/2026-03-01T09:00:00/PT1H')).start, china('2026-03-01T09:00:00'));
    });

    it('should reject cron expressions with a clear message', function () {
      // given
      const crons = ['0 0 9 * * ?', '*/5 * * * *', '0 0 9 ? * MON-FRI 2026'];

      for (const text of crons) {
        // when
        const message = messageOf(parseTimeCycle(text));

        // then
        assert.ok(message.includes(JSON.stringify(text)), message);
        assert.ok(message.includes('cron cycles are not supported; use ISO 8601 R/…'), message);
      }
    });

    it('should return a message naming the text for malformed cycles', function () {
      // given
      const cases: [string, string][] = [
        ['', '(empty)'],
        ['R3', '"R3"'],
        ['PT10M', '"PT10M"'],
        ['Rx/PT10M', '"Rx/PT10M"'],
        ['R-1/PT10M', '"R-1/PT10M"'],
        ['R3/PT0S', 'the duration must be longer than zero'],
        ['R3/PT10M/2026-03-01T09:00:00Z', 'the R/duration/end form is not supported'],
        ['R3/2026-03-01T09:00:00Z/2026-03-02T09:00:00Z', 'the R/start/end form is not supported'],
        ['R3/a/b/c', '"R3/a/b/c"'],
        ['R3/P1D/', 'the R/duration/end form is not supported'],
        ['@daily', '"@daily"'],
      ];

      for (const [text, expected] of cases) {
        // when
        const message = messageOf(parseTimeCycle(text));

        // then
        assert.ok(message.startsWith('Expected an ISO 8601 repeating interval such as R/PT10M'), message);
        assert.ok(message.includes(expected), `${JSON.stringify(text)} → ${message}`);
      }
    });

    it('should name the cycle and the inner problem for a bad start or duration', function () {
      // then
      assert.equal(
        messageOf(parseTimeCycle('R3/2026-02-30T09:00:00Z/P1D')),
        'In timer cycle "R3/2026-02-30T09:00:00Z/P1D": Expected an ISO 8601 date-time such as 2026-03-01T09:00:00+08:00, 2026-03-01T01:00:00Z or 2026-03-01, but got "2026-02-30T09:00:00Z": 2026-02 has no day 30',
      );
      assert.equal(
        messageOf(parseTimeCycle('R/P1X')),
        'In timer cycle "R/P1X": Expected an ISO 8601 duration such as PT10M, P3D, P1M or PT0.25S, but got "P1X"',
      );
    });
  });

  describe('nextCycleDue', function () {
    it('should count from the anchor when there is no start', function () {
      // given
      const cycle = valueOf(parseTimeCycle('R3/PT10M'));
      const anchor = china('2026-03-01T09:00:00');

      // when
      const dues = [0, 1, 2, 3].map((fired) => nextCycleDue(cycle, anchor, fired));

      // then
      assert.deepEqual(dues, [
        china('2026-03-01T09:10:00'),
        china('2026-03-01T09:20:00'),
        china('2026-03-01T09:30:00'),
        undefined,
      ]);
    });

    it('should fire first at the start when one is given, and ignore the anchor', function () {
      // given
      const cycle = valueOf(parseTimeCycle('R3/2026-03-01T09:00:00+08:00/P1D'));
      const anchor = china('2026-02-20T15:00:00');

      // when
      const dues = [0, 1, 2, 3].map((fired) => nextCycleDue(cycle, anchor, fired));

      // then
      assert.deepEqual(dues, [
        china('2026-03-01T09:00:00'),
        china('2026-03-02T09:00:00'),
        china('2026-03-03T09:00:00'),
        undefined,
      ]);
    });

    it('should never run out for an unbounded cycle', function () {
      // given
      const cycle = valueOf(parseTimeCycle('R/P2D'));
      const anchor = china('2026-03-01T09:00:00');

      // then
      assert.equal(nextCycleDue(cycle, anchor, 0), china('2026-03-03T09:00:00'));
      assert.equal(nextCycleDue(cycle, anchor, 999), china('2026-03-01T09:00:00') + 2000 * 86_400_000);
    });

    it('should keep a monthly cycle on its day of month after a short month', function () {
      // given
      const cycle = valueOf(parseTimeCycle('R4/2026-01-31T09:00:00+08:00/P1M'));

      // when
      const dues = [0, 1, 2, 3].map((fired) => nextCycleDue(cycle, 0, fired));

      // then
      assert.deepEqual(dues, [
        china('2026-01-31T09:00:00'),
        china('2026-02-28T09:00:00'),
        china('2026-03-31T09:00:00'),
        china('2026-04-30T09:00:00'),
      ]);
    });

    it('should never fire an R0 cycle', function () {
      // given
      const cycle: TimeCycle = valueOf(parseTimeCycle('R0/PT1M'));

      // then
      assert.equal(nextCycleDue(cycle, 0, 0), undefined);
    });

    it('should refuse a negative or fractional fired count', function () {
      // given
      const cycle = valueOf(parseTimeCycle('R/PT1M'));

      // then
      assert.throws(() => nextCycleDue(cycle, 0, -1), RangeError);
      assert.throws(() => nextCycleDue(cycle, 0, 1.5), RangeError);
    });
  });

  describe('formatDuration', function () {
    it('should write a parsed duration back as the same text', function () {
      // given
      const texts = ['P1Y2M3W4DT5H6M7.5S', 'PT0.25S', 'P1M', 'PT10M', 'P3D'];

      // then
      for (const text of texts) assert.equal(formatDuration(duration(text)), text);
      assert.equal(formatDuration(ZERO), 'PT0S');
    });
  });
});
