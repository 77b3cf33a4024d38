import { IncidentError } from '../../errors.js';
import type { TaskAssignment } from '../../model/types.js';
import { parseDuration } from '../../time/iso-timer.js';
import { parseDurationMs } from '../duration.js';
import type { ExecutionRecord } from '../records.js';
import type { Runner } from '../runner.js';
import type { Behavior } from './behavior.js';

/** User task: creates a task with its assignment attributes and waits for `completeTask`. */
export const userTask: Behavior = {
  activate(runner, token) {
    const element = runner.element(token.elementId);
    const assignment: TaskAssignment = element.assignment ?? {};
    // a task re-created by 退回 or 撤回 goes to the person who had it before
    const preset = token.variables?.$assignee;
    const assignee =
      typeof preset === 'string' ? preset : resolveAssignee(runner, assignment, element.id, token);
    const candidateUsers = resolveCandidateUsers(runner, assignment, element.id, token);
    const dueAt = dueTime(runner, assignment);
    // an org scope written as FEEL (e.g. `=applicantOrgCode`) names the org from the instance's data
    const orgScope = assignment.orgScope?.startsWith('=')
      ? `org:${orgCodeOf(runner.evaluate(assignment.orgScope.slice(1), `Org scope of user task ${element.id}`, token), element.id)}`
      : (assignment.orgScope ?? null);
    const routed =
      runner.routing &&
      (assignment.candidateRoles?.length ?? 0) > 0 &&
      typeof preset !== 'string' &&
      assignee === null;
    runner.wait(token);
    const taskId = runner.newId();
    if (routed) {
      // the route job resolves roles and org scope against the directory, then opens the task
      runner.createJob(token.id, element.id, { kind: 'route', retriesLeft: 4, payload: { taskId } });
    }
    if (dueAt !== null) {
      // 催办 by the calendar: a reminder before the due time (if the step asks for one) and an overdue notice at it
      const remindMs = assignment.remindBefore ? parseDurationMs(assignment.remindBefore) : undefined;
      if (remindMs !== undefined && dueAt - remindMs > runner.now) {
        runner.createJob(token.id, element.id, {
          kind: 'task-deadline',
          dueAt: dueAt - remindMs,
          payload: { taskId, notice: 'dueSoon' },
        });
      }
      runner.createJob(token.id, element.id, {
        kind: 'task-deadline',
        dueAt,
        payload: { taskId, notice: 'overdue' },
      });
    }
    runner.createTask({
      id: taskId,
      instanceId: runner.work.instance.id,
      executionId: token.id,
      processKey: runner.process.key,
      elementId: element.id,
      name: element.name ?? null,
      state: routed ? 'routing' : 'created',
      assignee,
      owner: null,
      delegationState: null,
      signerOf: null,
      signerMode: null,
      addedBy: null,
      candidateUsers,
      candidateRoles: [...(assignment.candidateRoles ?? [])],
      orgScope,
      formKey: assignment.formKey ?? null,
      priority: assignment.priority ?? 50,
      dueAt,
      createdAt: runner.now,
      endedAt: null,
      completedBy: null,
    });
  },
};

// helpers //////

/** The due time: `dueIn` after now, its days counted on the working-day calendar when the step says so. */
function dueTime(runner: Runner, assignment: TaskAssignment): number | null {
  if (!assignment.dueIn) return null;
  if (assignment.dueInWorkingDays) {
    const parsed = parseDuration(assignment.dueIn);
    if (parsed.ok) {
      const due = runner.calendar.addWorkingDuration(runner.now, parsed.value);
      if (due.ok) return due.value;
    }
  }
  const ms = parseDurationMs(assignment.dueIn);
  return ms === undefined ? null : runner.now + ms;
}

function orgCodeOf(value: unknown, elementId: string): string {
  if (typeof value !== 'string' || !/^[0-9A-Z-]{2,32}$/.test(value)) {
    throw new IncidentError(
      'EXPRESSION_FAILED',
      `Expected the org scope of user task ${elementId} to yield an org code, but got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function resolveAssignee(
  runner: Runner,
  assignment: TaskAssignment,
  elementId: string,
  token: ExecutionRecord,
): string | null {
  const rule = assignment.assignee;
  if (!rule) return null;
  if ('literal' in rule) return rule.literal;
  const value = runner.evaluate(rule.source, `Assignee of user task ${elementId}`, token);
  if (value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) {
    throw new IncidentError(
      'EXPRESSION_FAILED',
      `Expected the assignee of user task ${elementId} to be a user id, but got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function resolveCandidateUsers(
  runner: Runner,
  assignment: TaskAssignment,
  elementId: string,
  token: ExecutionRecord,
): string[] {
  const rule = assignment.candidateUsers;
  if (!rule) return [];
  if ('literal' in rule) return [...rule.literal];
  const value = runner.evaluate(rule.source, `Candidate users of user task ${elementId}`, token);
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'string' || v.length === 0 || v.length > 64)) {
    throw new IncidentError(
      'EXPRESSION_FAILED',
      `Expected the candidate users of user task ${elementId} to be a list of user ids, but got ${JSON.stringify(value)}`,
    );
  }
  return [...new Set(list as string[])];
}
