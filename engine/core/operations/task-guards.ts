/**
 * Preconditions shared by the approval operations (docs/approval-operations.md): the task is open and not
 * suspended, the actor holds it (or it is unassigned), the node allows the operation, and a 意见 is given
 * where the node requires one. Each refusal is an InvalidStateError with a code-like reason in `details`.
 */
import { InvalidStateError, InvalidVariablesError } from '../errors.js';
import type { ApprovalOperation } from '../model/types.js';
import type { InstanceWork } from '../runtime/instance-work.js';
import type { ExecutionRecord, TaskRecord } from '../runtime/records.js';
import type { Runner } from '../runtime/runner.js';

export interface ActingOn {
  readonly task: TaskRecord;
  readonly token: ExecutionRecord;
}

/** The open task with its waiting token; refuses suspended, delegated-away and foreign tasks. */
export function actOn(
  work: InstanceWork,
  runner: Runner,
  taskId: string,
  actor: string | null,
  operation: ApprovalOperation | 'claim' | 'resolve',
  options: { comment?: string | null; allowDelegated?: boolean } = {},
): ActingOn {
  const task = work.tasks.get(taskId);
  if (!task || (task.state !== 'created' && task.state !== 'suspended')) {
    throw new InvalidStateError(
      `Expected task ${taskId} to be open, but it was already completed or canceled`,
      { reason: 'TASK_NOT_OPEN', taskId },
    );
  }
  if (task.state === 'suspended') {
    throw new InvalidStateError(
      `Task ${taskId} waits for the signers added before it (前加签) and cannot be acted on yet`,
      { reason: 'TASK_SUSPENDED', taskId },
    );
  }
  const token = work.executions.get(task.executionId);
  if (!token || token.state !== 'waiting') {
    throw new InvalidStateError(
      `Expected the token of task ${taskId} to be waiting, but it is ${token?.state ?? 'gone'}`,
      { reason: 'TOKEN_NOT_WAITING' },
    );
  }
  if (
    actor !== null &&
    task.assignee !== null &&
    task.assignee !== actor &&
    operation !== 'urge' &&
    operation !== 'cc'
  ) {
    throw new InvalidStateError(`Task ${taskId} is assigned to ${task.assignee}, not to ${actor}`, {
      reason: 'NOT_ASSIGNEE',
      taskId,
    });
  }
  if (
    actor !== null &&
    task.assignee === null &&
    task.candidateUsers.length > 0 &&
    !task.candidateUsers.includes(actor) &&
    !['urge', 'cc'].includes(operation)
  ) {
    throw new InvalidStateError(`${actor} is not a candidate of task ${taskId}`, {
      reason: 'NOT_CANDIDATE',
      taskId,
    });
  }
  if (
    task.delegationState === 'pending' &&
    !options.allowDelegated &&
    operation !== 'urge' &&
    operation !== 'cc'
  ) {
    throw new InvalidStateError(
      `Task ${taskId} is delegated (委派): the delegate resolves it back to ${task.owner} first`,
      { reason: 'DELEGATION_PENDING' },
    );
  }
  const element = runner.element(task.elementId);
  const allowed = element.approval?.allowedOperations;
  if (operation !== 'claim' && operation !== 'resolve' && allowed && !allowed.includes(operation)) {
    throw new InvalidStateError(
      `Step ${element.id} does not allow ${operation}; it allows ${allowed.join(', ')}`,
      { reason: 'OPERATION_NOT_ALLOWED', operation },
    );
  }
  if (
    element.approval?.commentRequired &&
    ['approve', 'reject', 'return'].includes(operation) &&
    !options.comment?.trim()
  ) {
    throw new InvalidVariablesError(`Step ${element.id} requires a comment (意见) for ${operation}`);
  }
  return { task, token };
}

/** Closes a task as done by `actor` (approve, return, reject, resolve all end the actor's part). */
export function closeTask(work: InstanceWork, task: TaskRecord, now: number, actor: string | null): void {
  task.state = 'completed';
  task.endedAt = now;
  task.completedBy = actor;
  work.touch(task.id);
}

/** Open (or suspended) tasks on the same token: the step is done only when none is left. */
export function otherOpenTasks(work: InstanceWork, task: TaskRecord): TaskRecord[] {
  return [...work.tasks.values()].filter(
    (t) =>
      t.id !== task.id &&
      t.executionId === task.executionId &&
      (t.state === 'created' || t.state === 'suspended'),
  );
}

/** Refuses writes to the step's read-only or hidden fields (or to fields outside its editable list), naming them. */
export function checkFieldWrites(runner: Runner, task: TaskRecord, variables: Record<string, unknown>): void {
  const fields = runner.element(task.elementId).approval?.fields;
  if (!fields) return;
  const names = Object.keys(variables);
  const refused = names.filter(
    (name) =>
      fields.readOnly.includes(name) ||
      fields.hidden.includes(name) ||
      (fields.editable !== undefined && !fields.editable.includes(name)),
  );
  if (refused.length > 0) {
    throw new InvalidVariablesError(
      `Step ${task.elementId} does not let you change ${refused.join(', ')} (read-only or hidden here)`,
    );
  }
}
