/** A service task's job: the registered handler runs outside the transaction, its result is committed as the task's output. */
import { BpmnError } from '../bpmn-error.js';
import { EngineError } from '../errors.js';
import { throwError } from '../runtime/events.js';
import type { JobRecord } from '../runtime/records.js';
import { checkVariables } from '../runtime/variables.js';
import type { JobContext } from './job-context.js';
import { failJob, jobStep } from './job-step.js';

export async function runServiceJob(
  ctx: JobContext,
  job: JobRecord,
): Promise<'done' | 'failed' | 'retrying' | 'skipped'> {
  const instance = await ctx.store.getInstance(job.instanceId!);
  if (!instance || instance.status !== 'running') return 'skipped';
  const handler = job.taskType ? ctx.handlers[job.taskType] : undefined;
  if (!handler) {
    return failJob(
      ctx,
      job,
      new EngineError(
        'NO_HANDLER',
        `No handler is registered for task type "${job.taskType}" (service task ${job.elementId})`,
      ),
      false,
    );
  }
  let output: Record<string, unknown>;
  // read before the handler's try: a database error here is not the handler's failure and must not use up its
  // retries; it propagates, the job stays pending and is delivered again
  const variables = await ctx.store.loadVariables(job.instanceId!);
  try {
    const result = await handler({
      jobId: job.id,
      attempt: job.attempt,
      instanceId: job.instanceId!,
      businessKey: instance.businessKey,
      initiator: instance.initiator,
      orgCode: instance.orgCode,
      orgPath: instance.orgPath,
      elementId: job.elementId,
      taskType: job.taskType!,
      variables: Object.freeze({ ...variables }),
    });
    output = checkVariables(result ?? {}, `the result of service task ${job.elementId}`);
  } catch (err) {
    if (err instanceof BpmnError || (err as { name?: string })?.name === 'BpmnError') {
      const bpmn = err as BpmnError;
      return jobStep(ctx, job, (work, runner, token) => {
        runner.event('JOB_COMPLETED', runner.element(job.elementId), token, {
          jobId: job.id,
          errorCode: bpmn.errorCode,
        });
        runner.resume(token, () => throwError(runner, token, bpmn.errorCode, bpmn.message));
      });
    }
    return failJob(ctx, job, err, true);
  }
  return jobStep(ctx, job, (work, runner, token) => {
    for (const [name, value] of Object.entries(output)) work.setVariable(name, value);
    runner.event('JOB_COMPLETED', runner.element(job.elementId), token, {
      jobId: job.id,
      attempt: job.attempt,
      variables: Object.keys(output),
    });
    runner.resume(token, () => runner.takeOutgoing(token));
  });
}
