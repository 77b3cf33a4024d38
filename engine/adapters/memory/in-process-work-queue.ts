/**
 * `WorkQueue` kept in this process's memory: the embedded default, which needs no Redis. It passes the same
 * contract suite as `BullWorkQueue` and copies Bull's semantics where the contract leaves room:
 *
 * - Data is copied through JSON on publish, as Bull stores it.
 * - A `jobId` dedupes while the job is waiting, delayed, active, or finished within the retention window
 *   (`removeOnComplete`: the newest `count` ids, none older than `age` seconds; failed jobs are kept alike).
 * - A throwing handler is redelivered after `(2^n − 1) × backoffMs` (Bull's exponential backoff) until `attempts`
 *   deliveries in total have been made; then the job is dropped (the database is the truth).
 * - A delayed message waits in a due-time-sorted list behind one timer per queue. A timer that fires early is
 *   re-armed, so nothing is delivered before `Date.now()` reaches its due time. Timers are `unref`ed.
 *
 * Messages live only as long as the process: a restart loses them, and the relay/reconciler publishes again.
 */

import type {
  ConsumeOptions,
  DeliveredMessage,
  MessageHandler,
  QueueMessage,
  QueueName,
  WorkQueue,
} from '../../core/ports/work-queue.js';

/** Retry and retention settings, named and defaulted as in `BullWorkQueueOptions`. */
export interface InProcessWorkQueueOptions {
  /** Deliveries in total of a message whose handler keeps throwing, first one included (default 10). */
  readonly attempts?: number;
  /** Base of the exponential backoff: redelivery n waits `(2^n − 1) × backoffMs` (default 1000). */
  readonly backoffMs?: number;
  /** Retention of finished job ids for dedupe: `age` in seconds and a `count` (default 24 h and 100 000). */
  readonly removeOnComplete?: { readonly age: number; readonly count: number };
}

const DEFAULT_ATTEMPTS = 10;
const DEFAULT_BACKOFF_MS = 1000;
const DEFAULT_RETENTION = { age: 24 * 60 * 60, count: 100_000 } as const;
/** setTimeout turns longer delays into 1 ms; the early-fire check re-arms until the real due time. */
const MAX_TIMER_MS = 2_147_483_647;

/** The embedded work queue: timers and arrays in this process, with Bull's dedupe, delay and retry semantics. */
export class InProcessWorkQueue implements WorkQueue {
  /** Always 0: nothing here holds locks that could lapse. Kept for symmetry with `BullWorkQueue`. */
  readonly stalledCount = 0;

  /** Adapter errors; always 0 here (a throwing handler is a redelivery, not an adapter error). */
  readonly errorCount = 0;

  private readonly queues = new Map<QueueName, LocalQueue>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly retentionMs: number;
  private readonly retentionCount: number;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: InProcessWorkQueueOptions = {}) {
    this.attempts = options.attempts ?? DEFAULT_ATTEMPTS;
    this.backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
    this.retentionMs = (options.removeOnComplete ?? DEFAULT_RETENTION).age * 1000;
    this.retentionCount = (options.removeOnComplete ?? DEFAULT_RETENTION).count;
  }

  async publish(message: QueueMessage): Promise<void> {
    this.assertOpen(`publish to '${message.queue}'`);

    const queue = this.queue(message.queue);
    this.evictFinished(queue);
    if (queue.pending.has(message.jobId) || queue.finished.has(message.jobId)) {
      return;
    }

    const delay = Math.ceil(Math.max(0, message.delayMs ?? 0));
    const job: LocalJob = {
      jobId: message.jobId,
      data: JSON.parse(JSON.stringify(message.data)) as Readonly<Record<string, unknown>>,
      attemptsMade: 0,
      dueAt: Date.now() + delay,
    };
    queue.pending.add(job.jobId);

    if (delay > 0) {
      this.delay(queue, job);
    } else {
      queue.waiting.push(job);
      this.pump(queue);
    }
  }

  consume(queue: QueueName, handler: MessageHandler, options: ConsumeOptions = {}): void {
    this.assertOpen(`consume '${queue}'`);

    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`Expected a concurrency that is a positive integer, but got ${concurrency}`);
    }
    const local = this.queue(queue);
    if (local.handler) {
      throw new Error(`Expected one consumer for queue '${queue}', but it already has one`);
    }
    local.handler = handler;
    local.concurrency = concurrency;
    this.pump(local);
  }

  isReady(): boolean {
    return !this.closed;
  }

  async holds(queue: QueueName, jobId: string): Promise<boolean> {
    return this.queues.get(queue)?.pending.has(jobId) ?? false;
  }

  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // helpers //////

  private async shutdown(): Promise<void> {
    for (const queue of this.queues.values()) {
      clearTimeout(queue.timer);
      queue.timer = undefined;
    }
    while (this.inFlight.size > 0) {
      await Promise.all(this.inFlight);
    }
  }

  private queue(name: QueueName): LocalQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = {
        name,
        waiting: [],
        delayed: [],
        pending: new Set(),
        finished: new Map(),
        concurrency: 1,
        active: 0,
      };
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Inserts by due time, after jobs due at the same time, and re-arms the queue's timer. */
  private delay(queue: LocalQueue, job: LocalJob): void {
    let low = 0;
    let high = queue.delayed.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (queue.delayed[mid]!.dueAt <= job.dueAt) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    queue.delayed.splice(low, 0, job);
    this.arm(queue);
  }

  private arm(queue: LocalQueue): void {
    clearTimeout(queue.timer);
    queue.timer = undefined;

    const next = queue.delayed[0];
    if (!next || this.closed) {
      return;
    }
    queue.timer = setTimeout(
      () => this.promoteDue(queue),
      Math.min(MAX_TIMER_MS, Math.max(0, next.dueAt - Date.now())),
    );
    queue.timer.unref();
  }

  private promoteDue(queue: LocalQueue): void {
    queue.timer = undefined;
    const now = Date.now();
    while (queue.delayed.length > 0 && queue.delayed[0]!.dueAt <= now) {
      queue.waiting.push(queue.delayed.shift()!);
    }
    this.arm(queue);
    this.pump(queue);
  }

  private pump(queue: LocalQueue): void {
    const handler = queue.handler;
    while (handler && !this.closed && queue.active < queue.concurrency && queue.waiting.length > 0) {
      this.deliver(queue, queue.waiting.shift()!, handler);
    }
  }

  private deliver(queue: LocalQueue, job: LocalJob, handler: MessageHandler): void {
    const message: DeliveredMessage = {
      queue: queue.name,
      jobId: job.jobId,
      data: job.data,
      deliveryAttempt: job.attemptsMade + 1,
    };

    queue.active += 1;
    // The handler starts on a later microtask, never inside the caller of publish or consume.
    const run: Promise<void> = Promise.resolve()
      .then(() => handler(message))
      .then(
        () => this.finish(queue, job),
        () => this.retry(queue, job),
      )
      .finally(() => {
        queue.active -= 1;
        this.inFlight.delete(run);
        this.pump(queue);
      });
    this.inFlight.add(run);
  }

  private retry(queue: LocalQueue, job: LocalJob): void {
    job.attemptsMade += 1;
    if (job.attemptsMade >= this.attempts || this.closed) {
      this.finish(queue, job);
      return;
    }
    job.dueAt = Date.now() + Math.round((2 ** job.attemptsMade - 1) * this.backoffMs);
    this.delay(queue, job);
  }

  private finish(queue: LocalQueue, job: LocalJob): void {
    queue.pending.delete(job.jobId);
    queue.finished.set(job.jobId, Date.now());
    this.evictFinished(queue);
  }

  /** Map order is finishing order, so the oldest ids sit at the front. */
  private evictFinished(queue: LocalQueue): void {
    const oldest = Date.now() - this.retentionMs;
    for (const [jobId, finishedAt] of queue.finished) {
      if (queue.finished.size <= this.retentionCount && finishedAt >= oldest) {
        return;
      }
      queue.finished.delete(jobId);
    }
  }

  private assertOpen(action: string): void {
    if (this.closed) {
      throw new Error(`Expected an open work queue to ${action}, but it is closed`);
    }
  }
}

interface LocalJob {
  readonly jobId: string;
  readonly data: Readonly<Record<string, unknown>>;
  attemptsMade: number;
  dueAt: number;
}

interface LocalQueue {
  readonly name: QueueName;
  /** Due now, in delivery order. */
  readonly waiting: LocalJob[];
  /** Not due yet, sorted by `dueAt`. */
  readonly delayed: LocalJob[];
  /** Ids waiting, delayed or active: a publish with one of them is a no-op. */
  readonly pending: Set<string>;
  /** Finished ids (completed or out of attempts) → finish time, oldest first. */
  readonly finished: Map<string, number>;
  handler?: MessageHandler;
  concurrency: number;
  active: number;
  timer?: NodeJS.Timeout;
}
