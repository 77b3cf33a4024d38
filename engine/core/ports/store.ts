/**
 * The store port: everything the engine reads and writes. One adapter (`KnexProcessStore`) implements it
 * on MySQL/MariaDB and on SQLite, and both pass the same contract suite.
 *
 * Contract:
 * - `commit` writes a ChangeSet in ONE transaction. For an existing instance it first moves the version
 *   (`WHERE id=? AND version=?`); if no row matched it throws ConcurrencyError and writes nothing.
 * - Deadlocks, lock-wait timeouts and lost connections surface as TransientStoreError after rollback;
 *   the executor re-runs the whole command.
 * - Reads outside a command see committed data only (READ COMMITTED).
 */
import type { DefinitionStatistics, DiagramState } from '../api-types.js';
import type {
  CarbonCopyRecord,
  ChangeSet,
  DefinitionRecord,
  IncidentRecord,
  InstanceRecord,
  InstanceSnapshot,
  JobRecord,
  MessageRecord,
  StoredHistoryRecord,
  SubscriptionRecord,
  TaskRecord,
  TaskState,
} from '../runtime/records.js';

export interface TaskQuery {
  /** Tasks assigned to this user, or (with `includeCandidates`) where the user or one of `candidateRoles` is a candidate. */
  readonly assignee?: string;
  readonly candidateUser?: string;
  readonly candidateRoles?: readonly string[];
  readonly instanceId?: string;
  readonly processKey?: string;
  readonly elementId?: string;
  /** One state; without `state` and `states` only open (`created`) tasks are listed. */
  readonly state?: TaskState;
  /** Any of these states (e.g. `['completed', 'canceled']` for task history); ignored when `state` is given. */
  readonly states?: readonly TaskState[];
  /** Tasks completed by this user (已办). */
  readonly completedBy?: string;
  /** One task (with `visibleTo`: the scope-checked read of a single task). */
  readonly taskId?: string;
  /** The business key (单号) of the task's instance. */
  readonly businessKey?: string;
  /** Only tasks of instances whose org path starts with this prefix (an org subtree). */
  readonly orgPathPrefix?: string;
  /** Time bounds are inclusive (epoch ms). */
  readonly dueBefore?: number;
  readonly dueAfter?: number;
  readonly createdAfter?: number;
  readonly createdBefore?: number;
  /**
   * Authorization: only tasks this user may see: assigned to them, delegated by them (owner), completed by them, or
   * unassigned with them as a candidate user. Undefined = no restriction (admins, the engine itself).
   */
  readonly visibleTo?: { readonly userId: string };
  /** Default `createdAt` ascending; ties are broken by id, so paging is stable. */
  readonly sortBy?: 'createdAt' | 'dueAt' | 'priority' | 'endedAt';
  readonly sortOrder?: 'asc' | 'desc';
  readonly firstResult?: number;
  readonly maxResults?: number;
}

export interface InstanceQuery {
  /** One instance (with `visibleTo`: the scope-checked read of a single instance). */
  readonly instanceId?: string;
  readonly processKey?: string;
  readonly businessKey?: string;
  readonly status?: InstanceRecord['status'];
  readonly initiator?: string;
  /** Time bounds are inclusive (epoch ms). */
  readonly startedAfter?: number;
  readonly startedBefore?: number;
  /** Only instances whose org path starts with this prefix (an org subtree). */
  readonly orgPathPrefix?: string;
  /** Every listed variable must equal the value (instance-scope variables, compared as stored JSON). */
  readonly variableEquals?: readonly {
    readonly name: string;
    readonly value: string | number | boolean | null;
  }[];
  /** Top-level instances only (null), or the children of one instance. */
  readonly parentInstanceId?: string | null;
  /**
   * Authorization: only instances in one of these org subtrees, or that the user is involved in (started it,
   * holds or held one of its tasks, or was copied). Undefined = no restriction.
   */
  readonly visibleTo?: { readonly orgPathPrefixes: readonly string[]; readonly userId: string };
  /** Default `startedAt` descending (newest first); ties are broken by id, so paging is stable. */
  readonly sortBy?: 'startedAt' | 'endedAt' | 'businessKey';
  readonly sortOrder?: 'asc' | 'desc';
  readonly firstResult?: number;
  readonly maxResults?: number;
}

export interface ProcessStore {
  // definitions
  insertDefinition(definition: DefinitionRecord): Promise<void>;
  getDefinition(id: string): Promise<DefinitionRecord | undefined>;
  /** The latest (or the given) version of a key, without its XML (`xml` is empty; getDefinition has it). */
  findDefinition(processKey: string, version?: number): Promise<DefinitionRecord | undefined>;
  listDefinitions(processKey?: string): Promise<Omit<DefinitionRecord, 'xml'>[]>;
  /** Inserts a definition with its start subscriptions and start timers, replacing those of older versions of the key. */
  deployDefinition(
    definition: DefinitionRecord,
    starts: { subscriptions: SubscriptionRecord[]; jobs: JobRecord[] },
  ): Promise<void>;

  // one instance
  loadInstance(instanceId: string): Promise<InstanceSnapshot | undefined>;
  /** loadInstance for the instance a task belongs to (a command on a task reads no more than this). */
  loadTaskInstance(taskId: string): Promise<InstanceSnapshot | undefined>;
  commit(changes: ChangeSet): Promise<void>;

  // reads
  getInstance(instanceId: string): Promise<InstanceRecord | undefined>;
  listInstances(query: InstanceQuery): Promise<InstanceRecord[]>;
  /** How many instances match (the same filters as listInstances, no paging). */
  countInstances(query: InstanceQuery): Promise<number>;
  getTask(taskId: string): Promise<TaskRecord | undefined>;
  /** The instance a task belongs to (one cheap lookup before a command). */
  findTaskInstanceId(taskId: string): Promise<string | undefined>;
  listTasks(query: TaskQuery): Promise<TaskRecord[]>;
  /** How many tasks match (the same filters as listTasks, no paging). */
  countTasks(query: TaskQuery): Promise<number>;
  getJob(jobId: string): Promise<JobRecord | undefined>;
  listCarbonCopies(query: {
    userId?: string;
    instanceId?: string;
    unreadOnly?: boolean;
  }): Promise<CarbonCopyRecord[]>;
  /** Marks a copy read by its recipient; false when it is not theirs or already read. */
  markCarbonCopyRead(id: string, userId: string, at: number): Promise<boolean>;
  listJobs(query: {
    instanceId?: string;
    definitionId?: string;
    state?: JobRecord['state'];
    kind?: JobRecord['kind'];
  }): Promise<JobRecord[]>;
  /** Ends a job that is still pending at `attempt` (its owner is gone); does nothing otherwise. */
  settleJob(jobId: string, attempt: number, state: JobRecord['state'], at: number): Promise<void>;
  /** Pending timer and start-timer jobs due at `now`, oldest due first. */
  findDueTimers(now: number, limit: number): Promise<JobRecord[]>;

  // messages and signals
  findSubscriptions(query: {
    kind: SubscriptionRecord['kind'];
    name: string;
    correlationKey?: string | null;
    level: 'instance' | 'definition';
    limit?: number;
  }): Promise<SubscriptionRecord[]>;
  getMessage(messageId: string): Promise<MessageRecord | undefined>;
  insertMessage(message: MessageRecord): Promise<void>;
  listMessages(query: {
    state?: MessageRecord['state'];
    name?: string;
    limit?: number;
  }): Promise<MessageRecord[]>;
  findBufferedMessages(
    now: number,
    filter?: { name?: string; correlationKey?: string | null },
    limit?: number,
  ): Promise<MessageRecord[]>;
  expireMessages(now: number): Promise<MessageRecord[]>;
  getIncident(incidentId: string): Promise<IncidentRecord | undefined>;
  listIncidents(query: { instanceId?: string; state?: IncidentRecord['state'] }): Promise<IncidentRecord[]>;
  loadVariables(instanceId: string): Promise<Record<string, unknown>>;
  listHistory(instanceId: string): Promise<StoredHistoryRecord[]>;
  completedElementIds(instanceId: string): Promise<string[]>;
  /** Instances by status, and per element of the definition's instances: tokens, open tasks, open incidents, completions. */
  definitionStatistics(definitionId: string): Promise<Omit<DefinitionStatistics, 'definitionId'>>;
  /** What the diagram of one instance shows: counts per element (and per flow) from tokens, incidents and history. */
  diagramState(instanceId: string): Promise<DiagramState>;

  // outbox
  /** Pending jobs never published whose last change is older than `olderThan`. */
  findUnpublishedJobs(olderThan: number, limit: number): Promise<JobRecord[]>;
  /** Pending jobs published before `publishedBefore` and due before `dueBefore`: their wake-up may be lost. */
  findStalePublishedJobs(publishedBefore: number, dueBefore: number, limit: number): Promise<JobRecord[]>;
  /** Records that the given job attempts were handed to the queue (only if the row is still at that attempt/seq). */
  markJobsPublished(
    jobs: readonly Pick<JobRecord, 'id' | 'attempt' | 'publishSeq'>[],
    at: number,
  ): Promise<void>;
  /** Moves a pending job's publishSeq by one so it can be published under a fresh queue id. */
  bumpPublishSeq(jobId: string, attempt: number): Promise<number | undefined>;

  close(): Promise<void>;
}
