/**
 * The work-queue port: how the engine wakes itself up. Two adapters implement it and pass one
 * contract suite: `BullWorkQueue` (Redis, production) and `InProcessWorkQueue` (embedded default).
 *
 * Contract:
 * - The database is the truth; a message only says "look at row X now". Losing a message must be
 *   harmless (the relay/reconciler publishes it again), and so must delivering it twice.
 * - `publish` with a `jobId` that the queue still holds (waiting, delayed, active or retained after
 *   completion) is a no-op: the handler runs once for it.
 * - `delayMs` delays the first delivery; it is never delivered early.
 * - A handler that throws is redelivered later (bounded attempts with backoff); one that resolves is done.
 * - `close` stops taking new messages and waits for the handlers in flight.
 *
 * Deliberately not here: priorities, rate limits, job progress, cancelling a published message
 * (handlers re-read their row and ignore what is no longer pending).
 */

export type QueueName = 'service' | 'continue' | 'timer' | 'route' | 'notify';

export interface QueueMessage {
  readonly queue: QueueName;
  /** Deterministic id, e.g. `job-<jobRowId>-<attempt>`; the queue dedupes on it. */
  readonly jobId: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Deliver no earlier than this many milliseconds from now. */
  readonly delayMs?: number;
}

export interface DeliveredMessage {
  readonly queue: QueueName;
  readonly jobId: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** 1 on the first delivery, 2 on the first redelivery after a throw, … */
  readonly deliveryAttempt: number;
}

export type MessageHandler = (message: DeliveredMessage) => Promise<void>;

export interface ConsumeOptions {
  /** Handlers of this queue that may run at once in this process (default 1). */
  readonly concurrency?: number;
}

export interface WorkQueue {
  publish(message: QueueMessage): Promise<void>;
  consume(queue: QueueName, handler: MessageHandler, options?: ConsumeOptions): void;
  /** True while the queue can accept messages (Redis reachable for Bull). */
  isReady(): boolean;
  /**
   * Whether the queue still holds `jobId` to deliver (waiting, delayed, active, or awaiting a retry); false when it
   * finished, gave up, or never had it. The reconciler asks before publishing a job again, so that a backlog is
   * not mistaken for a lost wake-up. Optional: without it every stale job is published again.
   */
  holds?(queue: QueueName, jobId: string): Promise<boolean>;
  close(): Promise<void>;
}
