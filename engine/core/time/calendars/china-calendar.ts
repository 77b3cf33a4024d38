/**
 * The PRC working-day calendar built from every shipped yearly schedule.
 *
 * To add a year: create `cn-<year>.ts` exporting its {@link HolidaySchedule} (copy cn-2026.ts and
 * cite the new notice), then add it to {@link CHINA_HOLIDAY_SCHEDULES}. Nothing else changes.
 */
import { WorkingCalendar, type HolidaySchedule } from '../working-calendar.js';
import { CN_2026 } from './cn-2026.js';

/** Every shipped PRC schedule, one per year, in year order. */
export const CHINA_HOLIDAY_SCHEDULES: readonly HolidaySchedule[] = [CN_2026];

let shared: WorkingCalendar | undefined;

/**
 * The PRC working calendar (China time, +08:00) for all shipped years; other years count as plain
 * Monday–Friday, so check `covers(year)` before trusting a far deadline. Built once and shared,
 * as the calendar is immutable.
 */
export function chinaCalendar(): WorkingCalendar {
  shared ??= WorkingCalendar.fromSchedules(CHINA_HOLIDAY_SCHEDULES);
  return shared;
}
