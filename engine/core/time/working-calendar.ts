/**
 * Working days for deadlines such as "办理时限:5个工作日": Monday–Friday, minus public holidays,
 * plus the weekend days the State Council turns into working days (调休上班).
 *
 * Days are local calendar days at a fixed UTC offset (China time, +08:00, by default). Years for
 * which no holiday data was given count as plain Monday–Friday weeks; {@link WorkingCalendar.covers}
 * lets callers warn that a deadline in such a year may be early.
 */
import { localDayOf, parseIsoDate, startOfLocalDay, weekdayOfDays } from './civil-date.js';
import { CHINA_UTC_OFFSET_MINUTES, formatDuration, type IsoDuration, type TimeResult } from './iso-timer.js';

/** Data a {@link WorkingCalendar} is built from; dates are `YYYY-MM-DD` local dates. */
export interface WorkingCalendarOptions {
  /** Days off, including the weekend days inside a holiday span. */
  readonly holidays: readonly string[];
  /** Saturdays and Sundays that are working days (调休上班). */
  readonly workdays: readonly string[];
  /** Minutes east of UTC of the calendar's wall clock; 480 for China. */
  readonly utcOffsetMinutes: number;
  /**
   * Years whose schedule is complete. Defaults to the years of the listed holidays; give it when a
   * year's notice has dates in a neighbouring year (a 调休 workday in late December, say).
   */
  readonly years?: readonly number[];
}

/** One listed date of an official schedule, with the festival it belongs to (元旦, 春节 …). */
export interface ScheduleDate {
  readonly date: string;
  readonly festival: string;
}

/**
 * One year's official holiday schedule, as published (e.g. 国务院办公厅关于2026年部分节假日安排的通知).
 * Kept per year so each year's data can be checked against its own notice.
 */
export interface HolidaySchedule {
  readonly year: number;
  /** Where the data comes from: title, date and publisher of the notice. */
  readonly source: string;
  readonly holidays: readonly ScheduleDate[];
  readonly workdays: readonly ScheduleDate[];
}

/** Largest `n` accepted by {@link WorkingCalendar.addWorkingDays}: about 400 years of working days. */
export const MAX_WORKING_DAYS = 100_000;

/**
 * A working-day calendar at one fixed UTC offset. Immutable; built once at start-up, and its
 * constructor throws on bad data (malformed date, a date both holiday and workday, a weekday listed
 * as 调休 workday) because a wrong calendar silently moves every legal deadline.
 */
export class WorkingCalendar {
  /** Minutes east of UTC of the calendar's wall clock. */
  readonly utcOffsetMinutes: number;
  readonly #holidays: ReadonlySet<number>;
  readonly #workdays: ReadonlySet<number>;
  readonly #years: ReadonlySet<number>;
  /** Holidays that fall on Monday–Friday, sorted; the only ones that change a weekday count. */
  readonly #weekdayHolidays: readonly number[];
  readonly #sortedWorkdays: readonly number[];

  /** Builds a calendar from several yearly schedules (China time unless told otherwise). */
  static fromSchedules(
    schedules: readonly HolidaySchedule[],
    utcOffsetMinutes: number = CHINA_UTC_OFFSET_MINUTES,
  ): WorkingCalendar {
    return new WorkingCalendar({
      holidays: schedules.flatMap((s) => s.holidays.map((d) => d.date)),
      workdays: schedules.flatMap((s) => s.workdays.map((d) => d.date)),
      utcOffsetMinutes,
      years: schedules.map((s) => s.year),
    });
  }

  constructor(options: WorkingCalendarOptions) {
    const offset = options.utcOffsetMinutes;
    if (!Number.isInteger(offset) || Math.abs(offset) >= 24 * 60) {
      throw new RangeError(
        `Expected utcOffsetMinutes to be a whole number of minutes under ±24 h, but got ${offset}`,
      );
    }
    this.utcOffsetMinutes = offset;
    const holidays = new Set(options.holidays.map((text) => dayOf(text, 'holiday')));
    const workdays = new Set(
      options.workdays.map((text) => {
        const day = dayOf(text, 'workday');
        if (holidays.has(day))
          throw new RangeError(`Expected ${text} to be a holiday or a workday, but it is listed as both`);
        const weekday = weekdayOfDays(day);
        if (weekday !== 0 && weekday !== 6) {
          throw new RangeError(
            `Expected workday ${text} to be a Saturday or Sunday (调休上班), but it is a weekday`,
          );
        }
        return day;
      }),
    );
    this.#holidays = holidays;
    this.#workdays = workdays;
    this.#years = new Set(options.years ?? options.holidays.map((text) => Number(text.slice(0, 4))));
    this.#weekdayHolidays = [...holidays].filter((d) => isMondayToFriday(d)).sort((a, b) => a - b);
    this.#sortedWorkdays = [...workdays].sort((a, b) => a - b);
  }

  /** Whether holiday data was given for `year`; outside it the calendar is plain Monday–Friday. */
  covers(year: number): boolean {
    return this.#years.has(year);
  }

  /** The years with holiday data, ascending; for "calendar ends in …" warnings. */
  get coveredYears(): readonly number[] {
    return [...this.#years].sort((a, b) => a - b);
  }

  /**
   * Whether a day is a working day: a `YYYY-MM-DD` local date, or the local day an instant (epoch
   * ms) falls on. Monday–Friday unless a holiday; Saturday/Sunday only when listed as workday.
   * Throws RangeError on a malformed date string (a caller bug, not user input).
   */
  isWorkingDay(day: string | number): boolean {
    return this.#isWorking(
      typeof day === 'string' ? dayOf(day, 'date') : localDayOf(day, this.utcOffsetMinutes),
    );
  }

  /**
   * Deadline for "within n working days" counted from `fromMs`: the end of the n-th working day
   * after the local day of `fromMs` (that day itself never counts, 期间开始之日不计入), returned as
   * the instant of the following local midnight, i.e. 24:00 of the deadline day. n = 0 means the end
   * of today if today is a working day, else the end of the next working day. `n` must be a whole
   * number from 0 to {@link MAX_WORKING_DAYS} (RangeError otherwise).
   */
  addWorkingDays(fromMs: number, n: number): number {
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_WORKING_DAYS) {
      throw new RangeError(
        `Expected a whole number of working days from 0 to ${MAX_WORKING_DAYS}, but got ${n}`,
      );
    }
    let day = localDayOf(fromMs, this.utcOffsetMinutes);
    if (n === 0) {
      while (!this.#isWorking(day)) day += 1;
    } else {
      for (let left = n; left > 0;) {
        day += 1;
        if (this.#isWorking(day)) left -= 1;
      }
    }
    return startOfLocalDay(day + 1, this.utcOffsetMinutes);
  }

  /**
   * Adds a timer duration in working time: weeks (5 working days each) and days go through
   * {@link addWorkingDays}; hours, minutes and seconds are then added as plain elapsed time. With
   * no (or zero) weeks and days the time is added to `fromMs` directly. Years and months are
   * refused, since "a working month" has no agreed meaning for a legal deadline.
   */
  addWorkingDuration(fromMs: number, duration: IsoDuration): TimeResult<number> {
    const shown = formatDuration(duration);
    if (duration.years !== 0 || duration.months !== 0) {
      return {
        ok: false,
        message: `Expected a working-time duration of weeks, days, hours, minutes or seconds (P5D, P1W, PT4H), but got ${shown}: years and months cannot be counted in working days`,
      };
    }
    const n = duration.weeks * 5 + duration.days;
    if (n > MAX_WORKING_DAYS) {
      return {
        ok: false,
        message: `Expected at most ${MAX_WORKING_DAYS} working days, but got ${shown} (${n})`,
      };
    }
    const base = n === 0 ? fromMs : this.addWorkingDays(fromMs, n);
    return {
      ok: true,
      value: base + Math.round(((duration.hours * 60 + duration.minutes) * 60 + duration.seconds) * 1000),
    };
  }

  /**
   * Working days in the local days after the day of `fromMs` up to and including the day of `toMs`
   * (so a task received Friday and finished the next Monday took 1 working day); negative when
   * `toMs` is on an earlier day. Matches {@link addWorkingDays}: for n ≥ 1,
   * `workingDaysBetween(t, addWorkingDays(t, n) - 1) === n`. Computed arithmetically, any range.
   */
  workingDaysBetween(fromMs: number, toMs: number): number {
    const from = localDayOf(fromMs, this.utcOffsetMinutes);
    const to = localDayOf(toMs, this.utcOffsetMinutes);
    if (to < from) return -this.#countAfterUpTo(to, from);
    return this.#countAfterUpTo(from, to);
  }

  #isWorking(day: number): boolean {
    if (this.#holidays.has(day)) return false;
    return this.#workdays.has(day) || isMondayToFriday(day);
  }

  /** Working days d with from < d ≤ to (from ≤ to). */
  #countAfterUpTo(from: number, to: number): number {
    const weekdays = mondayToFridayUpTo(to) - mondayToFridayUpTo(from);
    return weekdays - countIn(this.#weekdayHolidays, from, to) + countIn(this.#sortedWorkdays, from, to);
  }
}

// helpers //////////

function dayOf(text: string, what: string): number {
  const day = parseIsoDate(text);
  if (day === undefined)
    throw new RangeError(`Expected ${what} as an existing YYYY-MM-DD date, but got ${JSON.stringify(text)}`);
  return day;
}

function isMondayToFriday(day: number): boolean {
  const weekday = weekdayOfDays(day);
  return weekday !== 0 && weekday !== 6;
}

/** A running count of Monday–Friday days; only differences between two values are meaningful. */
function mondayToFridayUpTo(day: number): number {
  const sinceMonday = day - 4; // day 4 is Monday 1970-01-05
  const weeks = Math.floor(sinceMonday / 7);
  const rest = sinceMonday - weeks * 7; // 0 = Monday … 6 = Sunday
  return weeks * 5 + Math.min(rest + 1, 5);
}

/** How many of the sorted days d satisfy from < d ≤ to. */
function countIn(sorted: readonly number[], from: number, to: number): number {
  return upperBound(sorted, to) - upperBound(sorted, from);
}

/** Index of the first element greater than `value`. */
function upperBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}
