/**
 * Multi-instance activities (BPMN 10.3.6) and the approval presets built on them: 会签 all, 或签 any,
 * 依次 sequential, 比例 ratio.
 *
 * The activity's token becomes the body (a scope) holding the counters as local variables; each instance is a
 * child token at the same element with `loopCounter` and the element variable, run by the element's own
 * behavior. When an instance completes it reports here instead of taking the outgoing flows; the body decides
 * whether the activity is done, cancels the instances still open, writes the decision of a preset and leaves.
 */
import { IncidentError } from '../errors.js';
import type { ExecutableElement, MultiInstance } from '../model/types.js';
import { closeOwned } from './events.js';
import type { ExecutionRecord } from './records.js';
import type { Runner } from './runner.js';

/** Most instances one activity may create (a safety bound on collections and cardinalities). */
export const MAX_INSTANCES = 1000;

interface BodyCounters {
  $multiInstanceBody: true;
  $items: unknown[] | null;
  nrOfInstances: number;
  nrOfActiveInstances: number;
  nrOfCompletedInstances: number;
  nrOfApproved: number;
  nrOfRejected: number;
  loopCounter: number;
}

/** True for a token that is one instance of a multi-instance activity (its parent is the body at the same element). */
export function isInnerInstance(runner: Runner, token: ExecutionRecord): boolean {
  if (!token.parentId) return false;
  const parent = runner.work.executions.get(token.parentId);
  return (
    parent !== undefined &&
    parent.elementId === token.elementId &&
    parent.variables?.$multiInstanceBody === true
  );
}

/** The body starts: evaluates the collection or cardinality and creates the first instance(s). */
export function activateMultiInstance(runner: Runner, body: ExecutionRecord): void {
  const element = runner.element(body.elementId);
  const mi = element.multiInstance!;
  const items = instancesOf(runner, element, mi, body);
  const counters: BodyCounters = {
    $multiInstanceBody: true,
    $items: Array.isArray(items) ? items : null,
    nrOfInstances: Array.isArray(items) ? items.length : items,
    nrOfActiveInstances: 0,
    nrOfCompletedInstances: 0,
    nrOfApproved: 0,
    nrOfRejected: 0,
    loopCounter: 0,
  };
  body.state = 'scope';
  body.variables = { ...counters };
  if (counters.nrOfInstances === 0) {
    finish(runner, body, mi, mi.preset ? 'approved' : undefined);
    return;
  }
  const first = mi.isSequential ? 1 : counters.nrOfInstances;
  for (let i = 0; i < first; i++) spawnInstance(runner, body, element, i);
}

/** An instance completed: count its outcome, then finish the activity or start the next instance. */
export function completeInnerInstance(runner: Runner, inner: ExecutionRecord): void {
  const element = runner.element(inner.elementId);
  const mi = element.multiInstance!;
  const body = runner.work.executions.get(inner.parentId!)!;
  const outcome = runner.context(inner)[mi.outcomeVariable];
  closeOwned(runner, inner.id);
  runner.event('ELEMENT_COMPLETED', element, inner);
  runner.work.executions.delete(inner.id);
  const c = body.variables as unknown as BodyCounters;
  c.nrOfActiveInstances -= 1;
  c.nrOfCompletedInstances += 1;
  if (outcome === true) c.nrOfApproved += 1;
  if (outcome === false) c.nrOfRejected += 1;
  const decision = decide(runner, body, mi, outcome);
  if (decision !== undefined) {
    for (const open of runner.work.childrenOf(body.id)) runner.removeToken(open, 'canceled');
    finish(runner, body, mi, decision === 'done' ? undefined : decision);
    return;
  }
  if (mi.isSequential && c.loopCounter + 1 < c.nrOfInstances)
    spawnInstance(runner, body, element, c.loopCounter + 1);
}

// helpers //////

function instancesOf(
  runner: Runner,
  element: ExecutableElement,
  mi: MultiInstance,
  body: ExecutionRecord,
): unknown[] | number {
  if (mi.collection) {
    const value = runner.evaluate(mi.collection.source, `Collection of multi-instance ${element.id}`, body);
    if (!Array.isArray(value)) {
      throw new IncidentError(
        'EXPRESSION_FAILED',
        `Expected the collection of multi-instance ${element.id} to be a list, but got ${JSON.stringify(value)}`,
      );
    }
    if (value.length > MAX_INSTANCES) {
      throw new IncidentError(
        'EXPRESSION_FAILED',
        `Multi-instance ${element.id} would create ${value.length} instances, more than ${MAX_INSTANCES}`,
      );
    }
    return value;
  }
  const count = mi.cardinality
    ? runner.evaluate(mi.cardinality.source, `Cardinality of multi-instance ${element.id}`, body)
    : 0;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_INSTANCES) {
    throw new IncidentError(
      'EXPRESSION_FAILED',
      `Expected the cardinality of multi-instance ${element.id} to be a whole number from 0 to ${MAX_INSTANCES}, but got ${JSON.stringify(count)}`,
    );
  }
  return count;
}

function spawnInstance(
  runner: Runner,
  body: ExecutionRecord,
  element: ExecutableElement,
  index: number,
): void {
  const c = body.variables as unknown as BodyCounters;
  const mi = element.multiInstance!;
  c.loopCounter = index;
  c.nrOfActiveInstances += 1;
  const inner = runner.newToken(body.id, element.id);
  inner.variables = { loopCounter: index };
  if (mi.elementVariable && c.$items) inner.variables[mi.elementVariable] = c.$items[index] ?? null;
  runner.arrive(inner, element.id, null);
}

/** 'approved' / 'rejected' for presets, 'done' when a plain completion rule holds, undefined to go on. */
function decide(
  runner: Runner,
  body: ExecutionRecord,
  mi: MultiInstance,
  last: unknown,
): 'approved' | 'rejected' | 'done' | undefined {
  const c = body.variables as unknown as BodyCounters;
  const all = c.nrOfCompletedInstances >= c.nrOfInstances;
  switch (mi.preset) {
    case 'all':
    case 'sequential':
      if (c.nrOfRejected > 0) return 'rejected';
      return all ? 'approved' : undefined;
    case 'any':
      if (c.nrOfCompletedInstances === 0) return undefined;
      return last === false ? 'rejected' : 'approved';
    case 'ratio': {
      const needed = (mi.ratioPercent ?? 100) * c.nrOfInstances;
      if (c.nrOfApproved * 100 >= needed) return 'approved';
      if ((c.nrOfApproved + (c.nrOfInstances - c.nrOfCompletedInstances)) * 100 < needed) return 'rejected';
      return all ? 'rejected' : undefined;
    }
    default:
      break;
  }
  if (mi.completionCondition) {
    const holds = runner.evaluate(
      mi.completionCondition.source,
      `Completion condition of multi-instance ${body.elementId}`,
      body,
    );
    if (holds === true) return 'done';
    if (holds !== false) {
      throw new IncidentError(
        'CONDITION_FAILED',
        `Expected the completion condition of multi-instance ${body.elementId} to be true or false, but got ${JSON.stringify(holds)}`,
      );
    }
  }
  return all ? 'done' : undefined;
}

/** The body leaves: a preset's decision is written to its result variable, the counters are dropped. */
function finish(
  runner: Runner,
  body: ExecutionRecord,
  mi: MultiInstance,
  decision: 'approved' | 'rejected' | undefined,
): void {
  if (mi.preset && decision) runner.work.setVariable(mi.resultVariable, decision);
  runner.resume(body, () => runner.route(body, { firstOnly: false }));
}

/** 减签 on a countersign: one pending instance goes away and counts no more; the body may decide at once. */
export function removeInnerInstance(runner: Runner, inner: ExecutionRecord): void {
  const element = runner.element(inner.elementId);
  const mi = element.multiInstance!;
  const body = runner.work.executions.get(inner.parentId!)!;
  runner.removeToken(inner, 'canceled');
  const c = body.variables as unknown as BodyCounters;
  c.nrOfInstances -= 1;
  c.nrOfActiveInstances -= 1;
  if (c.$items && mi.isSequential) c.$items.splice(c.loopCounter, 1);
  if (c.nrOfInstances <= 0) {
    finish(runner, body, mi, mi.preset ? 'approved' : undefined);
    return;
  }
  const decision =
    c.nrOfCompletedInstances > 0 || c.nrOfActiveInstances === 0
      ? decide(runner, body, mi, undefined)
      : undefined;
  if (decision !== undefined) {
    for (const open of runner.work.childrenOf(body.id)) runner.removeToken(open, 'canceled');
    finish(runner, body, mi, decision === 'done' ? undefined : decision);
    return;
  }
  if (mi.isSequential && c.nrOfActiveInstances === 0 && c.loopCounter < c.nrOfInstances)
    spawnInstance(runner, body, element, c.loopCounter);
}
