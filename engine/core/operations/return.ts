/**
 * 退回 and 拒绝. A return sends the work back to an earlier user task of the path (the previous one, the
 * initiator's, or any completed one that can still reach this step). Every token of the target's scope that the
 * target can reach is ended (so parallel branches and countersigns after the target are redone); tokens the target
 * cannot reach go on. The returned-to task goes to whoever did it last. With resubmit strategy `direct` (set on the
 * returning step), finishing the returned-to task jumps straight back to the returning step.
 *
 * 拒绝 without a target ends the instance as rejected; with a target it is a return.
 */
import { InvalidStateError } from '../errors.js';
import type { InstanceWork } from '../runtime/instance-work.js';
import { canReach } from '../runtime/reachability.js';
import type { ExecutionRecord } from '../runtime/records.js';
import type { Runner } from '../runtime/runner.js';
import { actOn, closeTask } from './task-guards.js';

/** A user task completed earlier in the instance, in completion order, with who completed it. */
export interface CompletedStep {
  readonly elementId: string;
  readonly actor: string | null;
}

export type ReturnTarget = 'previous' | 'initiator' | { readonly elementId: string };

/** The steps a task may be returned to, nearest first (for the picker in the UI and for checking a request). */
export function returnTargets(
  runner: Runner,
  currentElementId: string,
  completed: readonly CompletedStep[],
): CompletedStep[] {
  const current = runner.element(currentElementId);
  const seen = new Set<string>();
  const targets: CompletedStep[] = [];
  for (const step of [...completed].reverse()) {
    if (seen.has(step.elementId) || step.elementId === currentElementId) continue;
    seen.add(step.elementId);
    const element = runner.process.elements[step.elementId];
    if (!element || element.kind !== 'userTask') continue;
    if (!inScopeChain(runner, element.scopeId, current.scopeId)) continue;
    if (
      !canReach(runner.process, step.elementId, scopeLevelElement(runner, currentElementId, element.scopeId))
    )
      continue;
    targets.push(step);
  }
  return targets;
}

export function returnTask(
  work: InstanceWork,
  runner: Runner,
  taskId: string,
  actor: string | null,
  target: ReturnTarget,
  comment: string | null,
  completed: readonly CompletedStep[],
  operation: 'return' | 'reject' = 'return',
): { targetElementId: string } {
  const { task, token } = actOn(work, runner, taskId, actor, operation, { comment });
  const candidates = returnTargets(runner, task.elementId, completed);
  const chosen =
    target === 'previous'
      ? candidates[0]
      : target === 'initiator'
        ? candidates.at(-1)
        : candidates.find((c) => c.elementId === target.elementId);
  if (!chosen) {
    throw new InvalidStateError(
      `Task ${taskId} (${task.elementId}) cannot be returned to ${typeof target === 'string' ? `the ${target} step` : target.elementId}; valid targets: ${candidates.map((c) => c.elementId).join(', ') || 'none'}`,
      { reason: 'RETURN_TARGET_INVALID', validTargets: candidates.map((c) => c.elementId) },
    );
  }
  const targetElement = runner.element(chosen.elementId);
  const returningElement = runner.element(task.elementId);
  closeTask(work, task, runner.now, actor);
  runner.event(
    operation === 'reject' ? 'TASK_REJECTED' : 'TASK_RETURNED',
    returningElement,
    token,
    { target: chosen.elementId, comment },
    task.id,
  );

  // the scope the target lives in, and the tokens there that the target can reach
  const scope = scopeExecution(work, token, targetElement.scopeId);
  const scopeId = scope?.id ?? null;
  const returning = topLevelIn(work, token, scopeId);
  let othersEnded = 0;
  for (const sibling of work.childrenOf(scopeId)) {
    if (!canReach(runner.process, chosen.elementId, sibling.elementId)) continue;
    if (sibling.id !== returning.id) othersEnded++;
    runner.removeToken(sibling, 'canceled');
  }
  restoreJoinArrivals(
    runner,
    scopeId,
    chosen.elementId,
    scopeLevelElement(runner, task.elementId, targetElement.scopeId),
  );
  const fresh = runner.newToken(scopeId, chosen.elementId);
  fresh.variables = {};
  if (chosen.actor ?? actor) fresh.variables.$assignee = chosen.actor ?? actor;
  // "direct" resubmission may only skip the steps in between when nothing else was undone: a return that
  // ended other branches (or votes) must run the path again, or a join would wait for them forever
  if (
    returningElement.approval?.resubmitStrategy === 'direct' &&
    returningElement.scopeId === targetElement.scopeId &&
    othersEnded === 0
  ) {
    fresh.variables.$returnTo = returningElement.id;
  }
  runner.arrive(fresh, chosen.elementId, null);
  return { targetElementId: chosen.elementId };
}

/** 拒绝 (不予通过) without a target: every token ends and the instance is closed as rejected. */
export function rejectInstance(
  work: InstanceWork,
  runner: Runner,
  taskId: string,
  actor: string | null,
  comment: string | null,
): void {
  const { task, token } = actOn(work, runner, taskId, actor, 'reject', { comment });
  closeTask(work, task, runner.now, actor);
  runner.event('TASK_REJECTED', runner.element(task.elementId), token, { comment }, task.id);
  for (const top of work.childrenOf(null)) runner.removeToken(top, 'canceled');
  runner.endInstance(
    'rejected',
    comment ? `rejected by ${actor ?? 'system'}: ${comment}` : `rejected by ${actor ?? 'system'}`,
  );
}

// helpers //////

/** True when `scopeId` is `innerScopeId` itself or one of its enclosing scopes. */
function inScopeChain(runner: Runner, scopeId: string | null, innerScopeId: string | null): boolean {
  for (let s: string | null = innerScopeId; ; s = runner.element(s).scopeId) {
    if (s === scopeId) return true;
    if (s === null) return false;
  }
}

/** The element at `scopeId`'s level that contains `elementId` (itself, or the sub-process around it). */
function scopeLevelElement(runner: Runner, elementId: string, scopeId: string | null): string {
  let id = elementId;
  while (runner.element(id).scopeId !== scopeId) id = runner.element(id).scopeId!;
  return id;
}

/**
 * A parallel join between the target and the returning step already consumed the arrivals of the branches that
 * are not redone: they are put back as arrived, so the join fires again when the redone branch arrives (the
 * results of the other branches stand).
 */
function restoreJoinArrivals(
  runner: Runner,
  scopeId: string | null,
  targetId: string,
  returningId: string,
): void {
  for (const join of Object.values(runner.process.elements)) {
    if (join.kind !== 'parallelGateway' || join.incoming.length < 2) continue;
    if (join.scopeId !== runner.element(targetId).scopeId) continue;
    if (
      !canReach(runner.process, targetId, join.id) ||
      !canReach(runner.process, join.id, returningId) ||
      join.id === returningId
    )
      continue;
    for (const flowId of join.incoming) {
      const source = runner.flow(flowId).sourceId;
      if (canReach(runner.process, targetId, source)) continue;
      const arrived = runner.newToken(scopeId, join.id);
      arrived.state = 'joining';
      arrived.arrivedVia = flowId;
      runner.event('ELEMENT_ACTIVATED', join, arrived, { restoredArrival: flowId });
    }
  }
}

/** The ancestor of `token` (or itself) that sits directly in the scope `scopeId`. */
function topLevelIn(work: InstanceWork, token: ExecutionRecord, scopeId: string | null): ExecutionRecord {
  let current = token;
  while (current.parentId !== scopeId && current.parentId) current = work.executions.get(current.parentId)!;
  return current;
}

/** The scope token for `scopeId` among the ancestors of `token` (null for the process scope). */
function scopeExecution(
  work: InstanceWork,
  token: ExecutionRecord,
  scopeId: string | null,
): ExecutionRecord | null {
  if (scopeId === null) return null;
  for (
    let t = token.parentId ? work.executions.get(token.parentId) : undefined;
    t;
    t = t.parentId ? work.executions.get(t.parentId) : undefined
  ) {
    if (t.elementId === scopeId && t.variables?.$multiInstanceBody !== true) return t;
  }
  throw new InvalidStateError(`No running scope ${scopeId} holds the task`, {
    reason: 'RETURN_TARGET_INVALID',
  });
}
