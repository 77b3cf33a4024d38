/** A message or signal throw event's job. */
import type { JobRecord } from '../runtime/records.js';
import type { JobContext } from './job-context.js';
import { failJob, jobStep } from './job-step.js';

/** A message or signal throw: hand it to correlation / broadcast, then mark the job done. */
export async function runThrowJob(
  ctx: JobContext,
  job: JobRecord,
): Promise<'done' | 'skipped' | 'failed' | 'retrying'> {
  const payload = job.payload as {
    name: string;
    correlationKey?: string | null;
    variables?: Record<string, unknown>;
  };
  try {
    if (job.kind === 'message') {
      await ctx.correlateMessage(payload.name, {
        correlationKey: payload.correlationKey ?? null,
        variables: payload.variables ?? {},
        messageId: `job-${job.id}`,
      });
    } else {
      await ctx.broadcastSignal(payload.name);
    }
  } catch (err) {
    return failJob(ctx, job, err, true);
  }
  return jobStep(ctx, job, () => undefined, { ownerMayBeGone: true });
}
