import assert from 'node:assert/strict';

import {
  civilFromDays,
  daysFromCivil,
  formatIsoDate,
  localDayOf,
  parseIsoDate,
  startOfLocalDay,
  weekdayOfDays,
} from '../../../../engine/core/time/civil-date.js';

describe('time/civil-date', function () {
  it('should match the platform calendar for every day from 1899 to 2101', function () {
    // given
    const mismatches: string[] = [];

    // when
    for (
      let d = new Date(Date.UTC(1899, 0, 1));
      d.getUTCFullYear() <= 2101;
      d.setUTCDate(d.getUTCDate() + 1)
    ) {
      const days = Math.floor(d.getTime() / 86_400_000);
      const civil = civilFromDays(days);
      if (
        daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()) !== days ||
        civil.year !== d.getUTCFullYear() ||
        civil.month !== d.getUTCMonth() + 1 ||
        civil.day !== d.getUTCDate() ||
        weekdayOfDays(days) !== d.getUTCDay() ||
        formatIsoDate(days) !== d.toISOString().slice(0, 10)
      ) {
        mismatches.push(d.toISOString());
      }
    }

    // then
    assert.deepEqual(mismatches, []);
  });

  it('should parse only existing YYYY-MM-DD dates', function () {
    // then
    assert.equal(parseIsoDate('1970-01-01'), 0);
    assert.equal(parseIsoDate('2024-02-29'), daysFromCivil(2024, 2, 29));
    assert.equal(parseIsoDate('2026-02-29'), undefined);
    assert.equal(parseIsoDate('2026-00-10'), undefined);
    assert.equal(parseIsoDate('2026-1-10'), undefined);
    assert.equal(formatIsoDate(daysFromCivil(50, 3, 1)), '0050-03-01');
  });

  it('should find the local day of an instant and the instant a local day starts', function () {
    // given 2026-02-14T16:30Z is 2026-02-15 00:30 at +08:00
    const instant = Date.parse('2026-02-14T16:30:00Z');

    // when
    const day = localDayOf(instant, 480);

    // then
    assert.equal(formatIsoDate(day), '2026-02-15');
    assert.equal(startOfLocalDay(day, 480), Date.parse('2026-02-15T00:00:00+08:00'));
    assert.equal(formatIsoDate(localDayOf(Date.parse('1969-12-31T23:00:00Z'), 0)), '1969-12-31');
  });
});
