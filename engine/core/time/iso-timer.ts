/**
 * BPMN timer definitions: ISO 8601 `timeDate`, `timeDuration` and `timeCycle` texts, parsed into
 * plain values and turned into due times (epoch milliseconds UTC).
 *
 * Rules:
 * - Parsers never throw. They return `{ ok: false, message }` naming the offending text, so model
 *   validation can report it as a problem and the runtime can raise an incident.
 * - Wall-clock reasoning (a date-time without offset, calendar months) uses China time, UTC+08:00.
 *   China has had no daylight saving since 1991, so a local day is always exactly 24 hours.
 * - Cron expressions are refused: one notation for cycles, the one BPMN itself names.
 */
import { MS_PER_DAY, civilFromDays, daysFromCivil, daysInMonth } from './civil-date.js';

/** China Standard Time, minutes east of UTC; the zone for offset-less texts and calendar arithmetic. */
export const CHINA_UTC_OFFSET_MINUTES = 480;

/** Outcome of a time parser or calculation that can fail on its input; never thrown. */
export type TimeResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * An ISO 8601 duration `PnYnMnWnDTnHnMnS`, kept by component because years and months have no
 * fixed length in milliseconds (see {@link addDuration}). Only `seconds` may be fractional.
 */
export interface IsoDuration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

/**
 * An ISO 8601 repeating interval `R[n]/[start/]duration`. `repetitions` is the total number of
 * firings, `null` for unbounded (`R/…`). `start`, when given, is the instant of the first firing.
 */
export interface TimeCycle {
  readonly repetitions: number | null;
  readonly start?: number;
  readonly duration: IsoDuration;
}

/** Longest text any parser here reads; a timer definition is a short token, not a document. */
const MAX_TEXT_LENGTH = 200;

/** Upper bound on a duration (about 10 000 years, counted generously) so due times stay valid dates. */
const MAX_DURATION_DAYS = 3_660_000;

/** Largest instant a JavaScript `Date` can represent (±8.64e15 ms). */
const MAX_DATE_MS = 8.64e15;

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const DURATION =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

const DATE_TIME_EXAMPLE = '2026-03-01T09:00:00+08:00, 2026-03-01T01:00:00Z or 2026-03-01';
const DURATION_EXAMPLE = 'PT10M, P3D, P1M or PT0.25S';
const CYCLE_EXAMPLE = 'R/PT10M, R3/PT10M or R3/2026-03-01T09:00:00+08:00/P1D';

/**
 * Parses a BPMN `timeDate`: an ISO 8601 date-time with `Z` or an offset (`+08:00`, `+0800`, `+08`),
 * optional seconds and optional fraction (`.250`, digits beyond milliseconds are truncated).
 * Without an offset the text is read as China time (+08:00), because that is what a person in a
 * Chinese finance office means by "09:00"; a plain date `2026-03-01` means 00:00 China time.
 * Returns epoch milliseconds UTC.
 */
export function parseTimeDate(text: string): TimeResult<number> {
  const trimmed = text.trim();
  const shown = quote(text);
  const fail = (why: string): TimeResult<number> => ({
    ok: false,
    message: `Expected an ISO 8601 date-time such as ${DATE_TIME_EXAMPLE}, but got ${shown}${why}`,
  });
  if (trimmed.length === 0) return fail(' (empty)');
  if (trimmed.length > MAX_TEXT_LENGTH) return fail(` (longer than ${MAX_TEXT_LENGTH} characters)`);
  const match = DATE_TIME.exec(trimmed);
  if (!match) return fail('');
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12) return fail(`: month ${mo} is not 01–12`);
  if (day < 1 || day > daysInMonth(year, month)) return fail(`: ${y}-${mo} has no day ${d}`);
  if (hour > 23) return fail(`: hour ${h} is not 00–23`);
  if (minute > 59) return fail(`: minute ${mi} is not 00–59`);
  if (second > 59) return fail(`: second ${s} is not 00–59`);
  let offsetMinutes = CHINA_UTC_OFFSET_MINUTES;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2) || '0');
    if (offsetHours > 23 || offsetMins > 59) return fail(`: offset ${zone} is not a valid UTC offset`);
    offsetMinutes = sign * (offsetHours * 60 + offsetMins);
  } else if (zone === 'Z') {
    offsetMinutes = 0;
  }
  const millis = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const localMs = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000;
  return { ok: true, value: localMs + millis - offsetMinutes * 60_000 };
}

/**
 * Parses a BPMN `timeDuration`: ISO 8601 `PnYnMnWnDTnHnMnS`. Every component is a whole number
 * except seconds, which may have a fraction (`PT0.25S`, `.` or `,`). At least one component is
 * required, negative durations are refused, and so is anything longer than about 10 000 years.
 */
export function parseDuration(text: string): TimeResult<IsoDuration> {
  const trimmed = text.trim();
  const shown = quote(text);
  const fail = (why: string): TimeResult<IsoDuration> => ({
    ok: false,
    message: `Expected an ISO 8601 duration such as ${DURATION_EXAMPLE}, but got ${shown}${why}`,
  });
  if (trimmed.length === 0) return fail(' (empty)');
  if (trimmed.length > MAX_TEXT_LENGTH) return fail(` (longer than ${MAX_TEXT_LENGTH} characters)`);
  if (trimmed.startsWith('-')) return fail(': negative durations are not supported');
  const match = DURATION.exec(trimmed);
  if (!match) return fail('');
  const [, y, mo, w, d, h, mi, s] = match;
  if (y === undefined && mo === undefined && w === undefined && d === undefined) {
    if (h === undefined && mi === undefined && s === undefined) return fail(': it has no components');
  }
  if (trimmed.includes('T') && h === undefined && mi === undefined && s === undefined) {
    return fail(': "T" must be followed by hours, minutes or seconds');
  }
  const duration: IsoDuration = {
    years: Number(y ?? 0),
    months: Number(mo ?? 0),
    weeks: Number(w ?? 0),
    days: Number(d ?? 0),
    hours: Number(h ?? 0),
    minutes: Number(mi ?? 0),
    seconds: Number((s ?? '0').replace(',', '.')),
  };
  const approxDays =
    duration.years * 366 +
    duration.months * 31 +
    duration.weeks * 7 +
    duration.days +
    (duration.hours * 3600 + duration.minutes * 60 + duration.seconds) / 86_400;
  if (!(approxDays <= MAX_DURATION_DAYS)) return fail(': it is longer than 10000 years');
  return { ok: true, value: duration };
}

/**
 * Adds a duration to an instant, the way a calendar does (ISO 8601 / XML Schema order):
 * 1. years and months move the China-time (or `utcOffsetMinutes`) date by calendar months, keeping
 *    the time of day; a day that does not exist in the target month is clamped to its last day
 *    (2026-01-31 + P1M = 2026-02-28, 2024-02-29 + P1Y = 2025-02-28);
 * 2. weeks and days then add 7 and 1 local days (always 24 h, as the offset is fixed);
 * 3. hours, minutes and seconds add exact time, rounded to whole milliseconds.
 * Clamping makes P1M + P1M differ from P2M after a month end; {@link nextCycleDue} therefore
 * multiplies the duration and adds it once, so a monthly cycle keeps its day of month.
 */
export function addDuration(
  fromMs: number,
  duration: IsoDuration,
  utcOffsetMinutes: number = CHINA_UTC_OFFSET_MINUTES,
): number {
  const offsetMs = utcOffsetMinutes * 60_000;
  const local = fromMs + offsetMs;
  const localDay = Math.floor(local / MS_PER_DAY);
  const timeOfDay = local - localDay * MS_PER_DAY;
  let day = localDay;
  const monthsToAdd = duration.years * 12 + duration.months;
  if (monthsToAdd !== 0) {
    const date = civilFromDays(localDay);
    const monthIndex = date.year * 12 + (date.month - 1) + monthsToAdd;
    const year = Math.floor(monthIndex / 12);
    const month = monthIndex - year * 12 + 1;
    day = daysFromCivil(year, month, Math.min(date.day, daysInMonth(year, month)));
  }
  day += duration.weeks * 7 + duration.days;
  const timeMs = Math.round(((duration.hours * 60 + duration.minutes) * 60 + duration.seconds) * 1000);
  return day * MS_PER_DAY + timeOfDay - offsetMs + timeMs;
}

/**
 * Parses a BPMN `timeCycle`: an ISO 8601 repeating interval `R/duration` (unbounded),
 * `Rn/duration` (n firings) or `Rn/start/duration` (n firings, the first at `start`, which is read
 * like {@link parseTimeDate}). The duration must be longer than zero, or the timer would fire in a
 * loop. The `duration/end` and `start/end` forms and cron expressions are refused with a message.
 */
export function parseTimeCycle(text: string): TimeResult<TimeCycle> {
  const trimmed = text.trim();
  const shown = quote(text);
  const fail = (why: string): TimeResult<TimeCycle> => ({
    ok: false,
    message: `Expected an ISO 8601 repeating interval such as ${CYCLE_EXAMPLE}, but got ${shown}${why}`,
  });
  if (trimmed.length === 0) return fail(' (empty)');
  if (trimmed.length > MAX_TEXT_LENGTH) return fail(` (longer than ${MAX_TEXT_LENGTH} characters)`);
  if (looksLikeCron(trimmed)) {
    return {
      ok: false,
      message: `Timer cycle ${shown} looks like a cron expression: cron cycles are not supported; use ISO 8601 R/… (for example ${CYCLE_EXAMPLE})`,
    };
  }
  const parts = trimmed.split('/');
  const head = /^R(\d*)$/.exec(parts[0] ?? '');
  if (!head || parts.length < 2 || parts.length > 3) return fail('');
  const digits = head[1] ?? '';
  const repetitions = digits === '' ? null : Number(digits);
  if (repetitions !== null && !Number.isSafeInteger(repetitions)) return fail(': too many repetitions');

  let start: number | undefined;
  let durationText: string;
  if (parts.length === 3) {
    const [, first = '', second = ''] = parts;
    if (first.startsWith('P'))
      return fail(': the R/duration/end form is not supported; give a start instead');
    if (!second.startsWith('P'))
      return fail(': the R/start/end form is not supported; give a duration instead');
    const parsedStart = parseTimeDate(first);
    if (!parsedStart.ok) return { ok: false, message: `In timer cycle ${shown}: ${parsedStart.message}` };
    start = parsedStart.value;
    durationText = second;
  } else {
    durationText = parts[1] ?? '';
  }
  const parsedDuration = parseDuration(durationText);
  if (!parsedDuration.ok) return { ok: false, message: `In timer cycle ${shown}: ${parsedDuration.message}` };
  const duration = parsedDuration.value;
  if (isZero(duration)) return fail(': the duration must be longer than zero');
  return {
    ok: true,
    value: start === undefined ? { repetitions, duration } : { repetitions, start, duration },
  };
}

/**
 * Due time of the (firedCount + 1)-th firing of a cycle, or undefined when its repetitions are
 * used up (or the instant would not be a valid date).
 * - With a start: `start + firedCount × duration` (the first firing is at start; the anchor is ignored).
 * - Without: `anchorMs + (firedCount + 1) × duration`, anchorMs being when the timer was armed.
 * Counting from the fixed origin, not from the last firing, keeps a late firing from shifting later
 * ones. `firedCount` must be a whole number ≥ 0 (RangeError otherwise: a caller bug, not input).
 */
export function nextCycleDue(cycle: TimeCycle, anchorMs: number, firedCount: number): number | undefined {
  if (!Number.isSafeInteger(firedCount) || firedCount < 0) {
    throw new RangeError(`Expected firedCount to be a whole number ≥ 0, but got ${firedCount}`);
  }
  if (cycle.repetitions !== null && firedCount >= cycle.repetitions) return undefined;
  const due =
    cycle.start === undefined
      ? addDuration(anchorMs, scale(cycle.duration, firedCount + 1))
      : addDuration(cycle.start, scale(cycle.duration, firedCount));
  return Math.abs(due) <= MAX_DATE_MS ? due : undefined;
}

/** Writes a duration back as ISO 8601 (`P1Y2M`, `PT0.25S`, zero as `PT0S`), for messages and logs. */
export function formatDuration(duration: IsoDuration): string {
  const { years, months, weeks, days, hours, minutes, seconds } = duration;
  const date = `${part(years, 'Y')}${part(months, 'M')}${part(weeks, 'W')}${part(days, 'D')}`;
  const time = `${part(hours, 'H')}${part(minutes, 'M')}${part(seconds, 'S')}`;
  if (date === '' && time === '') return 'PT0S';
  return `P${date}${time === '' ? '' : `T${time}`}`;
}

// helpers //////////

function scale(duration: IsoDuration, factor: number): IsoDuration {
  return {
    years: duration.years * factor,
    months: duration.months * factor,
    weeks: duration.weeks * factor,
    days: duration.days * factor,
    hours: duration.hours * factor,
    minutes: duration.minutes * factor,
    seconds: duration.seconds * factor,
  };
}

function part(value: number, designator: string): string {
  return value === 0 ? '' : `${value}${designator}`;
}

function isZero(duration: IsoDuration): boolean {
  return addDuration(0, duration, 0) === 0;
}

/** Five to seven space-separated fields not starting with R: Quartz, Spring or Unix cron. */
function looksLikeCron(text: string): boolean {
  return !text.startsWith('R') && /^\S+(?:\s+\S+){4,6}$/.test(text);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
