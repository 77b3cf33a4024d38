/**
 * What the job handlers need from the engine: its ports, and the commands they run. Jobs (the outbox rows) wake
 * the engine up: service tasks, task routing, timers, call activities and their children, message and signal
 * throws. Each handler runs its job idempotently: a delivery for a job no longer pending at that attempt does
 * nothing (job-step.ts).
 */
import type { CorrelateOptions, CorrelationResult, InstanceView, ServiceHandler } from '../api-types.js';
import type { CommandRunner, NewInstance } from '../command-types.js';
import type { ExecutableProcess } from '../model/types.js';
import type { Clock } from '../ports/clock.js';
import type { ProcessStore } from '../ports/store.js';
import type { TaskRouter } from '../ports/task-router.js';
import type { DefinitionRecord, JobRecord } from '../runtime/records.js';
import type { WorkingCalendar } from '../time/working-calendar.js';

export interface JobContext {
  readonly store: ProcessStore;
  readonly clock: Clock;
  readonly calendar: WorkingCalendar;
  readonly handlers: Readonly<Record<string, ServiceHandler>>;
  readonly router: TaskRouter | undefined;
  /** One command on an instance (load, apply, run, commit, publish; re-run on conflicts). */
  readonly command: CommandRunner;
  /** Starts and commits a new instance (a start timer's, a call activity's child). */
  startNew(start: NewInstance): Promise<{ id: string; view: InstanceView | null }>;
  /** A deployed definition and its compiled process (cached). */
  processFor(definitionId: string): Promise<{ definition: DefinitionRecord; process: ExecutableProcess }>;
  cancelInstance(instanceId: string, options: { reason: string }): Promise<unknown>;
  correlateMessage(name: string, options: CorrelateOptions): Promise<CorrelationResult>;
  broadcastSignal(name: string): Promise<number>;
}

/** What running a job came to, for logs and tests: `early` is a timer delivered before its due time. */
export type JobOutcome = 'done' | 'failed' | 'retrying' | 'skipped' | 'early';

/** A job as a command needs to find it: the instance it is in, its id and the attempt a delivery is for. */
export type JobRef = Pick<JobRecord, 'id' | 'instanceId' | 'attempt'>;
