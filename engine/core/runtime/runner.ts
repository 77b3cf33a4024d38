/**
 * The token runner: moves the tokens of one instance through the executable model, in memory, until each
 * one waits (task, job), joins, parks on an incident or ends. Behaviors call back into it; it records
 * every change into the InstanceWork. It is synchronous and does no I/O; the executor commits the result.
 *
 * Allowed to behaviors: read variables, evaluate FEEL, take flows, wait, create tasks and jobs, enter or
 * terminate scopes, join. Not allowed: awaiting anything, touching the store or the queue.
 */
import { EngineError, IncidentError } from '../errors.js';
import { evaluateCondition, evaluateExpression } from '../expr/feel.js';
import type { ExecutableElement, ExecutableFlow, ExecutableProcess } from '../model/types.js';
import { behaviorFor } from './behaviors/index.js';
import type { InstanceWork } from './instance-work.js';
import type { ExecutionRecord, HistoryEventType, TaskRecord } from './records.js';
import { canReach } from './reachability.js';

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
  ) {}

  // entry points //////

  /** Places a new token on a start event (process level when parentId is null) and activates it. */
  startAt(elementId: string, parentId: string | null): ExecutionRecord {
    const token = this.newToken(parentId, elementId);
    this.arrive(token, elementId, null);
    return token;
  }

  /** Puts a waiting or parked token back into motion, running `step` on it. */
  resume(token: ExecutionRecord, step: () => void): void {
    token.state = 'active';
    this.agenda.push({ token, step });
  }

  /** Re-activates the element a token is at (incident retry). */
  reactivate(token: ExecutionRecord): void {
    this.resume(token, () => behaviorFor(this.element(token.elementId)).activate(this, token));
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
        try {
          item.step();
        } catch (err) {
          if (err instanceof IncidentError) this.park(item.token, err);
          else throw err;
        }
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

  /** Evaluates a FEEL expression over the instance variables; a failure parks the token with an incident. */
  evaluate(source: string, what: string): unknown {
    const outcome = evaluateExpression(source, { ...this.work.variables });
    if (!outcome.ok) {
      throw new IncidentError(
        'EXPRESSION_FAILED',
        `${what}: ${outcome.reason} (instance ${this.work.instance.id})`,
      );
    }
    return outcome.value;
  }

  /** Flows out of the token's element whose condition holds (unconditional ones always do), or the default. */
  selectFlows(token: ExecutableElement, options: { firstOnly: boolean }): string[] {
    const selected: string[] = [];
    for (const flowId of token.outgoing) {
      if (flowId === token.defaultFlowId) continue;
      const flow = this.flow(flowId);
      if (flow.condition && !this.holds(flow, token)) continue;
      selected.push(flowId);
      if (options.firstOnly) break;
    }
    if (selected.length === 0 && token.defaultFlowId) selected.push(token.defaultFlowId);
    if (selected.length === 0 && token.outgoing.length > 0) {
      throw new IncidentError(
        'NO_FLOW_MATCHED',
        `Expected at least one condition to hold, or a default flow, at ${token.bpmnType} ${token.id}, but none did (instance ${this.work.instance.id})`,
      );
    }
    return selected;
  }

  /** An activity completes: conditional flows are evaluated, unconditional ones taken (BPMN implicit split). */
  takeOutgoing(token: ExecutionRecord): void {
    this.leave(token, this.selectFlows(this.element(token.elementId), { firstOnly: false }));
  }

  /** The token's element completes and the token moves on along `flowIds` (one token each); none ends it. */
  leave(token: ExecutionRecord, flowIds: readonly string[]): void {
    const element = this.element(token.elementId);
    this.event('ELEMENT_COMPLETED', element, token);
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

  /** The token stops at a wait state until a command resumes it. */
  wait(token: ExecutionRecord): void {
    token.state = 'waiting';
  }

  /** A sub-process starts: its token becomes a scope and a child token starts at the inner start event. */
  enterScope(token: ExecutionRecord, startEventId: string): void {
    token.state = 'scope';
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

  /** Ends a token and everything inside it: its tasks are canceled, jobs dropped, incidents resolved. */
  removeToken(token: ExecutionRecord, reason: 'terminated' | 'canceled'): void {
    for (const child of this.work.childrenOf(token.id)) this.removeToken(child, reason);
    for (const task of this.work.tasks.values()) {
      if (task.executionId === token.id && task.state === 'created') {
        task.state = 'canceled';
        task.endedAt = this.now;
        this.work.touch(task.id);
        this.event('TASK_CANCELED', this.element(task.elementId), token, { reason }, task.id);
      }
    }
    for (const job of this.work.jobs.values()) {
      if (job.executionId === token.id && job.state === 'pending') {
        job.state = 'canceled';
        job.updatedAt = this.now;
        this.work.touch(job.id);
      }
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

  // helpers //////

  private holds(flow: ExecutableFlow, from: ExecutableElement): boolean {
    const outcome = evaluateCondition(flow.condition!.source, { ...this.work.variables });
    if (!outcome.ok) {
      throw new IncidentError(
        'CONDITION_FAILED',
        `Expected the condition of sequence flow ${flow.id} (out of ${from.bpmnType} ${from.id}) to be true or false, but: ${outcome.reason} (instance ${this.work.instance.id})`,
      );
    }
    return outcome.value;
  }

  private newToken(parentId: string | null, elementId: string): ExecutionRecord {
    const token: ExecutionRecord = {
      id: this.newId(),
      instanceId: this.work.instance.id,
      parentId,
      elementId,
      state: 'active',
      arrivedVia: null,
      createdAt: this.now,
    };
    this.work.executions.set(token.id, token);
    return token;
  }

  private arrive(token: ExecutionRecord, elementId: string, viaFlowId: string | null): void {
    const element = this.element(elementId);
    token.elementId = elementId;
    token.arrivedVia = viaFlowId;
    token.state = 'active';
    this.event('ELEMENT_ACTIVATED', element, token);
    this.agenda.push({ token, step: () => behaviorFor(element).activate(this, token) });
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

  private completeScopeIfEmpty(parentId: string | null): void {
    if (this.work.childrenOf(parentId).length > 0) return;
    if (parentId === null) {
      if (this.work.instance.status === 'running') {
        this.work.instance.status = 'completed';
        this.work.instance.endedAt = this.now;
        this.event('INSTANCE_COMPLETED', null, null);
      }
      return;
    }
    const scope = this.work.executions.get(parentId);
    if (scope && scope.state === 'scope') this.resume(scope, () => this.takeOutgoing(scope));
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
