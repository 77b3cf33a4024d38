/**
 * Who holds a task: claim / unclaim, 转办 transfer (the holder changes for good), 委派 delegate (the delegate
 * works on it and resolves it back to the owner, who then decides).
 */
import { InvalidStateError, InvalidVariablesError } from '../errors.js';
import type { InstanceWork } from '../runtime/instance-work.js';
import type { TaskRecord } from '../runtime/records.js';
import type { Runner } from '../runtime/runner.js';
import { actOn } from './task-guards.js';

export function claim(work: InstanceWork, runner: Runner, taskId: string, actor: string): TaskRecord {
  const { task, token } = actOn(work, runner, taskId, null, 'claim');
  if (task.assignee === actor) return task;
  if (task.assignee !== null) {
    throw new InvalidStateError(`Task ${taskId} was already claimed by ${task.assignee}`, {
      reason: 'ALREADY_CLAIMED',
      assignee: task.assignee,
    });
  }
  task.assignee = actor;
  work.touch(task.id);
  runner.event('TASK_CLAIMED', runner.element(task.elementId), token, null, task.id);
  return task;
}

export function unclaim(work: InstanceWork, runner: Runner, taskId: string, actor: string): TaskRecord {
  const { task, token } = actOn(work, runner, taskId, actor, 'claim');
  if (task.candidateUsers.length === 0 && task.candidateRoles.length === 0) {
    throw new InvalidStateError(`Task ${taskId} has no candidates to go back to; transfer it instead`, {
      reason: 'NO_CANDIDATES',
    });
  }
  task.assignee = null;
  work.touch(task.id);
  runner.event('TASK_UNCLAIMED', runner.element(task.elementId), token, null, task.id);
  return task;
}

export function transfer(
  work: InstanceWork,
  runner: Runner,
  taskId: string,
  actor: string | null,
  to: string,
  comment: string | null,
): TaskRecord {
  checkUser(to);
  const { task, token } = actOn(work, runner, taskId, actor, 'transfer');
  if (task.assignee === to)
    throw new InvalidStateError(`Task ${taskId} is already held by ${to}`, { reason: 'SAME_USER' });
  const from = task.assignee ?? actor;
  task.assignee = to;
  work.touch(task.id);
  runner.event('TASK_TRANSFERRED', runner.element(task.elementId), token, { from, to, comment }, task.id);
  return task;
}

export function delegate(
  work: InstanceWork,
  runner: Runner,
  taskId: string,
  actor: string | null,
  to: string,
  comment: string | null,
): TaskRecord {
  checkUser(to);
  const { task, token } = actOn(work, runner, taskId, actor, 'delegate');
  const owner = task.assignee ?? actor;
  if (!owner)
    throw new InvalidStateError(`Task ${taskId} has no holder to delegate for; claim it first`, {
      reason: 'NOT_CLAIMED',
    });
  if (owner === to)
    throw new InvalidStateError(`Task ${taskId} cannot be delegated to its own holder`, {
      reason: 'SAME_USER',
    });
  task.owner = owner;
  task.assignee = to;
  task.delegationState = 'pending';
  work.touch(task.id);
  runner.event(
    'TASK_DELEGATED',
    runner.element(task.elementId),
    token,
    { owner, delegate: to, comment },
    task.id,
  );
  return task;
}

export function resolve(
  work: InstanceWork,
  runner: Runner,
  taskId: string,
  actor: string | null,
  comment: string | null,
): TaskRecord {
  const { task, token } = actOn(work, runner, taskId, actor, 'resolve', { allowDelegated: true });
  if (task.delegationState !== 'pending') {
    throw new InvalidStateError(`Task ${taskId} is not delegated; complete it instead`, {
      reason: 'NOT_DELEGATED',
    });
  }
  runner.event(
    'TASK_RESOLVED',
    runner.element(task.elementId),
    token,
    { delegate: task.assignee, owner: task.owner, comment },
    task.id,
  );
  task.assignee = task.owner;
  task.delegationState = 'resolved';
  work.touch(task.id);
  return task;
}

function checkUser(userId: string): void {
  if (typeof userId !== 'string' || userId.trim().length === 0 || userId.length > 64) {
    throw new InvalidVariablesError('The user to hand the task to must be a user id of 1 to 64 characters');
  }
}
