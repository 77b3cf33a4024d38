/**
 * 抄送 and 催办: information only, never blocking. A copy is a row per recipient with a read flag. An urge is a
 * history row the inbox turns into a notification; at most one per task per interval.
 */
import { InvalidStateError, InvalidVariablesError } from '../errors.js';
import type { InstanceWork } from '../runtime/instance-work.js';
import type { Runner } from '../runtime/runner.js';

export function carbonCopy(
  work: InstanceWork,
  runner: Runner,
  taskId: string | null,
  actor: string | null,
  users: readonly string[],
  note: string | null,
): void {
  if (
    !Array.isArray(users) ||
    users.length === 0 ||
    users.length > 200 ||
    users.some((u) => typeof u !== 'string' || !u.trim() || u.length > 64)
  ) {
    throw new InvalidVariablesError('users must be a list of 1 to 200 user ids');
  }
  for (const user of new Set(users)) {
    work.carbonCopiesInserted.push({
      id: runner.newId(),
      instanceId: work.instance.id,
      taskId,
      userId: user,
      sentBy: actor,
      note: note?.slice(0, 2000) ?? null,
      createdAt: runner.now,
      readAt: null,
    });
  }
  const task = taskId ? work.tasks.get(taskId) : undefined;
  runner.event(
    'CARBON_COPIED',
    task ? runner.element(task.elementId) : null,
    null,
    { users: [...new Set(users)], note },
    taskId,
  );
}

export function urge(
  work: InstanceWork,
  runner: Runner,
  taskId: string,
  actor: string | null,
  note: string | null,
  lastUrgedAt: number | null,
  intervalMs: number,
): void {
  const task = work.tasks.get(taskId);
  if (!task || (task.state !== 'created' && task.state !== 'suspended')) {
    throw new InvalidStateError(`Task ${taskId} is not open; there is nobody to urge`, {
      reason: 'TASK_NOT_OPEN',
    });
  }
  if (lastUrgedAt !== null && runner.now - lastUrgedAt < intervalMs) {
    throw new InvalidStateError(
      `Task ${taskId} was urged at ${new Date(lastUrgedAt).toISOString()}; urge again after ${new Date(lastUrgedAt + intervalMs).toISOString()}`,
      {
        reason: 'URGED_TOO_SOON',
        nextAllowedAt: lastUrgedAt + intervalMs,
      },
    );
  }
  const holders = task.assignee ? [task.assignee] : [...task.candidateUsers];
  runner.event(
    'TASK_URGED',
    runner.element(task.elementId),
    work.executions.get(task.executionId) ?? null,
    { holders, note, roles: task.candidateRoles },
    task.id,
  );
}
