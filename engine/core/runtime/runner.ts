/**
 * The token runner: moves the tokens of one instance through the executable model, in memory, until each
 * one waits (task, job, subscription), joins, parks on an incident or ends. Behaviors call back into it; it
 * records every change into the InstanceWork. It is synchronous and does no I/O; the executor commits.
 *
 * Scopes: the process scope has no execution row; jobs and subscriptions it owns carry the instance id as
 * their execution id. A sub-process (and a multi-instance body, an event sub-process) is a token in state
 * `scope` whose children point at it with `parentId`.
 *
 * Allowed to behaviors: read variables, evaluate FEEL, take flows, wait, create tasks and jobs, subscribe,
 * enter or terminate scopes, join, throw errors and escalations. Not allowed: awaiting anything.
 */
import { EngineError, IncidentError } from '../errors.js';
import { evaluateCondition, evaluateExpression } from '../expr/feel.js';
import type { ExecutableElement, ExecutableFlow, ExecutableProcess } from '../model/types.js';
import type { WorkingCalendar } from '../time/working-calendar.js';
import { behaviorFor } from './behaviors/index.js';
import { closeOwned, openBoundaries, openEventSubProcesses } from './events.js';
import type { InstanceWork } from './instance-work.js';
import { activateMultiInstance, completeInnerInstance, isInnerInstance } from './multi-instance.js';
import type { ExecutionRecord, HistoryEventType, JobRecord, TaskRecord } from './records.js';
import { canReach } from './reachability.js';
import { conditionalFlows, selectOutgoingFlows } from './flow-selection.js';
import { routeInputs, type RouteRecord } from './route-record.js';

/** Steps one command may take before the runner assumes a loop without wait states. */
const MAX_STEPS = 10_000;

interface AgendaItem {
  readonly token: ExecutionRecord;
  readonly step: () => void;
}

export class Runner {
  private readonly agenda: AgendaItem[] = [];
  private steps = 0;

  constructor(
    readonly process: ExecutableProcess,
    readonly work: InstanceWork,
    readonly now: number,
    readonly actor: string | null,
    readonly newId: () => string,
    readonly calendar: WorkingCalendar,
    /** True when a task router resolves role-based assignments (tasks then start in state `routing`). */
    readonly routing = false,
  ) {}

  // entry points //////

  /** Places a new token on a start event (process level when parentId is null) and activates it. */
  startAt(elementId: string, parentId: string | null): ExecutionRecord {
    const token = this.newToken(parentId, elementId);
    this.arrive(token, elementId, null);
    return token;
  }

  /** Opens what the process scope listens to (event sub-processes) when the instance starts. */
  openProcessScope(): void {
    openEventSubProcesses(this, this.work.instance.id, this.process.eventSubProcessIds);
  }

  /** Puts a waiting or parked token back into motion, running `step` on it. */
  resume(token: ExecutionRecord, step: () => void): void {
    token.state = 'active';
    this.agenda.push({ token, step });
  }

  /** Re-activates the element a token is at (incident retry). */
  reactivate(token: ExecutionRecord): void {
    this.resume(token, () => this.activate(token));
  }

  /** Runs the agenda until every token has settled, then fires the inclusive joins that can no longer wait. */
  run(): void {
    do {
      while (this.agenda.length > 0) {
        const item = this.agenda.shift()!;
        if (this.work.executions.get(item.token.id) !== item.token || item.token.state !== 'active') continue;
        if (++this.steps > MAX_STEPS) {
          this.park(
            item.token,
            new IncidentError(
              'STEP_LIMIT',
              `Expected the instance to reach a wait state within ${MAX_STEPS} steps, but it kept moving at ${item.token.elementId}; check the model for a loop without a task`,
            ),
          );
          continue;
        }
        const elementId = item.token.elementId;
        try {
          item.step();
        } catch (err) {
          if (err instanceof IncidentError) this.park(item.token, err);
          else throw err;
        }
        this.afterStep(item.token, elementId);
      }
    } while (this.fireInclusiveJoins());
  }

  // for behaviors //////

  element(id: string): ExecutableElement {
    const element = this.process.elements[id];
    if (!element)
      throw new EngineError(
        'NOT_FOUND',
        `Expected element ${id} in process ${this.process.key}, but it is not there`,
      );
    return element;
  }

  flow(id: string): ExecutableFlow {
    const flow = this.process.flows[id];
    if (!flow)
      throw new EngineError(
        'NOT_FOUND',
        `Expected sequence flow ${id} in process ${this.process.key}, but it is not there`,
      );
    return flow;
  }

  /** The id that owns what a scope listens to: the scope token, or the instance id for the process scope. */
  scopeOwnerId(parentId: string | null): string {
    return parentId ?? this.work.instance.id;
  }

  /** The variables a FEEL expression at `token` sees: the instance's, then each enclosing scope's local ones. */
  context(token: ExecutionRecord | null): Record<string, unknown> {
    const chain: ExecutionRecord[] = [];
    for (
      let t: ExecutionRecord | undefined = token ?? undefined;
      t;
      t = t.parentId ? this.work.executions.get(t.parentId) : undefined
    ) {
      chain.unshift(t);
    }
    const context: Record<string, unknown> = { ...this.work.variables };
    for (const t of chain) if (t.variables) Object.assign(context, t.variables);
    return context;
  }

  /** Evaluates a FEEL expression at a token; a failure parks the token with an incident. */
  evaluate(source: string, what: string, token: ExecutionRecord | null = null): unknown {
    const outcome = evaluateExpression(source, this.context(token));
    if (!outcome.ok) {
      throw new IncidentError(
        'EXPRESSION_FAILED',
        `${what}: ${outcome.reason} (instance ${this.work.instance.id})`,
      );
    }
    return outcome.value;
  }

  /** Flows out of an element whose condition holds (unconditional ones always do), or the default (flow-selection.ts). */
  selectFlows(element: ExecutableElement, token: ExecutionRecord, options: { firstOnly: boolean }): string[] {
    return selectOutgoingFlows(
      element,
      (id) => this.flow(id),
      (flow) => this.holds(flow, element, token),
      {
        firstOnly: options.firstOnly,
        where: `instance ${this.work.instance.id}`,
      },
    );
  }

  /**
   * The token leaves along the flows its element's conditions select (the first that holds at an exclusive
   * gateway), and the choice is recorded with the variable values the conditions read, so that a replay can
   * check it (route-record.ts).
   */
  route(token: ExecutionRecord, options: { firstOnly: boolean }): void {
    const element = this.element(token.elementId);
    const conditions = conditionalFlows(element, (id) => this.flow(id)).map((f) => f.condition!.source);
    const inputs = conditions.length > 0 ? routeInputs(conditions, this.context(token)) : {};
    const flows = this.selectFlows(element, token, options);
    this.leave(token, flows, { flows, ...inputs });
  }

  /**
   * An activity or event completes: conditional flows are evaluated, unconditional ones taken (BPMN implicit
   * split). An instance of a multi-instance activity reports to its body instead.
   */
  takeOutgoing(token: ExecutionRecord): void {
    if (isInnerInstance(this, token)) {
      completeInnerInstance(this, token);
      return;
    }
    const returnTo = token.variables?.$returnTo;
    if (typeof returnTo === 'string' && this.process.elements[returnTo]) {
      // 退回 with resubmit strategy "direct": after the fix, straight back to the step that returned it
      const element = this.element(token.elementId);
      closeOwned(this, token.id);
      token.variables = null;
      this.event('ELEMENT_COMPLETED', element, token, { resubmitTo: returnTo });
      this.arrive(token, returnTo, null);
      return;
    }
    this.route(token, { firstOnly: false });
  }

  /**
   * The token's element completes and the token moves on along `flowIds` (one token each); none ends it. The
   * completion row records the flows taken (`route`, with the decision's inputs when `route` gives them).
   */
  leave(token: ExecutionRecord, flowIds: readonly string[], route?: RouteRecord): void {
    const element = this.element(token.elementId);
    closeOwned(this, token.id);
    token.variables = null;
    this.event(
      'ELEMENT_COMPLETED',
      element,
      token,
      flowIds.length > 0 ? { route: route ?? { flows: [...flowIds] } } : null,
    );
    if (flowIds.length === 0) {
      this.work.executions.delete(token.id);
      this.completeScopeIfEmpty(token.parentId);
      return;
    }
    flowIds.forEach((flowId, i) => {
      const flow = this.flow(flowId);
      const moving = i === 0 ? token : this.newToken(token.parentId, element.id);
      this.event('FLOW_TAKEN', element, moving, { flowId });
      this.arrive(moving, flow.targetId, flowId);
    });
  }

  /** Places a new token at an element of the scope `parentId` and activates it (boundary and event starts). */
  spawnAt(parentId: string | null, elementId: string): ExecutionRecord {
    const token = this.newToken(parentId, elementId);
    this.arrive(token, elementId, null);
    return token;
  }

  /**
   * A token waiting at an event-based gateway goes through it to the event that fired: the gateway completes,
   * the flow is taken, and the event is activated and completed at once.
   */
  passTriggered(token: ExecutionRecord, targetId: string): void {
    const gateway = this.element(token.elementId);
    const flowId = gateway.outgoing.find((f) => this.flow(f).targetId === targetId);
    if (!flowId)
      throw new EngineError(
        'NOT_FOUND',
        `Expected a flow from ${gateway.id} to ${targetId}, but there is none`,
      );
    closeOwned(this, token.id);
    const route: RouteRecord = { flows: [flowId], trigger: targetId };
    this.event('ELEMENT_COMPLETED', gateway, token, { route });
    this.event('FLOW_TAKEN', gateway, token, { flowId });
    token.elementId = targetId;
    token.arrivedVia = flowId;
    this.event('ELEMENT_ACTIVATED', this.element(targetId), token);
    this.resume(token, () => this.takeOutgoing(token));
  }

  /** The token stops at a wait state until a command resumes it. */
  wait(token: ExecutionRecord): void {
    token.state = 'waiting';
  }

  /** A sub-process starts: its token becomes a scope, its event sub-processes listen, a child token starts. */
  enterScope(token: ExecutionRecord, startEventId: string): void {
    token.state = 'scope';
    openEventSubProcesses(this, token.id, this.element(token.elementId).eventSubProcessIds ?? []);
    this.startAt(startEventId, token.id);
  }

  /** Terminate end event: every other token of the scope ends, then the scope completes. */
  terminateScope(token: ExecutionRecord): void {
    for (const sibling of this.work.childrenOf(token.parentId)) {
      if (sibling.id !== token.id) this.removeToken(sibling, 'terminated');
    }
    this.leave(token, []);
  }

  /**
   * Parallel join: the token waits at the gateway; when a token has arrived by every incoming flow, one
   * token per flow is consumed and the surviving token is returned to go on.
   */
  joinParallel(token: ExecutionRecord): ExecutionRecord | undefined {
    token.state = 'joining';
    const element = this.element(token.elementId);
    const arrived = this.joiningAt(token.parentId, element.id);
    const picked: ExecutionRecord[] = [];
    for (const flowId of element.incoming) {
      const match = arrived.find((t) => t.arrivedVia === flowId);
      if (!match) return undefined;
      picked.push(match);
    }
    return this.mergeJoined(picked);
  }

  /** Inclusive join: the token waits; `run` fires the join once no other token of the scope can still arrive. */
  joinInclusive(token: ExecutionRecord): void {
    token.state = 'joining';
  }

  createTask(task: TaskRecord): void {
    this.work.addTask(task);
    this.event(
      'TASK_CREATED',
      this.element(task.elementId),
      this.work.executions.get(task.executionId) ?? null,
      null,
      task.id,
    );
  }

  /** A new pending job of this instance, owned by `ownerId` (a token, or the instance id for the process scope). */
  createJob(
    ownerId: string,
    elementId: string,
    fields: Pick<JobRecord, 'kind'> &
      Partial<Pick<JobRecord, 'taskType' | 'retriesLeft' | 'payload' | 'dueAt'>>,
  ): JobRecord {
    const job: JobRecord = {
      id: this.newId(),
      instanceId: this.work.instance.id,
      executionId: ownerId,
      definitionId: null,
      elementId,
      kind: fields.kind,
      taskType: fields.taskType ?? null,
      state: 'pending',
      attempt: 1,
      retriesLeft: fields.retriesLeft ?? 2,
      publishSeq: 0,
      fireCount: 0,
      payload: fields.payload ?? null,
      lastError: null,
      dueAt: fields.dueAt ?? this.now,
      publishedAt: null,
      createdAt: this.now,
      updatedAt: this.now,
    };
    this.work.addJob(job);
    return job;
  }

  /** Ends a token and everything inside it: tasks canceled, jobs dropped, subscriptions closed, children told. */
  removeToken(token: ExecutionRecord, reason: 'terminated' | 'canceled' | 'interrupted'): void {
    for (const child of this.work.childrenOf(token.id)) this.removeToken(child, reason);
    for (const task of this.work.tasks.values()) {
      if (
        task.executionId === token.id &&
        (task.state === 'created' || task.state === 'suspended' || task.state === 'routing')
      ) {
        task.state = 'canceled';
        task.endedAt = this.now;
        this.work.touch(task.id);
        this.event('TASK_CANCELED', this.element(task.elementId), token, { reason }, task.id);
      }
    }
    const childInstanceId = token.variables?.$childInstanceId;
    const callPending = [...this.work.jobs.values()].some(
      (j) => j.executionId === token.id && j.kind === 'call' && j.state === 'pending',
    );
    closeOwned(this, token.id);
    if (typeof childInstanceId === 'string' && !callPending) {
      // the child runs in its own instance: tell it, durably, to stop
      const job = this.createJob(token.id, token.elementId, {
        kind: 'cancel-child',
        retriesLeft: 9,
        payload: { reason },
      });
      job.instanceId = childInstanceId;
      job.executionId = null;
    }
    for (const incident of this.work.incidents.values()) {
      if (incident.executionId === token.id && incident.state === 'open')
        this.resolveIncident(incident.id, reason);
    }
    this.work.executions.delete(token.id);
    this.event('ELEMENT_TERMINATED', this.element(token.elementId), token, { reason });
  }

  resolveIncident(incidentId: string, how: string): void {
    const incident = this.work.incidents.get(incidentId);
    if (!incident || incident.state !== 'open') return;
    incident.state = 'resolved';
    incident.resolvedAt = this.now;
    incident.resolvedBy = this.actor;
    this.work.touch(incident.id);
    this.event(
      'INCIDENT_RESOLVED',
      this.element(incident.elementId),
      this.work.executions.get(incident.executionId) ?? null,
      {
        incidentId,
        how,
      },
    );
  }

  /** Parks a token on an incident (also used by the executor for failed jobs). */
  park(token: ExecutionRecord, error: EngineError, jobId: string | null = null): void {
    token.state = 'incident';
    const element = this.element(token.elementId);
    const incidentId = this.newId();
    this.work.addIncident({
      id: incidentId,
      instanceId: this.work.instance.id,
      executionId: token.id,
      elementId: element.id,
      jobId,
      code: error.code,
      message: error.message,
      state: 'open',
      createdAt: this.now,
      resolvedAt: null,
      resolvedBy: null,
    });
    this.event('INCIDENT_RAISED', element, token, { incidentId, code: error.code, message: error.message });
  }

  /** Appends a history row for this command. */
  event(
    type: HistoryEventType,
    element: ExecutableElement | null,
    token: ExecutionRecord | null,
    data: Record<string, unknown> | null = null,
    taskId: string | null = null,
  ): void {
    this.work.record({
      type,
      elementId: element?.id ?? null,
      elementType: element?.bpmnType ?? null,
      executionId: token?.id ?? null,
      taskId,
      actor: this.actor,
      at: this.now,
      data,
    });
  }

  /** Ends the instance (its last token is gone, or an error ended it for its caller). */
  endInstance(status: 'completed' | 'canceled' | 'rejected', reason: string | null = null): void {
    if (this.work.instance.status !== 'running') return;
    closeOwned(this, this.work.instance.id);
    this.work.instance.status = status;
    this.work.instance.endedAt = this.now;
    this.work.instance.endReason = reason;
    const type =
      status === 'completed'
        ? 'INSTANCE_COMPLETED'
        : status === 'rejected'
          ? 'INSTANCE_REJECTED'
          : 'INSTANCE_CANCELED';
    this.event(type, null, null, reason ? { reason } : null);
  }

  // helpers //////

  /** Activates the element a token is at: a multi-instance body first, its instances with the element's behavior. */
  private activate(token: ExecutionRecord): void {
    const element = this.element(token.elementId);
    if (element.multiInstance && !isInnerInstance(this, token)) activateMultiInstance(this, token);
    else behaviorFor(element).activate(this, token);
  }

  /** Boundary events listen while their activity waits (or is a scope, or is parked). */
  private afterStep(token: ExecutionRecord, elementId: string): void {
    if (this.work.executions.get(token.id) !== token || token.elementId !== elementId) return;
    if (token.state !== 'waiting' && token.state !== 'scope' && token.state !== 'incident') return;
    if (isInnerInstance(this, token)) return;
    openBoundaries(this, token);
  }

  private holds(flow: ExecutableFlow, from: ExecutableElement, token: ExecutionRecord): boolean {
    const outcome = evaluateCondition(flow.condition!.source, this.context(token));
    if (!outcome.ok) {
      throw new IncidentError(
        'CONDITION_FAILED',
        `Expected the condition of sequence flow ${flow.id} (out of ${from.bpmnType} ${from.id}) to be true or false, but: ${outcome.reason} (instance ${this.work.instance.id})`,
      );
    }
    return outcome.value;
  }

  newToken(parentId: string | null, elementId: string): ExecutionRecord {
    const token: ExecutionRecord = {
      id: this.newId(),
      instanceId: this.work.instance.id,
      parentId,
      elementId,
      state: 'active',
      arrivedVia: null,
      variables: null,
      createdAt: this.now,
    };
    this.work.executions.set(token.id, token);
    return token;
  }

  /** Records the arrival of a token at an element and queues its activation. */
  arrive(token: ExecutionRecord, elementId: string, viaFlowId: string | null): void {
    const element = this.element(elementId);
    token.elementId = elementId;
    token.arrivedVia = viaFlowId;
    token.state = 'active';
    this.event('ELEMENT_ACTIVATED', element, token);
    this.agenda.push({ token, step: () => this.activate(token) });
  }

  private joiningAt(parentId: string | null, elementId: string): ExecutionRecord[] {
    return this.work
      .childrenOf(parentId)
      .filter((t) => t.elementId === elementId && t.state === 'joining')
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** Keeps the first joined token (made active again) and drops the others without further history. */
  private mergeJoined(joined: ExecutionRecord[]): ExecutionRecord {
    const [survivor, ...consumed] = joined;
    for (const token of consumed) this.work.executions.delete(token.id);
    survivor!.state = 'active';
    return survivor!;
  }

  /** When the last token of a scope ends: the process completes, or the scope's token goes on. */
  completeScopeIfEmpty(parentId: string | null): void {
    if (this.work.childrenOf(parentId).length > 0) return;
    if (parentId === null) {
      if (this.work.instance.status === 'running') {
        this.endInstance('completed');
        if (this.work.instance.parentInstanceId)
          this.notifyParent({ outcome: 'completed', variables: { ...this.work.variables } });
      }
      return;
    }
    const scope = this.work.executions.get(parentId);
    if (scope && scope.state === 'scope') this.resume(scope, () => this.takeOutgoing(scope));
  }

  /** Tells the calling instance (call activity) what became of this one, through a job on the caller. */
  notifyParent(payload: Record<string, unknown>): void {
    const instance = this.work.instance;
    const job = this.createJob(instance.id, `child:${this.process.key}`, {
      kind: 'child-event',
      retriesLeft: 9,
      payload: { ...payload, childInstanceId: instance.id },
    });
    job.instanceId = instance.parentInstanceId;
    job.executionId = instance.parentExecutionId;
  }

  /**
   * BPMN inclusive join: fires when no other token of the same scope can still reach it. Returns true when
   * a join fired (the agenda then has work again).
   */
  private fireInclusiveJoins(): boolean {
    const groups = new Map<string, ExecutionRecord[]>();
    for (const token of this.work.executions.values()) {
      if (token.state !== 'joining' || this.element(token.elementId).kind !== 'inclusiveGateway') continue;
      const key = `${token.parentId ?? ''}\u0000${token.elementId}`;
      groups.set(key, [...(groups.get(key) ?? []), token]);
    }
    let fired = false;
    for (const waiting of groups.values()) {
      const gateway = this.element(waiting[0]!.elementId);
      const blocked = this.work
        .childrenOf(waiting[0]!.parentId)
        .some(
          (other) =>
            !(other.elementId === gateway.id && other.state === 'joining') &&
            canReach(this.process, other.elementId, gateway.id),
        );
      if (blocked) continue;
      const survivor = this.mergeJoined(this.joiningAt(waiting[0]!.parentId, gateway.id));
      this.agenda.push({ token: survivor, step: () => behaviorFor(gateway).afterJoin!(this, survivor) });
      fired = true;
    }
    return fired;
  }
}
