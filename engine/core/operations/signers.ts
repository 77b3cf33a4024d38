/**
 * 加签 and 减签. Added signers get tasks on the same token as the task they were added to:
 * - `parallel`: they sign beside the holder; the step is done when every task of the token is done;
 * - `before` (前加签): the holder's task is suspended until they have signed;
 * - `after` (后加签): they get their tasks once the holder has signed, and the step waits for them.
 * 减签 removes an added signer's pending task, or a pending vote of a countersign (multi-instance), which then
 * counts one instance less and may decide at once.
 */
import { InvalidStateError, InvalidVariablesError } from '../errors.js';
import type { InstanceWork } from '../runtime/instance-work.js';
import { isInnerInstance, removeInnerInstance } from '../runtime/multi-instance.js';
import type { ExecutionRecord, TaskRecord } from '../runtime/records.js';
import type { Runner } from '../runtime/runner.js';
import { actOn, otherOpenTasks } from './task-guards.js';

export type SignerMode = 'before' | 'after' | 'parallel';

export function addSigners(
  work: InstanceWork,
  runner: Runner,
  taskId: string,
  actor: string | null,
  users: readonly string[],
  mode: SignerMode,
  comment: string | null,
): TaskRecord[] {
  if (
    !Array.isArray(users) ||
    users.length === 0 ||
    users.length > 50 ||
    users.some((u) => typeof u !== 'string' || !u.trim() || u.length > 64)
  ) {
    throw new InvalidVariablesError('users must be a list of 1 to 50 user ids');
  }
  if (!['before', 'after', 'parallel'].includes(mode))
    throw new InvalidVariablesError('mode must be before, after or parallel');
  const { task, token } = actOn(work, runner, taskId, actor, 'addSigners');
  runner.event('SIGNERS_ADDED', runner.element(task.elementId), token, { users, mode, comment }, task.id);
  if (mode === 'after') {
    const pending = Array.isArray(token.variables?.$afterSigners)
      ? (token.variables!.$afterSigners as string[])
      : [];
    token.variables = {
      ...(token.variables ?? {}),
      $afterSigners: [...pending, ...users],
      $afterSignersOf: task.id,
      $afterSignersBy: actor,
    };
    return [];
  }
  if (mode === 'before') {
    task.state = 'suspended';
    work.touch(task.id);
  }
  return users.map((user) => createSignerTask(runner, task, token, user, mode, actor));
}

/**
 * When the last pending task of the step is done: the 后加签 signers of the holder's (completed) task get their
 * tasks. True when the step must now wait for them.
 */
export function startAfterSigners(
  work: InstanceWork,
  runner: Runner,
  token: ExecutionRecord,
  justSigned: TaskRecord,
): boolean {
  const users = token.variables?.$afterSigners;
  const mainId = token.variables?.$afterSignersOf;
  if (!Array.isArray(users) || users.length === 0 || typeof mainId !== 'string') return false;
  // the holder's task is loaded only while open: absent means it was completed in an earlier step
  const main = work.tasks.get(mainId);
  if (main && main.state !== 'completed') return false;
  const template = main ?? { ...justSigned, id: mainId };
  const by = (token.variables?.$afterSignersBy as string | null) ?? null;
  const { $afterSigners: _s, $afterSignersOf: _o, $afterSignersBy: _b, ...rest } = token.variables!;
  token.variables = Object.keys(rest).length > 0 ? rest : null;
  for (const user of users as string[]) createSignerTask(runner, template, token, user, 'after', by);
  return true;
}

/** After a 前加签 signer signed: the holder's task comes back once no such signer is left. */
export function releaseSuspended(work: InstanceWork, runner: Runner, signed: TaskRecord): void {
  if (signed.signerMode !== 'before' || !signed.signerOf) return;
  const stillBefore = [...work.tasks.values()].some(
    (t) =>
      t.signerOf === signed.signerOf &&
      t.signerMode === 'before' &&
      t.state === 'created' &&
      t.id !== signed.id,
  );
  const main = work.tasks.get(signed.signerOf);
  if (!stillBefore && main && main.state === 'suspended') {
    main.state = 'created';
    work.touch(main.id);
  }
  void runner;
}

export function removeSigner(
  work: InstanceWork,
  runner: Runner,
  taskId: string,
  actor: string | null,
  comment: string | null,
): void {
  const task = work.tasks.get(taskId);
  if (!task || (task.state !== 'created' && task.state !== 'suspended')) {
    throw new InvalidStateError(`Expected signer task ${taskId} to be pending, but it is closed`, {
      reason: 'TASK_NOT_OPEN',
    });
  }
  const token = work.executions.get(task.executionId)!;
  const element = runner.element(task.elementId);
  if (element.approval && !element.approval.allowedOperations.includes('removeSigners')) {
    throw new InvalidStateError(`Step ${element.id} does not allow removeSigners`, {
      reason: 'OPERATION_NOT_ALLOWED',
    });
  }
  if (task.signerOf) {
    task.state = 'canceled';
    task.endedAt = runner.now;
    work.touch(task.id);
    runner.event('SIGNER_REMOVED', element, token, { user: task.assignee, by: actor, comment }, task.id);
    releaseSuspended(work, runner, task);
    // the holder already signed and this was the last signer pending: the step is done
    if (otherOpenTasks(work, task).length === 0) runner.resume(token, () => runner.takeOutgoing(token));
    return;
  }
  if (isInnerInstance(runner, token)) {
    runner.event('SIGNER_REMOVED', element, token, { user: task.assignee, by: actor, comment }, task.id);
    removeInnerInstance(runner, token);
    return;
  }
  throw new InvalidStateError(`Task ${taskId} is neither an added signer nor a vote of a countersign`, {
    reason: 'NOT_A_SIGNER',
  });
}

function createSignerTask(
  runner: Runner,
  main: TaskRecord,
  token: ExecutionRecord,
  user: string,
  mode: SignerMode,
  by: string | null,
): TaskRecord {
  const signer: TaskRecord = {
    ...main,
    id: runner.newId(),
    state: 'created',
    assignee: user,
    owner: null,
    delegationState: null,
    signerOf: main.id,
    signerMode: mode,
    addedBy: by,
    candidateUsers: [],
    candidateRoles: [],
    createdAt: runner.now,
    endedAt: null,
    completedBy: null,
  };
  runner.createTask(signer);
  void token;
  return signer;
}
