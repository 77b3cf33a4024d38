/**
 * Dates of account (记账日期) in China time: notices fall due at the end of a China day, bank records and
 * treasury entries belong to the China day they happened on, the daily reconciliation checks one such day.
 * Dates are `YYYY-MM-DD` text; instants are epoch ms (UTC).
 */

const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** The China calendar date of an instant. */
export function chinaDate(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** A date plus whole days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The last second of a China day, as the ISO text a timer's timeDate reads. */
export function endOfChinaDay(date: string): string {
  return `${date}T23:59:59+08:00`;
}

/** True if `text` is a real `YYYY-MM-DD` date. */
export function isDate(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}
