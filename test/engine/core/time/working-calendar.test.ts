import assert from 'node:assert/strict';

import {
  CHINA_HOLIDAY_SCHEDULES,
  chinaCalendar,
} from '../../../../engine/core/time/calendars/china-calendar.js';
import { CN_2026 } from '../../../../engine/core/time/calendars/cn-2026.js';
import { parseDuration } from '../../../../engine/core/time/iso-timer.js';
import { MAX_WORKING_DAYS, WorkingCalendar } from '../../../../engine/core/time/working-calendar.js';

/** Instant of a China-time wall clock reading, computed by the platform. */
function china(localDateTime: string): number {
  return Date.parse(`${localDateTime}+08:00`);
}

/** The deadline instant "end of <date>" = next midnight China time, computed by the platform. */
function endOf(date: string): number {
  return Date.parse(`${date}T00:00:00+08:00`) + 86_400_000;
}

/**
 * An independent oracle for 2026: walks the UTC calendar with Date, and reads the holiday and
 * workday lists straight from CN_2026 (the implementation uses day numbers, sets and arithmetic).
 */
function isWorkingDayByHand(date: string): boolean {
  if (CN_2026.holidays.some((h) => h.date === date)) return false;
  if (CN_2026.workdays.some((w) => w.date === date)) return true;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday >= 1 && weekday <= 5;
}

function datesOf(year: number): string[] {
  const dates: string[] = [];
  for (
    let d = new Date(Date.UTC(year, 0, 1));
    d.getUTCFullYear() === year;
    d.setUTCDate(d.getUTCDate() + 1)
  ) {
    dates.push(d.toISOString().slice(0, 10));
  }
  return dates;
}

function durationOf(text: string) {
  const result = parseDuration(text);
  if (!result.ok) assert.fail(result.message);
  return result.value;
}

describe('time/working-calendar', function () {
  const calendar = chinaCalendar();

  describe('isWorkingDay', function () {
    it('should follow Monday–Friday, holidays and 调休 workdays', function () {
      // then
      assert.equal(calendar.isWorkingDay('2026-02-13'), true, 'Friday');
      assert.equal(calendar.isWorkingDay('2026-02-14'), true, 'Saturday, 调休上班');
      assert.equal(calendar.isWorkingDay('2026-02-16'), false, 'Monday, 春节');
      assert.equal(calendar.isWorkingDay('2026-03-07'), false, 'ordinary Saturday');
      assert.equal(calendar.isWorkingDay('2026-03-09'), true, 'ordinary Monday');
      assert.equal(calendar.isWorkingDay('2026-01-04'), true, 'Sunday, 调休上班');
    });

    it('should agree with an independent day-by-day rule on every day of 2026', function () {
      // given
      const mismatches = datesOf(2026).filter(
        (date) => calendar.isWorkingDay(date) !== isWorkingDayByHand(date),
      );

      // then
      assert.deepEqual(mismatches, []);
    });

    it('should take the China-time day of an instant', function () {
      // given 2026-02-14T16:30Z is 2026-02-15 00:30 in China (春节), while the UTC date is the 调休 Saturday
      const instant = Date.parse('2026-02-14T16:30:00Z');

      // then
      assert.equal(calendar.isWorkingDay(instant), false);
      assert.equal(calendar.isWorkingDay(Date.parse('2026-02-14T15:59:59.999Z')), true);
    });

    it('should refuse a malformed date string', function () {
      // then
      assert.throws(
        () => calendar.isWorkingDay('2026-02-30'),
        /Expected date as an existing YYYY-MM-DD date/,
      );
      assert.throws(() => calendar.isWorkingDay('2026/02/13'), RangeError);
    });
  });

  describe('addWorkingDays', function () {
    it('should land on a 调休 Saturday', function () {
      // when 2026-02-13 is a Friday; the 14th is a 调休 working Saturday
      const due = calendar.addWorkingDays(china('2026-02-13T10:00:00'), 1);

      // then
      assert.equal(due, endOf('2026-02-14'));
      assert.equal(due, Date.parse('2026-02-14T16:00:00Z'));
    });

    it('should skip the Spring Festival holiday', function () {
      // when 15–23 February are off; the 24th is a Tuesday
      const due = calendar.addWorkingDays(china('2026-02-14T09:00:00'), 1);

      // then
      assert.equal(due, endOf('2026-02-24'));
    });

    it('should skip the National Day holiday', function () {
      // when 1–7 October are off; the 8th is a Thursday
      const due = calendar.addWorkingDays(china('2026-09-30T17:00:00'), 1);

      // then
      assert.equal(due, endOf('2026-10-08'));
    });

    it('should land on the 调休 Saturday after National Day', function () {
      // when 2026-10-09 is a Friday; the 10th is a 调休 working Saturday
      const due = calendar.addWorkingDays(china('2026-10-09T11:00:00'), 1);

      // then
      assert.equal(due, endOf('2026-10-10'));
    });

    it('should count several days across a holiday and a 调休 Saturday', function () {
      // when 2026-04-30 is a Thursday; 1–5 May are off; 6, 7, 8, 9 (调休 Saturday), 11 May are working days
      const due = calendar.addWorkingDays(china('2026-04-30T12:00:00'), 5);

      // then
      assert.equal(due, endOf('2026-05-11'));
    });

    it('should not count the starting day even when it is a working day', function () {
      // when a Monday morning plus 1
      const due = calendar.addWorkingDays(china('2026-03-09T08:00:00'), 1);

      // then
      assert.equal(due, endOf('2026-03-10'));
    });

    it('should count from the China-time day, not the UTC day', function () {
      // given 2026-02-12T16:30Z is Friday 2026-02-13 00:30 in China
      const from = Date.parse('2026-02-12T16:30:00Z');

      // then
      assert.equal(calendar.addWorkingDays(from, 1), endOf('2026-02-14'));
    });

    it('should end today for n = 0 on a working day, even at its last millisecond', function () {
      // then
      assert.equal(calendar.addWorkingDays(china('2026-03-09T08:00:00'), 0), endOf('2026-03-09'));
      assert.equal(calendar.addWorkingDays(endOf('2026-03-09') - 1, 0), endOf('2026-03-09'));
      assert.equal(calendar.addWorkingDays(china('2026-02-14T08:00:00'), 0), endOf('2026-02-14'));
    });

    it('should end the next working day for n = 0 on a day off', function () {
      // then
      assert.equal(calendar.addWorkingDays(china('2026-10-03T10:00:00'), 0), endOf('2026-10-08'));
      assert.equal(calendar.addWorkingDays(china('2026-03-07T10:00:00'), 0), endOf('2026-03-09'));
      assert.equal(calendar.addWorkingDays(endOf('2026-03-09'), 0), endOf('2026-03-10'));
    });

    it('should refuse n that is negative, fractional or too large', function () {
      // given
      const from = china('2026-03-09T08:00:00');

      // then
      for (const n of [-1, 1.5, Number.NaN, MAX_WORKING_DAYS + 1]) {
        assert.throws(() => calendar.addWorkingDays(from, n), RangeError, String(n));
      }
    });
  });

  describe('addWorkingDuration', function () {
    it('should treat P1D like one working day', function () {
      // given
      const from = china('2026-02-13T10:00:00');

      // then
      assert.deepEqual(calendar.addWorkingDuration(from, durationOf('P1D')), {
        ok: true,
        value: endOf('2026-02-14'),
      });
    });

    it('should count a week as five working days', function () {
      // when 8, 9, 10 (调休 Saturday), 12, 13 October
      const result = calendar.addWorkingDuration(china('2026-09-30T10:00:00'), durationOf('P1W'));

      // then
      assert.deepEqual(result, { ok: true, value: endOf('2026-10-13') });
    });

    it('should add hours after the working days, and alone as plain time', function () {
      // given
      const from = china('2026-02-13T10:00:00');

      // then
      assert.deepEqual(calendar.addWorkingDuration(from, durationOf('P1DT2H')), {
        ok: true,
        value: endOf('2026-02-14') + 2 * 3_600_000,
      });
      assert.deepEqual(calendar.addWorkingDuration(from, durationOf('PT4H30M0.5S')), {
        ok: true,
        value: from + 4.5 * 3_600_000 + 500,
      });
    });

    it('should refuse years and months with a message naming the duration', function () {
      // when
      const months = calendar.addWorkingDuration(0, durationOf('P1M2D'));
      const years = calendar.addWorkingDuration(0, durationOf('P1Y'));

      // then
      assert.deepEqual(months, {
        ok: false,
        message:
          'Expected a working-time duration of weeks, days, hours, minutes or seconds (P5D, P1W, PT4H), but got P1M2D: years and months cannot be counted in working days',
      });
      assert.equal(years.ok, false);
    });

    it('should refuse more working days than the limit without throwing', function () {
      // when
      const result = calendar.addWorkingDuration(0, durationOf('P100001D'));

      // then
      assert.equal(result.ok, false);
    });
  });

  describe('workingDaysBetween', function () {
    it('should count the working days after the start day up to and including the end day', function () {
      // given
      const friday = china('2026-02-13T10:00:00');
      const tuesdayAfterSpringFestival = china('2026-02-24T15:00:00');

      // then 14 (调休) and 24
      assert.equal(calendar.workingDaysBetween(friday, tuesdayAfterSpringFestival), 2);
      assert.equal(calendar.workingDaysBetween(tuesdayAfterSpringFestival, friday), -2);
      assert.equal(calendar.workingDaysBetween(friday, china('2026-02-13T23:00:00')), 0);
    });

    it('should count exactly 248 working days in 2026', function () {
      // given 261 Monday–Friday days − 19 weekday holidays + 6 调休 weekend workdays
      const byHand = datesOf(2026).filter(isWorkingDayByHand).length;

      // when
      const counted = calendar.workingDaysBetween(china('2025-12-31T12:00:00'), china('2026-12-31T12:00:00'));

      // then
      assert.equal(byHand, 248);
      assert.equal(counted, 248);
    });

    it('should invert addWorkingDays for every start day of 2026 and n from 1 to 30', function () {
      // given
      const failures: string[] = [];

      // when
      for (const date of datesOf(2026)) {
        const from = china(`${date}T13:00:00`);
        for (let n = 1; n <= 30; n += 1) {
          const count = calendar.workingDaysBetween(from, calendar.addWorkingDays(from, n) - 1);
          if (count !== n) failures.push(`${date} + ${n} → ${count}`);
        }
      }

      // then
      assert.deepEqual(failures, []);
    });

    it('should count long ranges arithmetically', function () {
      // given 2027–2126 are not covered: 100 years of plain Monday–Friday weeks
      const from = china('2026-12-31T12:00:00');
      const to = china('2126-12-31T12:00:00');
      let byHand = 0;
      for (
        let d = new Date(Date.UTC(2027, 0, 1));
        d.getUTCFullYear() <= 2126;
        d.setUTCDate(d.getUTCDate() + 1)
      ) {
        if (d.getUTCDay() >= 1 && d.getUTCDay() <= 5) byHand += 1;
      }

      // then
      assert.equal(calendar.workingDaysBetween(from, to), byHand);
    });
  });

  describe('years without data', function () {
    it('should say which years it covers', function () {
      // then
      assert.equal(calendar.covers(2026), true);
      assert.equal(calendar.covers(2027), false);
      assert.equal(calendar.covers(2025), false);
      assert.deepEqual(calendar.coveredYears, [2026]);
    });

    it('should treat an uncovered year as plain Monday–Friday', function () {
      // then 2027-01-01 is a Friday (元旦 in reality, but 2027 data is not shipped)
      assert.equal(calendar.isWorkingDay('2027-01-01'), true);
      assert.equal(calendar.isWorkingDay('2027-01-02'), false);
      assert.equal(calendar.addWorkingDays(china('2027-01-01T10:00:00'), 1), endOf('2027-01-04'));
      assert.equal(calendar.addWorkingDays(china('2026-12-31T10:00:00'), 1), endOf('2027-01-01'));
    });
  });

  describe('constructor', function () {
    it('should derive the covered years from the holidays when none are given', function () {
      // when
      const custom = new WorkingCalendar({ holidays: ['2030-05-01'], workdays: [], utcOffsetMinutes: 480 });

      // then
      assert.deepEqual(custom.coveredYears, [2030]);
      assert.equal(custom.isWorkingDay('2030-05-01'), false);
    });

    it('should use its own UTC offset', function () {
      // given a calendar on UTC
      const utc = new WorkingCalendar({ holidays: [], workdays: [], utcOffsetMinutes: 0 });

      // then Friday 2026-03-06 23:00 UTC plus 1 → end of Monday 9 March, UTC
      assert.equal(
        utc.addWorkingDays(Date.parse('2026-03-06T23:00:00Z'), 1),
        Date.parse('2026-03-10T00:00:00Z'),
      );
    });

    it('should refuse bad calendar data', function () {
      // then
      assert.throws(
        () =>
          new WorkingCalendar({ holidays: ['2026-02-14'], workdays: ['2026-02-14'], utcOffsetMinutes: 480 }),
        /Expected 2026-02-14 to be a holiday or a workday, but it is listed as both/,
      );
      assert.throws(
        () => new WorkingCalendar({ holidays: [], workdays: ['2026-02-13'], utcOffsetMinutes: 480 }),
        /Expected workday 2026-02-13 to be a Saturday or Sunday/,
      );
      assert.throws(
        () => new WorkingCalendar({ holidays: ['2026-02-30'], workdays: [], utcOffsetMinutes: 480 }),
        /Expected holiday as an existing YYYY-MM-DD date, but got "2026-02-30"/,
      );
      assert.throws(
        () => new WorkingCalendar({ holidays: [], workdays: [], utcOffsetMinutes: 8.5 }),
        RangeError,
      );
    });
  });
});

describe('time/calendars/cn-2026', function () {
  it('should list every day of each festival as in the State Council notice', function () {
    // given
    const spans: Record<string, [string, number]> = {
      元旦: ['2026-01-01', 3],
      春节: ['2026-02-15', 9],
      清明节: ['2026-04-04', 3],
      劳动节: ['2026-05-01', 5],
      端午节: ['2026-06-19', 3],
      中秋节: ['2026-09-25', 3],
      国庆节: ['2026-10-01', 7],
    };

    for (const [festival, [first, days]] of Object.entries(spans)) {
      // when
      const dates = CN_2026.holidays.filter((h) => h.festival === festival).map((h) => h.date);
      const expected = Array.from({ length: days }, (_, i) =>
        new Date(Date.parse(`${first}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
      );

      // then
      assert.deepEqual(dates, expected, festival);
    }
    assert.equal(CN_2026.holidays.length, 33);
  });

  it('should list the six 调休 workdays, all on weekends', function () {
    // when
    const workdays = CN_2026.workdays.map(
      (w) => `${w.date} ${w.festival} ${new Date(`${w.date}T00:00:00Z`).getUTCDay()}`,
    );

    // then
    assert.deepEqual(workdays, [
      '2026-01-04 元旦 0',
      '2026-02-14 春节 6',
      '2026-02-28 春节 6',
      '2026-05-09 劳动节 6',
      '2026-09-20 国庆节 0',
      '2026-10-10 国庆节 6',
    ]);
  });

  it('should be part of the shipped China calendar', function () {
    // then
    assert.deepEqual(CHINA_HOLIDAY_SCHEDULES, [CN_2026]);
    assert.equal(chinaCalendar(), chinaCalendar());
  });
});
