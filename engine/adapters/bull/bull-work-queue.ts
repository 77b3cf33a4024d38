/**
 * `WorkQueue` over Bull 4 and ioredis, the production adapter.
 *
 * - One Bull queue per `QueueName`, created on first use. All of them share one command connection and one
 *   subscriber connection; each consuming queue gets its own blocking connection (Bull blocks it in BRPOPLPUSH).
 * - Delivery is at least once (reliability.md §2): a handler that keeps the event loop blocked past
 *   `lockDurationMs` loses its lock, Bull's stalled checker re-queues the job and it runs twice. Each such re-run
 *   is counted in `stalledCount`. When the first run then resolves, completing fails ("Missing lock", counted
 *   in `errorCount`) and Bull still records a failed attempt, so the re-run arrives with `deliveryAttempt` 2 and
 *   uses up one of `attempts`; after a crash (nothing resolves) the re-run keeps its `deliveryAttempt`.
 * - A `jobId` dedupes only while Bull still holds its key: waiting, delayed, active, or retained after
 *   completion/failure per `removeOnComplete` (the same retention is used for failed jobs).
 * - Bull and Redis 'error' events are counted in `errorCount` and never thrown.
 */

import Bull from 'bull';
import { Redis } from 'ioredis';

import type {
  ConsumeOptions,
  MessageHandler,
  QueueMessage,
  QueueName,
  WorkQueue,
} from '../../core/ports/work-queue.js';

/** How to reach Redis and how Bull locks, retries and retains jobs. */
export interface BullWorkQueueOptions {
  /** e.g. `redis://127.0.0.1:6379/0`; one logical database (or prefix) per environment. */
  readonly redisUrl: string;
  /** Prefix of every Redis key of this queue set (Bull's `prefix`). */
  readonly prefix: string;
  /** Lock lifetime of an active job; renewed every half of it (Bull default 30 000). */
  readonly lockDurationMs?: number;
  /** How often the stalled checker runs (Bull default 30 000). */
  readonly stalledIntervalMs?: number;
  /** Stalled re-runs allowed before the job fails (Bull default 1). */
  readonly maxStalledCount?: number;
  /** Deliveries in total of a message whose handler keeps throwing, first one included (Bull's `attempts`; default 10). */
  readonly attempts?: number;
  /** Base of the exponential backoff: redelivery n waits `(2^n − 1) × backoffMs` (default 1000). */
  readonly backoffMs?: number;
  /** Retention of finished jobs, which is what keeps their `jobId` deduped (default 24 h and 100 000 jobs). */
  readonly removeOnComplete?: { readonly age: number; readonly count: number };
}

const DEFAULT_ATTEMPTS = 10;
const DEFAULT_BACKOFF_MS = 1000;
const DEFAULT_RETENTION = { age: 24 * 60 * 60, count: 100_000 } as const;

/** The Redis-backed work queue: Bull 4 queues sharing connections, at-least-once delivery. */
export class BullWorkQueue implements WorkQueue {
  /** Jobs Bull re-queued because their lock lapsed ('stalled' events); each one means a duplicate delivery. */
  stalledCount = 0;

  /** 'error' events of Bull or Redis, counted once each and never rethrown. */
  errorCount = 0;

  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly blockingClients: Redis[] = [];
  private readonly blockingClientIds = new Map<Redis, number>();
  private readonly queues = new Map<QueueName, Bull.Queue>();
  private readonly countedErrors = new WeakSet<object>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BullWorkQueueOptions) {
    this.client = this.connect('client');
    this.subscriber = this.connect('subscriber');
  }

  async publish(message: QueueMessage): Promise<void> {
    this.assertOpen(`publish to '${message.queue}'`);

    const delay = Math.ceil(Math.max(0, message.delayMs ?? 0));
    const retention = this.options.removeOnComplete ?? DEFAULT_RETENTION;

    await this.queue(message.queue).add(
      { ...message.data },
      {
        jobId: message.jobId,
        delay: delay > 0 ? delay : undefined,
        attempts: this.options.attempts ?? DEFAULT_ATTEMPTS,
        backoff: { type: 'exponential', delay: this.options.backoffMs ?? DEFAULT_BACKOFF_MS },
        removeOnComplete: { age: retention.age, count: retention.count },
        removeOnFail: { age: retention.age, count: retention.count },
      },
    );
  }

  consume(queue: QueueName, handler: MessageHandler, options: ConsumeOptions = {}): void {
    this.assertOpen(`consume '${queue}'`);

    // Bull resolves `process` only when the queue closes; a rejection here is an adapter error, not a crash.
    this.queue(queue)
      .process(options.concurrency ?? 1, async (job: Bull.Job) => {
        await handler({
          queue,
          jobId: String(job.id),
          data: job.data as Readonly<Record<string, unknown>>,
          deliveryAttempt: job.attemptsMade + 1,
        });
      })
      .catch((err: unknown) => this.countError(err));
  }

  isReady(): boolean {
    return !this.closed && this.client.status === 'ready';
  }

  async holds(queue: QueueName, jobId: string): Promise<boolean> {
    this.assertOpen(`look up a job of '${queue}'`);
    // one HGETALL: a job Bull still has and has not finished (completed or failed for good) is still to run
    const job = await this.queue(queue).getJob(jobId);
    return job !== null && !job.finishedOn;
  }

  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // helpers //////

  private async shutdown(): Promise<void> {
    // Bull's close pauses locally and waits for the handlers in flight. It does not close connections it got
    // from `createClient`, so the shared ones and every blocking one are closed here afterwards.
    const closing = [...this.queues.values()].map((queue) =>
      queue.close().catch((err: unknown) => this.countError(err)),
    );
    await this.unblock();
    await Promise.all(closing);
    await Promise.all([this.client, this.subscriber, ...this.blockingClients].map(closeClient));
  }

  /**
   * Bull ends a blocking connection with QUIT, which queues behind BRPOPLPUSH and gives up after 500 ms. The
   * queues are marked closing by now, so waking their BRPOPLPUSH (CLIENT UNBLOCK) lets close finish at once.
   * Best effort: without the permission, or with Redis away, close just takes those 500 ms.
   */
  private async unblock(): Promise<void> {
    if (this.client.status !== 'ready') {
      return;
    }
    await Promise.all(
      [...this.blockingClientIds.values()].map((id) =>
        this.client.client('UNBLOCK', id).catch(() => undefined),
      ),
    );
  }

  private queue(name: QueueName): Bull.Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      const { lockDurationMs, stalledIntervalMs, maxStalledCount } = this.options;
      queue = new Bull(name, {
        prefix: this.options.prefix,
        createClient: (type) =>
          type === 'client' ? this.client : type === 'subscriber' ? this.subscriber : this.blockingClient(),
        settings: {
          ...(lockDurationMs !== undefined && { lockDuration: lockDurationMs }),
          ...(stalledIntervalMs !== undefined && { stalledInterval: stalledIntervalMs }),
          ...(maxStalledCount !== undefined && { maxStalledCount }),
        },
      });
      queue.on('error', (err: unknown) => this.countError(err));
      queue.on('stalled', () => {
        this.stalledCount += 1;
      });
      this.queues.set(name, queue);
    }
    return queue;
  }

  private blockingClient(): Redis {
    const client = this.connect('bclient');
    this.blockingClients.push(client);
    // Registered before Bull starts BRPOPLPUSH on 'ready', so CLIENT ID runs first; a reconnect gets a new id.
    client.on('ready', () => {
      client.client('ID').then(
        (id) => this.blockingClientIds.set(client, id),
        () => this.blockingClientIds.delete(client),
      );
    });
    return client;
  }

  private connect(type: 'client' | 'subscriber' | 'bclient'): Redis {
    // Bull refuses a subscriber or blocking connection that retries requests or runs the ready check.
    const client =
      type === 'client'
        ? new Redis(this.options.redisUrl)
        : new Redis(this.options.redisUrl, {
            maxRetriesPerRequest: null,
            enableReadyCheck: false,
            // A blocking connection asked for while closing must not open a socket nobody will close.
            lazyConnect: type === 'bclient' && this.closed,
          });
    // Registered before Bull's own listener, which re-emits the same error on every queue using this client.
    client.on('error', (err: unknown) => this.countError(err));
    return client;
  }

  private countError(err: unknown): void {
    if (typeof err === 'object' && err !== null) {
      if (this.countedErrors.has(err)) {
        return;
      }
      this.countedErrors.add(err);
    }
    this.errorCount += 1;
  }

  private assertOpen(action: string): void {
    if (this.closed) {
      throw new Error(`Expected an open work queue to ${action}, but it is closed`);
    }
  }
}

/**
 * Deletes every Redis key under `prefix` (SCAN + DEL) and returns how many were deleted. For tests and for
 * tearing down a throw-away environment; never point it at a live prefix.
 */
export async function obliterateBullPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl);
  let deleted = 0;
  try {
    const stream = redis.scanStream({ match: `${escapeGlob(prefix)}:*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) {
        deleted += await redis.del(...keys);
      }
    }
  } finally {
    await closeClient(redis);
  }
  return deleted;
}

async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') {
    return;
  }
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
