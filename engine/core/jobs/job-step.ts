/** The two commands every job ends in: its step (the job marked done, its effect applied) or its failure. */
import { EngineError } from '../errors.js';
import { parseDurationMs } from '../runtime/duration.js';
import type { InstanceWork } from '../runtime/instance-work.js';
import type { JobRecord } from '../runtime/records.js';
import type { Runner } from '../runtime/runner.js';
import type { JobContext, JobRef } from './job-context.js';

/** What a job does in its command, with the token that owns it and the job's row as loaded. */
export type JobStepBody = (
  work: InstanceWork,
  runner: Runner,
  token: Parameters<Runner['resume']>[0],
  current: JobRecord,
) => void;

/** A job's owner may be the instance's scope rather than a token; or may be gone (the job still runs). */
export interface JobStepOptions {
  readonly ownerMayBeScope?: boolean;
  readonly ownerMayBeGone?: boolean;
}

/**
 * One command on the instance of `job`: the job must still be pending at its attempt (else nothing happens);
 * it is marked done and `body` runs with the token that owns it. `notBeforeDue`: a job loaded before its due
 * time is left as it is ('early').
 */
export async function jobStep(
  ctx: JobContext,
  job: JobRef,
  body: JobStepBody,
  options: JobStepOptions & { notBeforeDue: true },
): Promise<'done' | 'skipped' | 'early'>;
export async function jobStep(
  ctx: JobContext,
  job: JobRef,
  body: JobStepBody,
  options?: JobStepOptions,
): Promise<'done' | 'skipped'>;
export async function jobStep(
  ctx: JobContext,
  job: JobRef,
  body: JobStepBody,
  options: JobStepOptions & { notBeforeDue?: boolean } = {},
): Promise<'done' | 'skipped' | 'early'> {
  return onPendingJob(ctx, job, (work, runner, current) => {
    if (options.notBeforeDue && current.dueAt > runner.now) return 'early' as const;
    const token = current.executionId ? work.executions.get(current.executionId) : undefined;
    const ownerIsScope = options.ownerMayBeScope && current.executionId === work.instance.id;
    if (!token && !ownerIsScope && !options.ownerMayBeGone) {
      current.state = 'canceled';
      current.updatedAt = runner.now;
      work.touch(current.id);
      return 'skipped' as const;
    }
    current.state = 'done';
    current.updatedAt = runner.now;
    work.touch(current.id);
    body(work, runner, token!, current);
    return 'done' as const;
  });
}

/**
 * A job's run failed: retried later (a new attempt, its delay doubling from the element's `retryBackoff`, 1 s by
 * default) while retries are left and the failure is retryable; else the job fails and its token waits on an
 * incident that names the element.
 */
export async function failJob(
  ctx: JobContext,
  job: JobRecord,
  error: unknown,
  retryable: boolean,
): Promise<'failed' | 'retrying' | 'skipped'> {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 4000);
  return onPendingJob(ctx, job, (work, runner, current) => {
    const token = current.executionId ? work.executions.get(current.executionId) : undefined;
    current.lastError = message;
    current.updatedAt = runner.now;
    work.touch(current.id);
    const element = token ? runner.element(current.elementId) : null;
    if (retryable && current.retriesLeft > 0) {
      const base = element?.retryBackoff ? parseDurationMs(element.retryBackoff) : undefined;
      const delay = (base ?? 1000) * 2 ** (current.attempt - 1);
      runner.event('JOB_FAILED', element, token ?? null, {
        jobId: current.id,
        kind: current.kind,
        attempt: current.attempt,
        error: message,
        retryInMs: delay,
      });
      current.attempt += 1;
      current.retriesLeft -= 1;
      current.publishSeq = 0;
      current.publishedAt = null;
      current.dueAt = runner.now + delay;
      return 'retrying' as const;
    }
    current.state = 'failed';
    runner.event('JOB_FAILED', element, token ?? null, {
      jobId: current.id,
      kind: current.kind,
      attempt: current.attempt,
      error: message,
    });
    if (token) {
      const code = error instanceof EngineError && error.code === 'NO_HANDLER' ? 'NO_HANDLER' : 'JOB_FAILED';
      runner.park(
        token,
        new EngineError(
          code,
          `${element!.bpmnType} ${element!.id} failed after ${current.attempt} attempt(s): ${message}`,
        ),
        current.id,
      );
    }
    return 'failed' as const;
  });
}

/**
 * One command on the instance of `job` that runs `body` only while the job is still pending at the attempt the
 * delivery is for; 'skipped' when it is not, or when the instance has ended.
 */
async function onPendingJob<R>(
  ctx: JobContext,
  job: JobRef,
  body: (work: InstanceWork, runner: Runner, current: JobRecord) => R,
): Promise<R | 'skipped'> {
  const result = await ctx.command(
    job.instanceId!,
    null,
    (work, runner) => {
      const current = work.jobs.get(job.id);
      if (!current || current.state !== 'pending' || current.attempt !== job.attempt)
        return 'skipped' as const;
      return body(work, runner, current);
    },
    { skipIfEnded: true },
  );
  // skipIfEnded answers false for an instance that has ended
  return (result as unknown) === false ? 'skipped' : result;
}
