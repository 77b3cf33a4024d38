/**
 * When a timer is due: turns a timer definition (ISO 8601 date, duration or repeating cycle, written as text
 * or computed by FEEL) into the epoch-ms due time, on the working-day calendar where the model says so.
 * Pure: the runner passes the evaluated text, the current time and the calendar.
 */
import type { TimerDefinition } from '../model/types.js';
import {
  addDuration,
  nextCycleDue,
  parseDuration,
  parseTimeCycle,
  parseTimeDate,
} from '../time/iso-timer.js';
import type { WorkingCalendar } from '../time/working-calendar.js';

/** What a timer job remembers between firings (its payload). */
export interface TimerPayload {
  readonly kind: TimerDefinition['kind'];
  readonly text: string;
  readonly workingDays: boolean;
  /** When the timer was first scheduled (cycles without a start count from here). */
  readonly anchor: number;
}

export type DueOutcome = { ok: true; dueAt: number | undefined } | { ok: false; message: string };

/**
 * Due time of the firing after `fireCount` firings (`undefined` when a cycle has no repetitions left).
 * `previousDue` is the due time of the last firing (working-day cycles count on from it).
 */
export function timerDue(
  payload: TimerPayload,
  fireCount: number,
  previousDue: number | undefined,
  calendar: WorkingCalendar,
): DueOutcome {
  switch (payload.kind) {
    case 'date': {
      if (fireCount > 0) return { ok: true, dueAt: undefined };
      const date = parseTimeDate(payload.text);
      return date.ok ? { ok: true, dueAt: date.value } : { ok: false, message: date.message };
    }
    case 'duration': {
      if (fireCount > 0) return { ok: true, dueAt: undefined };
      const duration = parseDuration(payload.text);
      if (!duration.ok) return { ok: false, message: duration.message };
      if (!payload.workingDays) return { ok: true, dueAt: addDuration(payload.anchor, duration.value) };
      const due = calendar.addWorkingDuration(payload.anchor, duration.value);
      return due.ok ? { ok: true, dueAt: due.value } : { ok: false, message: due.message };
    }
    case 'cycle': {
      const cycle = parseTimeCycle(payload.text);
      if (!cycle.ok) return { ok: false, message: cycle.message };
      if (cycle.value.repetitions !== null && fireCount >= cycle.value.repetitions)
        return { ok: true, dueAt: undefined };
      if (!payload.workingDays)
        return { ok: true, dueAt: nextCycleDue(cycle.value, payload.anchor, fireCount) };
      const from = fireCount === 0 ? (cycle.value.start ?? payload.anchor) : (previousDue ?? payload.anchor);
      if (fireCount === 0 && cycle.value.start !== undefined) return { ok: true, dueAt: cycle.value.start };
      const due = calendar.addWorkingDuration(from, cycle.value.duration);
      return due.ok ? { ok: true, dueAt: due.value } : { ok: false, message: due.message };
    }
  }
}
