/**
 * The working copy of one instance while a command runs: loaded from a snapshot, changed in memory by
 * the runner and behaviors, then turned into one ChangeSet. Nothing here does I/O.
 */
import type {
  CarbonCopyRecord,
  ChangeSet,
  ExecutionRecord,
  HistoryRecord,
  IncidentRecord,
  InstanceRecord,
  InstanceSnapshot,
  JobRecord,
  MessageRecord,
  SubscriptionRecord,
  TaskRecord,
} from './records.js';

export class InstanceWork {
  readonly instance: InstanceRecord;
  readonly expectedVersion: number | null;
  readonly executions = new Map<string, ExecutionRecord>();
  readonly variables: Record<string, unknown>;
  readonly tasks = new Map<string, TaskRecord>();
  readonly jobs = new Map<string, JobRecord>();
  readonly incidents = new Map<string, IncidentRecord>();
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  readonly history: HistoryRecord[] = [];
  readonly messagesInserted: MessageRecord[] = [];
  readonly messagesConsumed: { id: string; at: number }[] = [];
  readonly guardedJobUpdates: { job: JobRecord; expectedAttempt: number }[] = [];
  readonly carbonCopiesInserted: CarbonCopyRecord[] = [];
  readonly taskCandidatesReplaced = new Set<string>();
  private readonly subscriptionsDeleted = new Set<string>();

  private readonly originalExecutions = new Map<string, string>();
  /** Ids of the loaded tasks that were open (state `created`). */
  private readonly originallyOpenTasks = new Set<string>();
  private readonly variablesSet: Record<string, unknown> = Object.create(null);
  private readonly newIds = new Set<string>();
  private readonly dirtyIds = new Set<string>();

  private constructor(
    instance: InstanceRecord,
    expectedVersion: number | null,
    variables: Record<string, unknown>,
  ) {
    this.instance = { ...instance };
    this.expectedVersion = expectedVersion;
    this.variables = Object.assign(Object.create(null), variables);
  }

  /** A working copy of an existing instance. */
  static fromSnapshot(snapshot: InstanceSnapshot): InstanceWork {
    const work = new InstanceWork(snapshot.instance, snapshot.instance.version, snapshot.variables);
    for (const e of snapshot.executions) {
      work.executions.set(e.id, { ...e });
      work.originalExecutions.set(e.id, JSON.stringify(e));
    }
    for (const t of snapshot.openTasks) {
      work.tasks.set(t.id, { ...t });
      if (t.state === 'created') work.originallyOpenTasks.add(t.id);
    }
    for (const j of snapshot.pendingJobs) work.jobs.set(j.id, { ...j });
    for (const i of snapshot.openIncidents) work.incidents.set(i.id, { ...i });
    for (const sub of snapshot.openSubscriptions) work.subscriptions.set(sub.id, { ...sub });
    return work;
  }

  /** A working copy for an instance that is being created by this command. */
  static forNewInstance(instance: InstanceRecord): InstanceWork {
    return new InstanceWork(instance, null, {});
  }

  setVariable(name: string, value: unknown): void {
    this.variables[name] = value;
    this.variablesSet[name] = value;
  }

  addTask(task: TaskRecord): void {
    this.tasks.set(task.id, task);
    this.newIds.add(task.id);
  }

  addJob(job: JobRecord): void {
    this.jobs.set(job.id, job);
    this.newIds.add(job.id);
  }

  addIncident(incident: IncidentRecord): void {
    this.incidents.set(incident.id, incident);
    this.newIds.add(incident.id);
  }

  addSubscription(subscription: SubscriptionRecord): void {
    this.subscriptions.set(subscription.id, subscription);
    this.newIds.add(subscription.id);
  }

  removeSubscription(id: string): void {
    this.subscriptions.delete(id);
    if (this.newIds.has(id)) this.newIds.delete(id);
    else this.subscriptionsDeleted.add(id);
  }

  /** Marks a task, job or incident (already in its map) as changed. */
  touch(id: string): void {
    this.dirtyIds.add(id);
  }

  record(event: HistoryRecord): void {
    this.history.push(event);
  }

  /** Children of a scope execution (null = process level). */
  childrenOf(parentId: string | null): ExecutionRecord[] {
    return [...this.executions.values()].filter((e) => e.parentId === parentId);
  }

  /** Builds the ChangeSet; the instance moves to the next version. */
  toChangeSet(now: number): ChangeSet {
    const unsettled = [...this.executions.values()].find((e) => e.state === 'active');
    if (unsettled) {
      throw new Error(
        `Expected every token to be settled before commit, but ${unsettled.elementId} is still active`,
      );
    }
    const executionsInserted = [...this.executions.values()].filter(
      (e) => !this.originalExecutions.has(e.id),
    );
    const executionsUpdated = [...this.executions.values()].filter(
      (e) => this.originalExecutions.has(e.id) && this.originalExecutions.get(e.id) !== JSON.stringify(e),
    );
    const executionsDeleted = [...this.originalExecutions.keys()].filter((id) => !this.executions.has(id));
    const split = <T extends { id: string }>(map: Map<string, T>) => ({
      inserted: [...map.values()].filter((r) => this.newIds.has(r.id)),
      updated: [...map.values()].filter((r) => !this.newIds.has(r.id) && this.dirtyIds.has(r.id)),
    });
    const tasks = split(this.tasks);
    const jobs = split(this.jobs);
    const incidents = split(this.incidents);
    let openTaskDelta = 0;
    for (const task of this.tasks.values())
      openTaskDelta += Number(task.state === 'created') - Number(this.originallyOpenTasks.has(task.id));
    return {
      instance: { ...this.instance, version: (this.expectedVersion ?? 0) + 1, updatedAt: now },
      expectedVersion: this.expectedVersion,
      executionsInserted,
      executionsUpdated,
      executionsDeleted,
      variablesSet: { ...this.variablesSet },
      tasksInserted: tasks.inserted,
      tasksUpdated: tasks.updated,
      taskCandidatesReplaced: [...this.taskCandidatesReplaced],
      jobsInserted: jobs.inserted,
      jobsUpdated: jobs.updated,
      incidentsInserted: incidents.inserted,
      incidentsUpdated: incidents.updated,
      subscriptionsInserted: [...this.subscriptions.values()].filter((r) => this.newIds.has(r.id)),
      subscriptionsDeleted: [...this.subscriptionsDeleted],
      messagesInserted: this.messagesInserted,
      messagesConsumed: this.messagesConsumed,
      guardedJobUpdates: this.guardedJobUpdates,
      carbonCopiesInserted: this.carbonCopiesInserted,
      history: this.history,
      openTaskDelta,
    };
  }
}
