/**
 * Civil (calendar) dates as whole day numbers, counted from 1970-01-01 = day 0, proleptic Gregorian.
 *
 * Timers and working calendars reason about "the date in China" rather than about instants, and
 * `Date.UTC` maps years 0–99 to 1900–1999. These few functions do the date arithmetic with plain
 * integers instead (Howard Hinnant's `days_from_civil` / `civil_from_days`), so the results do not
 * depend on the host time zone and hold for every year the ISO 8601 parsers accept (0000–9999).
 */

/** Milliseconds in one day; exact in every fixed UTC offset (China time has no daylight saving). */
export const MS_PER_DAY = 86_400_000;

/** A calendar date; `month` is 1–12 and `day` 1–31. */
export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Whether `year` has a 29 February; needed to validate dates and clamp month-end arithmetic. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Number of days in `month` (1–12) of `year`; the clamp for month-end arithmetic. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Day number of a calendar date (1970-01-01 is 0); the inverse of {@link civilFromDays}. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Calendar date of a day number; the inverse of {@link daysFromCivil}. */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day of the week of a day number, 0 = Sunday … 6 = Saturday (the `Date#getUTCDay` convention). */
export function weekdayOfDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/**
 * Day number of a strict `YYYY-MM-DD` string, or undefined when the text is not one or names a
 * date that does not exist (2026-02-29). Used for calendar data, where a typo must not pass.
 */
export function parseIsoDate(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

/** `YYYY-MM-DD` of a day number (years 0–9999), for messages and data keys. */
export function formatIsoDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The local day number that instant `ms` falls on at a fixed UTC offset (minutes east of UTC). */
export function localDayOf(ms: number, utcOffsetMinutes: number): number {
  return Math.floor((ms + utcOffsetMinutes * 60_000) / MS_PER_DAY);
}

/** The instant (epoch ms UTC) at which local day `days` begins, 00:00 at a fixed UTC offset. */
export function startOfLocalDay(days: number, utcOffsetMinutes: number): number {
  return days * MS_PER_DAY - utcOffsetMinutes * 60_000;
}
