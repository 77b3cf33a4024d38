/**
 * The types of the engine API: options, views and results. The Engine class (engine.ts) implements the API.
 */
import type { ModelLimits } from './model/limits.js';
import type { InboxEvent } from './inbox-events.js';
import type { Clock } from './ports/clock.js';
import type { ProcessStore } from './ports/store.js';
import type { TaskRouter } from './ports/task-router.js';
import type { WorkQueue } from './ports/work-queue.js';
import type { IncidentRecord, InstanceRecord } from './runtime/records.js';
import type { WorkingCalendar } from './time/working-calendar.js';

/** What a service-task handler gets: the job, and a read-only copy of the instance variables. */
export interface ServiceJobContext {
  readonly jobId: string;
  readonly attempt: number;
  readonly instanceId: string;
  readonly businessKey: string | null;
  /** Who started the instance, and the org it belongs to (null when started by a message, signal or timer). */
  readonly initiator?: string | null;
  readonly orgCode?: string | null;
  readonly orgPath?: string | null;
  readonly elementId: string;
  readonly taskType: string;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** A service-task handler: resolves with variables to set, or throws to fail the attempt (BpmnError for a business error). */
export type ServiceHandler = (job: ServiceJobContext) => Promise<Record<string, unknown> | void>;

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EngineOptions {
  readonly store: ProcessStore;
  readonly queue: WorkQueue;
  readonly clock?: Clock;
  readonly handlers?: Readonly<Record<string, ServiceHandler>>;
  readonly newId?: () => string;
  readonly limits?: Partial<ModelLimits>;
  /** Working days for timers and due dates marked `fiscal:workingDays` (default: the PRC calendar). */
  readonly calendar?: WorkingCalendar;
  /** How long a message that matched nothing waits for its subscription (default 1 hour; 0 = report at once). */
  readonly messageTtlMs?: number;
  /** Resolves role-based assignments (candidate roles + org scope) through the org directory; without it tasks keep their role candidates. */
  readonly router?: TaskRouter;
  /** Called after each commit with what changed for whom (new task in an inbox, task taken, returned, urged, due, instance ended). */
  readonly onInboxEvents?: (events: InboxEvent[]) => void;
  /** 催办: the shortest time between two urges of one task (default 1 hour). */
  readonly urgeIntervalMs?: number;
  /** How often a command is re-run after a conflict or transient database error (default 10). */
  readonly maxCommandAttempts?: number;
  /** Outbox relay: unpublished rows older than graceMs are published; published-but-pending rows older than horizonMs are published again. */
  readonly relay?: { readonly intervalMs?: number; readonly graceMs?: number; readonly horizonMs?: number };
  /** Longest wait for the queue to accept a message after commit before leaving it to the relay (default 1000 ms). */
  readonly publishTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface DeployedProcess {
  readonly definitionId: string;
  readonly processKey: string;
  readonly version: number;
  readonly name: string | null;
  /** False when identical XML was already deployed as this version. */
  readonly isNew: boolean;
}

export interface InstanceView {
  readonly id: string;
  readonly processKey: string;
  readonly definitionId: string;
  readonly definitionVersion: number;
  readonly businessKey: string | null;
  readonly initiator: string | null;
  readonly parentInstanceId: string | null;
  /** The org unit the instance belongs to (code and materialised path); null when started without one. */
  readonly orgCode: string | null;
  readonly orgPath: string | null;
  readonly status: InstanceRecord['status'];
  readonly endReason: string | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly activeElementIds: string[];
  readonly completedElementIds: string[];
  readonly variables: Record<string, unknown>;
  readonly incidents: IncidentRecord[];
}

export interface StartOptions {
  readonly variables?: Record<string, unknown>;
  readonly businessKey?: string;
  readonly initiator?: string;
  /** Start this version instead of the latest. */
  readonly version?: number;
  /** The org unit the instance belongs to (the applicant's unit); lists and counts can be scoped to its subtree. */
  readonly org?: { readonly code: string; readonly path: string };
  /**
   * The caller's key for this request (an Idempotency-Key). The instance id is derived from it, so a repeat after
   * a start whose answer was lost returns the instance that start created instead of creating a second one.
   */
  readonly requestKey?: string;
}

export interface CorrelateOptions {
  readonly correlationKey?: string | null;
  readonly variables?: Record<string, unknown>;
  /** Same id twice → the first outcome is returned and nothing happens again. */
  readonly messageId?: string;
  /** Keep the message this long for a subscription that does not exist yet (default: the engine's messageTtlMs). */
  readonly ttlMs?: number;
}

export interface CorrelationResult {
  readonly messageId: string;
  /** `correlated` into a waiting instance, `started` a new one, or `buffered` for later. */
  readonly outcome: 'correlated' | 'started' | 'buffered';
  readonly instanceId: string | null;
}

export interface WorkerOptions {
  /** Service-task handlers run at once in this process (default 4). */
  readonly serviceConcurrency?: number;
  /** Timer firings and other engine jobs run at once in this process (default 8). */
  readonly timerConcurrency?: number;
  /**
   * Publish every pending job again at start (for a queue that keeps nothing across restarts): timers that fell
   * due while nothing ran then fire at once, oldest first. Bull keeps its delayed jobs in Redis and needs no sweep.
   */
  readonly sweepOnStart?: boolean;
}

/** Counts per element id (elements with no count are absent). */
export type ElementCounts = Record<string, number>;

/** 流程统计: where the instances of one definition are, and what they went through. */
export interface DefinitionStatistics {
  readonly definitionId: string;
  /** Instances of the definition by status (running, completed, canceled, rejected). */
  readonly instancesByStatus: Readonly<Record<string, number>>;
  /** Per element id, sorted by id. */
  readonly elements: readonly ElementStatistics[];
}

export interface ElementStatistics {
  readonly elementId: string;
  /** Live tokens at the element (waiting tasks, timers, joins, sub-process scopes, parked incidents). */
  readonly instances: number;
  /** Open user tasks at the element (more than `instances` when signers were added). */
  readonly openTasks: number;
  /** Open incidents at the element. */
  readonly incidents: number;
  /** Times the element completed (history). */
  readonly completed: number;
}

/**
 * 流程图状态 of one instance. `returned` counts the steps that sent work back (退回, or 拒绝 to an earlier step):
 * the element where the return was pressed; `returnedTo` counts the steps it was sent back to. A diagram marks the
 * former as "退回" and the latter as redone.
 */
export interface DiagramState {
  readonly completed: ElementCounts;
  /** Live tokens (multi-instance bodies not counted: their inner tokens are). */
  readonly active: ElementCounts;
  /** Open incidents. */
  readonly incidents: ElementCounts;
  readonly returned: ElementCounts;
  readonly returnedTo: ElementCounts;
  /** Elements ended without completing (canceled by a boundary event, a return, a withdraw, termination). */
  readonly terminated: ElementCounts;
  /** Sequence flow id → times taken. */
  readonly sequenceFlowsTaken: ElementCounts;
}
