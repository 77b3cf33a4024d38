/** Runs one job by its kind (the engine's handleJob calls it for each queue delivery). */
import type { JobRecord } from '../runtime/records.js';
import { runCallJob, runCancelChild, runChildEvent } from './call-jobs.js';
import type { JobContext, JobOutcome } from './job-context.js';
import { runRouteJob } from './route-job.js';
import { runServiceJob } from './service-job.js';
import { runThrowJob } from './throw-job.js';
import { fireStartTimer, fireTimer, runDeadlineJob } from './timer-jobs.js';

export async function runJob(ctx: JobContext, job: JobRecord): Promise<JobOutcome> {
  switch (job.kind) {
    case 'service':
      return runServiceJob(ctx, job);
    case 'timer':
      return fireTimer(ctx, job);
    case 'start-timer':
      return fireStartTimer(ctx, job);
    case 'route':
      return runRouteJob(ctx, job);
    case 'task-deadline':
      return runDeadlineJob(ctx, job);
    case 'call':
      return runCallJob(ctx, job);
    case 'child-event':
      return runChildEvent(ctx, job);
    case 'cancel-child':
      return runCancelChild(ctx, job);
    case 'message':
    case 'signal':
      return runThrowJob(ctx, job);
  }
}
