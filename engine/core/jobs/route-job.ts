/** A user task's routing job: who gets the task, resolved by the router, and the node's policies applied. */
import { EngineError } from '../errors.js';
import { closeTask } from '../operations/task-guards.js';
import type { JobRecord } from '../runtime/records.js';
import type { JobContext } from './job-context.js';
import { failJob, jobStep } from './job-step.js';

/**
 * Routes a task: the router resolves roles and org scope (outside the transaction), then one command applies
 * the node's policies (nobody found, initiator is the approver, same approver as the previous step) and opens
 * the task with its candidates, or passes it, or parks it on an incident naming the reason.
 */
export async function runRouteJob(
  ctx: JobContext,
  job: JobRecord,
): Promise<'done' | 'failed' | 'retrying' | 'skipped'> {
  const router = ctx.router;
  const taskId = String((job.payload as { taskId?: string } | null)?.taskId ?? '');
  const task = await ctx.store.getTask(taskId);
  const instance = await ctx.store.getInstance(job.instanceId!);
  if (!router || !task || task.state !== 'routing' || !instance || instance.status !== 'running')
    return 'skipped';
  const { process } = await ctx.processFor(instance.definitionId);
  const assignment = process.elements[task.elementId]?.assignment ?? {};
  const at = ctx.clock.now();
  let users: string[];
  let orgCodes: readonly string[] = [];
  let substitutions: readonly { userId: string; agentId: string }[] = [];
  let decision: 'open' | 'pass' | 'incident' = 'open';
  let why = '';
  try {
    const found = await router.resolve({
      instanceId: instance.id,
      processKey: instance.processKey,
      elementId: task.elementId,
      initiator: instance.initiator,
      candidateRoles: assignment.candidateRoles ?? [],
      orgScope: task.orgScope ?? assignment.orgScope ?? 'initiatorUnit',
      ...(assignment.divisionType ? { divisionType: assignment.divisionType } : {}),
      at,
    });
    users = [...new Set(found.users)];
    orgCodes = found.orgCodes;
    substitutions = found.substitutions ?? [];
    if (instance.initiator && users.includes(instance.initiator)) {
      const policy = assignment.ifInitiatorIsApprover ?? 'approve';
      if (policy === 'skip') [decision, why] = ['pass', 'the initiator is the approver'];
      else if (policy === 'supervisor') {
        users = [...(await router.supervisorsOf(instance.initiator, at))];
        why = 'the initiator is the approver: passed to the supervisor';
      }
    }
    if (decision === 'open' && users.length === 1 && assignment.ifSameApprover === 'once') {
      const previous = (await ctx.store.listHistory(instance.id))
        .filter((h) => h.type === 'TASK_COMPLETED')
        .at(-1);
      if (previous?.actor === users[0]) [decision, why] = ['pass', `${users[0]} approved the previous step`];
    }
    if (decision === 'open' && users.length === 0) {
      const policy = assignment.ifNoApprover ?? 'incident';
      if (policy === 'autoPass') [decision, why] = ['pass', 'nobody holds the role: passed automatically'];
      else if (policy === 'admin') users = [...(await router.processAdmins(instance.processKey, at))];
      if (decision === 'open' && users.length === 0) {
        [decision, why] = [
          'incident',
          `Nobody holds ${(assignment.candidateRoles ?? []).join('/')} in ${orgCodes.join(', ') || 'the scope'} for ${task.elementId}`,
        ];
      }
    }
  } catch (err) {
    return failJob(ctx, job, err, true);
  }
  return jobStep(ctx, job, (work, runner, token) => {
    const open = work.tasks.get(taskId);
    if (!open || open.state !== 'routing') return;
    const element = runner.element(open.elementId);
    if (decision === 'incident') {
      runner.park(token, new EngineError('NO_ASSIGNEE', why), job.id);
      // retrying the incident routes again
      const current = work.jobs.get(job.id)!;
      current.state = 'failed';
      return;
    }
    runner.event(
      'TASK_ROUTED',
      element,
      token,
      { users, orgCodes, substitutions, decision, reason: why || null },
      open.id,
    );
    if (decision === 'pass') {
      closeTask(work, open, runner.now, null);
      runner.event(
        'TASK_COMPLETED',
        element,
        token,
        { variables: [], comment: null, autoPassed: why },
        open.id,
      );
      runner.resume(token, () => runner.takeOutgoing(token));
      return;
    }
    open.state = 'created';
    open.candidateUsers = users;
    if (users.length === 1) open.assignee = users[0]!;
    work.touch(open.id);
    work.taskCandidatesReplaced.add(open.id);
  });
}
