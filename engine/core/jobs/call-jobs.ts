/** Call activity jobs: start the child, the caller's reaction to its child, and the child canceled with its caller. */
import { evaluateExpression } from '../expr/feel.js';
import { IncidentError } from '../errors.js';
import { throwError, throwEscalation } from '../runtime/events.js';
import type { DefinitionRecord, JobRecord } from '../runtime/records.js';
import { checkVariables } from '../runtime/variables.js';
import type { JobContext } from './job-context.js';
import { failJob, jobStep } from './job-step.js';

/** Starts the child instance of a call activity (id chosen by the caller, so a repeat finds it), then marks the call done. */
export async function runCallJob(
  ctx: JobContext,
  job: JobRecord,
): Promise<'done' | 'failed' | 'retrying' | 'skipped'> {
  const payload = job.payload as {
    childInstanceId: string;
    processKey: string;
    binding: string;
    version: number | null;
    versionTag: string | null;
    callerDefinitionId: string;
    variables: Record<string, unknown>;
  };
  const caller = await ctx.store.getInstance(job.instanceId!);
  if (!caller || caller.status !== 'running') return 'skipped';
  if (!(await ctx.store.getInstance(payload.childInstanceId))) {
    let definition: DefinitionRecord | undefined;
    try {
      definition = await resolveCalled(ctx, payload);
    } catch (err) {
      return failJob(ctx, job, err, true);
    }
    const { process } = await ctx.processFor(definition.id);
    if (!process.startEventId) {
      return failJob(
        ctx,
        job,
        new Error(`Called process ${payload.processKey} has no none start event`),
        false,
      );
    }
    await ctx.startNew({
      definition,
      process,
      startEventId: process.startEventId,
      variables: checkVariables(payload.variables, `the call of ${payload.processKey}`),
      businessKey: caller.businessKey,
      initiator: caller.initiator,
      org: { code: caller.orgCode, path: caller.orgPath },
      id: payload.childInstanceId,
      parent: { instanceId: caller.id, executionId: job.executionId! },
    });
  }
  const outcome = await jobStep(ctx, job, (_work, runner, token) => {
    runner.event('JOB_COMPLETED', runner.element(job.elementId), token, {
      jobId: job.id,
      childInstanceId: payload.childInstanceId,
    });
  });
  if (outcome === 'skipped') {
    // Skipped: either the caller went away while the child was being started (its token is gone, the call job
    // canceled, or the caller ended) — then the child must not run on its own — or another delivery of this
    // job (a stalled Bull job delivered again) finished the call first, and the child is the caller's.
    const [callerNow, callJob] = await Promise.all([
      ctx.store.getInstance(caller.id),
      ctx.store.getJob(job.id),
    ]);
    const callerWaits = callerNow?.status === 'running' && callJob?.state !== 'canceled';
    const child = await ctx.store.getInstance(payload.childInstanceId);
    if (!callerWaits && child?.status === 'running')
      await ctx.cancelInstance(child.id, { reason: 'the calling instance no longer waits for it' });
  }
  return outcome;
}

/** The caller reacts to its child: completed (outputs, then on), error (boundaries), escalation. */
export async function runChildEvent(ctx: JobContext, job: JobRecord): Promise<'done' | 'skipped'> {
  const payload = job.payload as {
    outcome: 'completed' | 'error' | 'escalation';
    childInstanceId: string;
    variables?: Record<string, unknown>;
    errorCode?: string;
    errorMessage?: string | null;
    escalationCode?: string;
  };
  return jobStep(ctx, job, (work, runner, token) => {
    const element = runner.element(token.elementId);
    if (payload.outcome === 'completed') {
      // escalations the child raised in the same step as its end come first (BPMN order)
      for (const other of work.jobs.values()) {
        const p = other.payload as { outcome?: string; escalationCode?: string } | null;
        if (
          other.kind !== 'child-event' ||
          other.state !== 'pending' ||
          other.executionId !== token.id ||
          p?.outcome !== 'escalation'
        )
          continue;
        other.state = 'done';
        other.updatedAt = runner.now;
        work.touch(other.id);
        throwEscalation(runner, token, p.escalationCode ?? 'ESCALATION');
      }
      if (work.executions.get(token.id) !== token) return;
      const called = element.calledElement!;
      const childVariables = payload.variables ?? {};
      runner.event('JOB_COMPLETED', element, token, {
        childInstanceId: payload.childInstanceId,
        outcome: 'completed',
      });
      runner.resume(token, () => {
        const outputs: Record<string, unknown> = called.propagateAll ? { ...childVariables } : {};
        for (const mapping of called.outputs) {
          // output mappings read the child's variables
          const value = evaluateExpression(mapping.source.source, { ...childVariables });
          if (!value.ok) {
            throw new IncidentError(
              'EXPRESSION_FAILED',
              `Output ${mapping.target} of call activity ${element.id}: ${value.reason}`,
            );
          }
          outputs[mapping.target] = value.value;
        }
        for (const [name, value] of Object.entries(
          checkVariables(outputs, `the outputs of call activity ${element.id}`),
        )) {
          work.setVariable(name, value);
        }
        runner.takeOutgoing(token);
      });
    } else if (payload.outcome === 'error') {
      runner.resume(token, () =>
        throwError(runner, token, payload.errorCode ?? 'ERROR', payload.errorMessage ?? null),
      );
    } else {
      const waiting = token.state;
      runner.resume(token, () => {
        const ended = throwEscalation(runner, token, payload.escalationCode ?? 'ESCALATION');
        if (!ended && runner.work.executions.get(token.id) === token) token.state = waiting;
      });
    }
  });
}

/** The caller no longer waits for its child (it was canceled, or left the call activity): the child is canceled. */
export async function runCancelChild(
  ctx: JobContext,
  job: JobRecord,
): Promise<'done' | 'skipped' | 'failed' | 'retrying'> {
  const child = await ctx.store.getInstance(job.instanceId!);
  if (!child)
    return failJob(ctx, job, new Error(`Child instance ${job.instanceId} is not there (yet)`), true);
  if (child.status !== 'running') return 'skipped';
  await ctx.command(child.id, null, (work, runner) => {
    for (const token of work.childrenOf(null)) runner.removeToken(token, 'canceled');
    runner.endInstance('canceled', 'the calling instance no longer waits for it');
    const own = work.jobs.get(job.id);
    if (own) {
      own.state = 'done';
      work.touch(own.id);
    }
  });
  return 'done';
}

/** The definition a call activity calls, by its binding (latest, a version, a version tag, or the caller's deployment). */
export async function resolveCalled(
  ctx: JobContext,
  payload: {
    processKey: string;
    binding: string;
    version: number | null;
    versionTag: string | null;
    callerDefinitionId: string;
  },
): Promise<DefinitionRecord> {
  let definition: DefinitionRecord | undefined;
  if (payload.binding === 'version')
    definition = await ctx.store.findDefinition(payload.processKey, payload.version ?? undefined);
  else if (payload.binding === 'versionTag') {
    const all = await ctx.store.listDefinitions(payload.processKey);
    const tagged = all
      .filter((d) => d.versionTag === payload.versionTag)
      .sort((a, b) => b.version - a.version)[0];
    definition = tagged ? await ctx.store.getDefinition(tagged.id) : undefined;
  } else if (payload.binding === 'deployment') {
    const caller = await ctx.store.getDefinition(payload.callerDefinitionId);
    const all = await ctx.store.listDefinitions(payload.processKey);
    const same = all.filter((d) => d.checksum === caller?.checksum).sort((a, b) => b.version - a.version)[0];
    definition = same ? await ctx.store.getDefinition(same.id) : undefined;
  } else definition = await ctx.store.findDefinition(payload.processKey);
  if (!definition) {
    throw new Error(
      `No deployed process ${payload.processKey} matches binding ${payload.binding}${payload.version ? ` version ${payload.version}` : ''}${payload.versionTag ? ` tag ${payload.versionTag}` : ''}`,
    );
  }
  return definition;
}
