/**
 * Events in the runner: what opens a timer or a message/signal subscription, what a trigger does to the
 * tokens (catch, boundary interrupting or not, event sub-process interrupting or not, event-based gateway), and
 * how thrown errors and escalations find their catch (boundary or event sub-process, scope by scope, then the
 * calling instance).
 *
 * Ownership: a timer job or subscription belongs to an execution id (a token, a scope, or the instance id for
 * the process scope). Whatever ends that owner closes what it owns (`closeOwned`), so nothing fires late.
 */
import { IncidentError } from '../errors.js';
import type { EventDefinition, ExecutableElement } from '../model/types.js';
import type { ExecutionRecord, SubscriptionRecord } from './records.js';
import type { Runner } from './runner.js';
import { timerDue, type TimerPayload } from './timers.js';

/** Cancels the pending jobs (timers, calls …) and closes the subscriptions an execution owns. */
export function closeOwned(runner: Runner, ownerId: string, only?: (elementId: string) => boolean): void {
  for (const job of runner.work.jobs.values()) {
    if (job.executionId !== ownerId || job.state !== 'pending' || job.instanceId !== runner.work.instance.id)
      continue;
    if (only && !only(job.elementId)) continue;
    job.state = 'canceled';
    job.updatedAt = runner.now;
    runner.work.touch(job.id);
  }
  for (const subscription of runner.work.subscriptions.values()) {
    if (subscription.executionId !== ownerId) continue;
    if (only && !only(subscription.elementId)) continue;
    runner.work.removeSubscription(subscription.id);
  }
}

/** Opens the boundary events of an activity that just started waiting (once). */
export function openBoundaries(runner: Runner, token: ExecutionRecord): void {
  const element = runner.element(token.elementId);
  for (const boundaryId of element.boundaryIds ?? []) {
    const boundary = runner.element(boundaryId);
    if (isOpen(runner, token.id, boundaryId)) continue;
    openTrigger(runner, token.id, boundary, token);
  }
}

/** Opens the start events of a scope's event sub-processes (timer, message, signal; errors and escalations are found when thrown). */
export function openEventSubProcesses(
  runner: Runner,
  ownerId: string,
  eventSubProcessIds: readonly string[],
): void {
  const context = runner.work.executions.get(ownerId) ?? null;
  for (const id of eventSubProcessIds) {
    const start = runner.element(runner.element(id).startEventId!);
    openTrigger(runner, ownerId, start, context);
  }
}

/**
 * Opens the wait of a catching element for `ownerId`: a timer job, or a message or signal subscription.
 * Elements whose definition is caught only when thrown (error, escalation) open nothing.
 */
export function openTrigger(
  runner: Runner,
  ownerId: string,
  element: ExecutableElement,
  contextToken: ExecutionRecord | null,
): void {
  const definition = element.eventDefinition;
  if (!definition) return;
  switch (definition.type) {
    case 'timer': {
      const text = definition.timer.expression
        ? String(
            runner.evaluate(
              definition.timer.expression.source,
              `Timer of ${element.bpmnType} ${element.id}`,
              contextToken,
            ),
          )
        : definition.timer.text!;
      const payload: TimerPayload = {
        kind: definition.timer.kind,
        text,
        workingDays: definition.timer.workingDays,
        anchor: runner.now,
      };
      const due = timerDue(payload, 0, undefined, runner.calendar);
      if (!due.ok)
        throw new IncidentError(
          'EXPRESSION_FAILED',
          `Timer of ${element.bpmnType} ${element.id}: ${due.message}`,
        );
      if (due.dueAt === undefined) return;
      runner.createJob(ownerId, element.id, {
        kind: 'timer',
        payload: { ...payload },
        dueAt: due.dueAt,
        retriesLeft: 2,
      });
      return;
    }
    case 'message':
    case 'signal': {
      const correlationKey =
        definition.type === 'message' && definition.correlationKey
          ? correlationKeyOf(
              runner.evaluate(
                definition.correlationKey.source,
                `Correlation key of ${element.bpmnType} ${element.id}`,
                contextToken,
              ),
              element,
            )
          : null;
      const subscription: SubscriptionRecord = {
        id: runner.newId(),
        kind: definition.type,
        name: definition.type === 'message' ? definition.messageName : definition.signalName,
        correlationKey,
        instanceId: runner.work.instance.id,
        executionId: ownerId,
        definitionId: null,
        processKey: runner.process.key,
        elementId: element.id,
        createdAt: runner.now,
      };
      runner.work.addSubscription(subscription);
      return;
    }
    default:
      return;
  }
}

/**
 * An event arrived for `elementId` on behalf of `ownerId` (a timer fired, a message or signal matched).
 * Returns false when the owner is gone (the trigger is stale and does nothing).
 */
export function trigger(runner: Runner, ownerId: string, elementId: string): boolean {
  const element = runner.element(elementId);
  const owner = runner.work.executions.get(ownerId);
  switch (element.kind) {
    case 'boundaryEvent':
      if (!owner) return false;
      triggerBoundary(runner, owner, element);
      return true;
    case 'startEvent': {
      if (!owner && ownerId !== runner.work.instance.id) return false;
      const eventSubProcess = runner.element(element.scopeId!);
      triggerEventSubProcess(runner, ownerId, eventSubProcess);
      return true;
    }
    default: {
      if (!owner) return false;
      if (owner.elementId === elementId) {
        closeOwned(runner, owner.id);
        runner.resume(owner, () => runner.takeOutgoing(owner));
        return true;
      }
      if (runner.element(owner.elementId).kind !== 'eventBasedGateway') return false; // the token moved on: stale
      runner.passTriggered(owner, elementId);
      return true;
    }
  }
}

/** A boundary event fires: an interrupting one ends its activity first; a token leaves from the boundary. */
export function triggerBoundary(
  runner: Runner,
  activityToken: ExecutionRecord,
  boundary: ExecutableElement,
): void {
  const parentId = activityToken.parentId;
  if (boundary.cancelActivity !== false) runner.removeToken(activityToken, 'interrupted');
  runner.spawnAt(parentId, boundary.id);
}

/**
 * An event sub-process starts in the scope owned by `ownerId`. Interrupting: every other token of the scope
 * ends and the scope stops listening to its event sub-processes. Non-interrupting: it runs beside them.
 */
export function triggerEventSubProcess(
  runner: Runner,
  ownerId: string,
  eventSubProcess: ExecutableElement,
): void {
  const parentId = ownerId === runner.work.instance.id ? null : ownerId;
  const start = runner.element(eventSubProcess.startEventId!);
  if (start.interrupting !== false) {
    for (const token of runner.work.childrenOf(parentId)) runner.removeToken(token, 'interrupted');
    const siblings = new Set(
      scopeEventSubProcessIds(runner, parentId).map((id) => runner.element(id).startEventId),
    );
    closeOwned(runner, ownerId, (elementId) => siblings.has(elementId));
  }
  const scope = runner.newToken(parentId, eventSubProcess.id);
  runner.event('ELEMENT_ACTIVATED', eventSubProcess, scope);
  scope.state = 'scope';
  openEventSubProcesses(runner, scope.id, eventSubProcess.eventSubProcessIds ?? []);
  runner.startAt(start.id, scope.id);
}

/**
 * Throws a BPMN error from `from` (an error end event, or an activity whose handler or child failed with it):
 * the nearest matching error boundary or error event sub-process catches it, scope by scope outwards; a
 * called instance passes it to its caller; otherwise it becomes an incident on the throwing token.
 */
export function throwError(
  runner: Runner,
  from: ExecutionRecord,
  errorCode: string,
  message: string | null,
): void {
  runner.event('ERROR_THROWN', runner.element(from.elementId), from, { errorCode, message });
  const caught = findCatch(runner, from, 'error', errorCode);
  if (caught) {
    if (caught.boundary) triggerBoundary(runner, caught.token!, caught.boundary);
    else triggerEventSubProcess(runner, caught.ownerId!, caught.eventSubProcess!);
    return;
  }
  if (runner.work.instance.parentInstanceId) {
    for (const token of runner.work.childrenOf(null)) runner.removeToken(token, 'terminated');
    runner.endInstance('canceled', `BPMN error ${errorCode} passed to the calling instance`);
    runner.notifyParent({ outcome: 'error', errorCode, errorMessage: message });
    return;
  }
  throw new IncidentError(
    'UNHANDLED_ERROR',
    `Expected an error boundary or error event sub-process to catch error ${errorCode} thrown at ${from.elementId}, but none matches (instance ${runner.work.instance.id})`,
  );
}

/**
 * Throws an escalation from `from`: the nearest matching escalation boundary (on an enclosing sub-process or call
 * activity) or escalation event sub-process reacts; uncaught, it goes to the caller or is only recorded (BPMN:
 * an escalation nobody catches is not a failure). Returns true when the throwing token was ended by an
 * interrupting catch.
 */
export function throwEscalation(runner: Runner, from: ExecutionRecord, escalationCode: string): boolean {
  runner.event('ESCALATION_THROWN', runner.element(from.elementId), from, { escalationCode });
  const caught = findCatch(runner, from, 'escalation', escalationCode);
  if (!caught) {
    if (runner.work.instance.parentInstanceId) runner.notifyParent({ outcome: 'escalation', escalationCode });
    return false;
  }
  if (caught.boundary) triggerBoundary(runner, caught.token!, caught.boundary);
  else triggerEventSubProcess(runner, caught.ownerId!, caught.eventSubProcess!);
  return !runner.work.executions.has(from.id);
}

// helpers //////

interface Catch {
  readonly boundary?: ExecutableElement;
  readonly token?: ExecutionRecord;
  readonly eventSubProcess?: ExecutableElement;
  readonly ownerId?: string;
}

/** Walks from the throwing token outwards: its own boundaries (activities only), then each scope's event sub-processes and its token's boundaries. */
function findCatch(
  runner: Runner,
  from: ExecutionRecord,
  type: 'error' | 'escalation',
  code: string,
): Catch | undefined {
  let current: ExecutionRecord | undefined = from;
  let first = true;
  while (current) {
    const element = runner.element(current.elementId);
    const isActivity = element.kind !== 'endEvent' && element.kind !== 'intermediateThrowEvent';
    if ((!first || isActivity) && !isInnerOf(runner, current)) {
      const boundary = pick(
        (element.boundaryIds ?? []).map((id) => runner.element(id)),
        type,
        code,
      );
      if (boundary) return { boundary, token: current };
    }
    first = false;
    const parentId: string | null = current.parentId;
    const eventSubProcess = pick(
      scopeEventSubProcessIds(runner, parentId)
        .map((id) => runner.element(id))
        .filter((esp) => !isRunning(runner, parentId, esp.id))
        .map((esp) => ({ esp, start: runner.element(esp.startEventId!) })),
      type,
      code,
    );
    if (eventSubProcess)
      return { eventSubProcess: eventSubProcess.esp, ownerId: runner.scopeOwnerId(parentId) };
    current = parentId ? runner.work.executions.get(parentId) : undefined;
  }
  return undefined;
}

/** The matching catch of the given type: an exact code first, else a catch-all. */
function pick<T extends ExecutableElement | { esp: ExecutableElement; start: ExecutableElement }>(
  candidates: T[],
  type: 'error' | 'escalation',
  code: string,
): T | undefined {
  const definitionOf = (c: T): EventDefinition | undefined =>
    ('start' in c ? c.start : (c as ExecutableElement)).eventDefinition;
  const codeOf = (d: EventDefinition) =>
    d.type === 'error' ? d.errorCode : d.type === 'escalation' ? d.escalationCode : undefined;
  const matching = candidates.filter((c) => definitionOf(c)?.type === type);
  return (
    matching.find((c) => codeOf(definitionOf(c)!) === code) ??
    matching.find((c) => codeOf(definitionOf(c)!) === null)
  );
}

function scopeEventSubProcessIds(runner: Runner, parentId: string | null): readonly string[] {
  if (parentId === null) return runner.process.eventSubProcessIds;
  const scope = runner.work.executions.get(parentId);
  // a multi-instance body holds instances, not the activity's inner flow
  if (!scope || scope.variables?.$multiInstanceBody === true) return [];
  return runner.element(scope.elementId).eventSubProcessIds ?? [];
}

/** An event sub-process already running in the scope cannot catch what it throws itself. */
function isRunning(runner: Runner, parentId: string | null, eventSubProcessId: string): boolean {
  return runner.work.childrenOf(parentId).some((t) => t.elementId === eventSubProcessId);
}

function isInnerOf(runner: Runner, token: ExecutionRecord): boolean {
  const parent = token.parentId ? runner.work.executions.get(token.parentId) : undefined;
  return parent !== undefined && parent.elementId === token.elementId;
}

function isOpen(runner: Runner, ownerId: string, elementId: string): boolean {
  for (const job of runner.work.jobs.values()) {
    if (job.executionId === ownerId && job.elementId === elementId && job.state === 'pending') return true;
  }
  for (const s of runner.work.subscriptions.values())
    if (s.executionId === ownerId && s.elementId === elementId) return true;
  return false;
}

function correlationKeyOf(value: unknown, element: ExecutableElement): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
    throw new IncidentError(
      'EXPRESSION_FAILED',
      `Expected the correlation key of ${element.bpmnType} ${element.id} to be a non-empty text, but got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
