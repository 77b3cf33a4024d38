/** Timer jobs: a task's reminder and due time, a token's or scope's timer, a timer start event. Never early. */
import { ConcurrencyError } from '../errors.js';
import { trigger } from '../runtime/events.js';
import type { JobRecord } from '../runtime/records.js';
import type { Runner } from '../runtime/runner.js';
import { timerDue, type TimerPayload } from '../runtime/timers.js';
import type { WorkingCalendar } from '../time/working-calendar.js';
import type { JobContext, JobRef } from './job-context.js';
import { jobStep } from './job-step.js';

/** A task's reminder or due time came: a TASK_DUE_SOON / TASK_OVERDUE notice for its holders (the inbox shows it). */
export async function runDeadlineJob(ctx: JobContext, job: JobRecord): Promise<'done' | 'skipped' | 'early'> {
  if (job.dueAt > ctx.clock.now()) return 'early';
  const { taskId, notice } = (job.payload ?? {}) as { taskId?: string; notice?: string };
  return jobStep(ctx, job, (work, runner, token) => {
    const task = taskId ? work.tasks.get(taskId) : undefined;
    if (!task || task.state === 'completed' || task.state === 'canceled') return;
    runner.event(
      notice === 'dueSoon' ? 'TASK_DUE_SOON' : 'TASK_OVERDUE',
      runner.element(task.elementId),
      token,
      {
        holders: task.assignee ? [task.assignee] : task.candidateUsers,
        dueAt: task.dueAt,
      },
      task.id,
    );
  });
}

/** A timer of a token or scope fires (never early); a cycle schedules its next firing on the same row. */
export async function fireTimer(ctx: JobContext, job: JobRef): Promise<'done' | 'skipped' | 'early'> {
  return jobStep(
    ctx,
    job,
    (work, runner, _token, current) => {
      runner.event(
        'TIMER_FIRED',
        runner.element(current.elementId),
        work.executions.get(current.executionId!) ?? null,
        {
          jobId: current.id,
          dueAt: current.dueAt,
          firedAt: runner.now,
          fireCount: current.fireCount + 1,
        },
      );
      const { executionId, elementId } = current;
      scheduleNextFiring(ctx.calendar, runner, current);
      trigger(runner, executionId!, elementId);
    },
    { ownerMayBeScope: true, notBeforeDue: true },
  );
}

/** A timer start event fires: a new instance starts, and (for cycles) the next firing is scheduled, atomically. */
export async function fireStartTimer(ctx: JobContext, job: JobRecord): Promise<'done' | 'skipped' | 'early'> {
  if (job.dueAt > ctx.clock.now()) return 'early';
  const { definition, process } = await ctx.processFor(job.definitionId!);
  try {
    await ctx.startNew({
      definition,
      process,
      startEventId: job.elementId,
      variables: {},
      alongside: (work, runner) => {
        const next = {
          ...job,
          fireCount: job.fireCount + 1,
          attempt: job.attempt + 1,
          updatedAt: runner.now,
          publishSeq: 0,
          publishedAt: null,
        };
        const due = timerDue(job.payload as unknown as TimerPayload, next.fireCount, job.dueAt, ctx.calendar);
        if (due.ok && due.dueAt !== undefined) next.dueAt = due.dueAt;
        else next.state = 'done';
        work.guardedJobUpdates.push({ job: next, expectedAttempt: job.attempt });
        runner.event('TIMER_FIRED', runner.element(job.elementId), null, {
          jobId: job.id,
          dueAt: job.dueAt,
          firedAt: runner.now,
        });
      },
    });
  } catch (err) {
    if (err instanceof ConcurrencyError) return 'skipped';
    throw err;
  }
  return 'done';
}

/** A cycle timer that fired: the same job row waits for the next firing (a new attempt, not yet published). */
export function scheduleNextFiring(calendar: WorkingCalendar, runner: Runner, current: JobRecord): void {
  const payload = current.payload as unknown as TimerPayload | null;
  if (!payload || payload.kind !== 'cycle') return;
  const due = timerDue(payload, current.fireCount + 1, current.dueAt, calendar);
  if (!due.ok || due.dueAt === undefined) return;
  current.state = 'pending';
  current.fireCount += 1;
  current.attempt += 1;
  current.dueAt = due.dueAt;
  current.publishSeq = 0;
  current.publishedAt = null;
}
