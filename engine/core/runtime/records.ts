/**
 * The rows of one process instance as the runtime sees them (camelCase; only the knex adapter knows
 * column names). All times are epoch milliseconds, UTC.
 */

export type InstanceStatus = 'running' | 'completed' | 'canceled' | 'rejected';

export interface InstanceRecord {
  id: string;
  definitionId: string;
  processKey: string;
  businessKey: string | null;
  initiator: string | null;
  /** Set on instances started by a call activity: the caller and its waiting token. */
  parentInstanceId: string | null;
  parentExecutionId: string | null;
  /** The org unit the instance belongs to (its code and materialised path); null when started without one. */
  orgCode: string | null;
  orgPath: string | null;
  status: InstanceStatus;
  /** Optimistic lock: every commit moves it by one. */
  version: number;
  endReason: string | null;
  startedAt: number;
  endedAt: number | null;
  updatedAt: number;
}

/**
 * `active`: being moved by the runner (never committed); `waiting`: at a wait state (task, job);
 * `joining`: arrived at a converging gateway; `scope`: a sub-process holding child tokens;
 * `incident`: parked until an operator retries.
 */
export type ExecutionState = 'active' | 'waiting' | 'joining' | 'scope' | 'incident';

export interface ExecutionRecord {
  id: string;
  instanceId: string;
  /** The enclosing sub-process scope execution, or null at process level. */
  parentId: string | null;
  elementId: string;
  state: ExecutionState;
  /** The sequence flow the token came in by (used by joins). */
  arrivedVia: string | null;
  /** Variables local to this token or scope (multi-instance counters and element variable); null when none. */
  variables: Record<string, unknown> | null;
  createdAt: number;
}

/**
 * `routing`: its candidates are being resolved by the route job (not in any inbox yet); `suspended`: waits for
 * signers added before it (前加签) and cannot be acted on meanwhile.
 */
export type TaskState = 'routing' | 'created' | 'suspended' | 'completed' | 'canceled';

export interface TaskRecord {
  id: string;
  instanceId: string;
  executionId: string;
  processKey: string;
  elementId: string;
  name: string | null;
  state: TaskState;
  assignee: string | null;
  /** 委派: the user who delegated the task and gets it back when the delegate resolves it. */
  owner: string | null;
  delegationState: 'pending' | 'resolved' | null;
  /** 加签: the task this one was added to, how, and by whom. */
  signerOf: string | null;
  signerMode: 'before' | 'after' | 'parallel' | null;
  addedBy: string | null;
  candidateUsers: string[];
  candidateRoles: string[];
  orgScope: string | null;
  formKey: string | null;
  priority: number;
  dueAt: number | null;
  createdAt: number;
  endedAt: number | null;
  completedBy: string | null;
}

export type JobState = 'pending' | 'done' | 'failed' | 'canceled';

/**
 * `service`: run a service-task handler; `timer`: a timer of a waiting token or scope; `start-timer`: a timer
 * start event of a definition (no instance); `call`: start the child of a call activity; `child-event`: a child
 * instance completed, ended with an error, or escalated, and its caller reacts; `cancel-child`: the caller went away;
 * `message` / `signal`: publish what a throw event sent.
 */
export type JobKind =
  | 'service'
  | 'timer'
  | 'start-timer'
  | 'route'
  | 'task-deadline'
  | 'call'
  | 'child-event'
  | 'cancel-child'
  | 'message'
  | 'signal';

export interface JobRecord {
  id: string;
  /** Null only for `start-timer` jobs, which belong to a definition. */
  instanceId: string | null;
  /** The token (or scope; the instance id for the process scope) the job belongs to. */
  executionId: string | null;
  definitionId: string | null;
  elementId: string;
  kind: JobKind;
  taskType: string | null;
  state: JobState;
  /** 1 for the first try; each retry gets a new attempt number (and so a new queue job id). */
  attempt: number;
  retriesLeft: number;
  /** Bumped when the reconciler publishes the same attempt again (the queue may still hold the old id). */
  publishSeq: number;
  /** Timers: how often it fired (cycles). */
  fireCount: number;
  /** Kind-specific data (timer rule, call inputs, message to publish, child outcome). */
  payload: Record<string, unknown> | null;
  lastError: string | null;
  dueAt: number;
  publishedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** An open message or signal subscription: of a waiting token, or of a definition's start event. */
export interface SubscriptionRecord {
  id: string;
  kind: 'message' | 'signal';
  name: string;
  correlationKey: string | null;
  instanceId: string | null;
  executionId: string | null;
  definitionId: string | null;
  processKey: string | null;
  /** The catching element: intermediate catch event, receive task, boundary event or start event. */
  elementId: string;
  createdAt: number;
}

export type MessageState = 'correlated' | 'buffered' | 'expired' | 'unmatched';

export interface MessageRecord {
  id: string;
  messageId: string;
  name: string;
  correlationKey: string | null;
  variables: Record<string, unknown>;
  state: MessageState;
  instanceId: string | null;
  expiresAt: number | null;
  createdAt: number;
  correlatedAt: number | null;
}

/** 抄送: a copy of an instance sent to a user for information. */
export interface CarbonCopyRecord {
  id: string;
  instanceId: string;
  taskId: string | null;
  userId: string;
  sentBy: string | null;
  note: string | null;
  createdAt: number;
  readAt: number | null;
}

export type IncidentState = 'open' | 'resolved';

export interface IncidentRecord {
  id: string;
  instanceId: string;
  executionId: string;
  elementId: string;
  jobId: string | null;
  code: string;
  message: string;
  state: IncidentState;
  createdAt: number;
  resolvedAt: number | null;
  resolvedBy: string | null;
}

/** Past-tense history event types (append-only rows). */
export type HistoryEventType =
  | 'INSTANCE_STARTED'
  | 'INSTANCE_COMPLETED'
  | 'INSTANCE_CANCELED'
  | 'INSTANCE_REJECTED'
  | 'ELEMENT_ACTIVATED'
  | 'ELEMENT_COMPLETED'
  | 'ELEMENT_TERMINATED'
  | 'FLOW_TAKEN'
  | 'TASK_CREATED'
  | 'TASK_COMPLETED'
  | 'TASK_CANCELED'
  | 'TASK_CLAIMED'
  | 'TASK_ROUTED'
  | 'TASK_DUE_SOON'
  | 'TASK_OVERDUE'
  | 'TASK_UNCLAIMED'
  | 'TASK_TRANSFERRED'
  | 'TASK_DELEGATED'
  | 'TASK_RESOLVED'
  | 'TASK_RETURNED'
  | 'TASK_WITHDRAWN'
  | 'TASK_REJECTED'
  | 'SIGNERS_ADDED'
  | 'SIGNER_REMOVED'
  | 'CARBON_COPIED'
  | 'TASK_URGED'
  | 'TOKENS_MOVED'
  | 'INSTANCE_MIGRATED'
  | 'JOB_CREATED'
  | 'JOB_COMPLETED'
  | 'JOB_FAILED'
  | 'TIMER_FIRED'
  | 'MESSAGE_CORRELATED'
  | 'SIGNAL_RECEIVED'
  | 'ERROR_THROWN'
  | 'ESCALATION_THROWN'
  | 'CHILD_INSTANCE_CREATED'
  | 'VARIABLES_UPDATED'
  | 'INCIDENT_RAISED'
  | 'INCIDENT_RESOLVED';

export interface HistoryRecord {
  type: HistoryEventType;
  elementId: string | null;
  elementType: string | null;
  executionId: string | null;
  taskId: string | null;
  actor: string | null;
  at: number;
  data: Record<string, unknown> | null;
}

/** A history row as stored, with its position. */
export interface StoredHistoryRecord extends HistoryRecord {
  id: number;
  instanceId: string;
  seq: number;
  idx: number;
}

/** Everything a command needs to move an instance. */
export interface InstanceSnapshot {
  instance: InstanceRecord;
  executions: ExecutionRecord[];
  /** Process-level variables. */
  variables: Record<string, unknown>;
  openTasks: TaskRecord[];
  pendingJobs: JobRecord[];
  openIncidents: IncidentRecord[];
  openSubscriptions: SubscriptionRecord[];
}

/** What one command writes, in one transaction. */
export interface ChangeSet {
  instance: InstanceRecord;
  /** Version the snapshot was loaded at; the commit fails with ConcurrencyError if it moved. Null for a new instance. */
  expectedVersion: number | null;
  executionsInserted: ExecutionRecord[];
  executionsUpdated: ExecutionRecord[];
  executionsDeleted: string[];
  variablesSet: Record<string, unknown>;
  tasksInserted: TaskRecord[];
  tasksUpdated: TaskRecord[];
  /** Updated tasks whose candidate users/roles were replaced (routing). */
  taskCandidatesReplaced: string[];
  jobsInserted: JobRecord[];
  jobsUpdated: JobRecord[];
  incidentsInserted: IncidentRecord[];
  incidentsUpdated: IncidentRecord[];
  subscriptionsInserted: SubscriptionRecord[];
  subscriptionsDeleted: string[];
  messagesInserted: MessageRecord[];
  /** Buffered messages this command correlated (must still be buffered at commit). */
  messagesConsumed: { id: string; at: number }[];
  carbonCopiesInserted: CarbonCopyRecord[];
  /** Jobs of other owners (a definition's start timer) updated only if still pending at `expectedAttempt`. */
  guardedJobUpdates: { job: JobRecord; expectedAttempt: number }[];
  history: HistoryRecord[];
  /** Tasks of this instance that became open (state `created`) minus those that stopped being open. */
  openTaskDelta: number;
}

export interface DefinitionRecord {
  id: string;
  processKey: string;
  version: number;
  name: string | null;
  versionTag: string | null;
  checksum: string;
  xml: string;
  deployedBy: string | null;
  deployedAt: number;
}
