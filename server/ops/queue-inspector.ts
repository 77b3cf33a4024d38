/**
 * Read-side handles on the engine's Bull queues, for the queue depth metrics and the admin dashboard.
 *
 * The engine's BullWorkQueue keeps its Bull queues to itself; these are separate `Bull.Queue` objects on the same
 * names and prefix, sharing the inbox event bus's command connection (closed with the bus). They never process
 * jobs, so they open no subscriber or blocking connection and hold no timers, and need no closing of their own.
 */
import Bull from 'bull';
import type { Redis } from 'ioredis';
import { BullWorkQueue } from '../../engine/adapters/index.js';
import type { QueueName } from '../../engine/index.js';
import { RedisInboxEventBus } from '../events/redis-bus.js';
import type { AppServices } from '../services.js';

/** Every queue the engine uses (a Record so that a new QueueName fails to compile until it is listed). */
const QUEUES: Record<QueueName, true> = {
  service: true,
  continue: true,
  timer: true,
  route: true,
  notify: true,
};

export const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];

export type JobCounts = Bull.JobCounts & { paused?: number };

export class BullQueueInspector {
  readonly queues: readonly Bull.Queue[];

  constructor(connection: Redis, prefix: string) {
    this.queues = QUEUE_NAMES.map(
      (name) =>
        new Bull(name, {
          prefix,
          createClient: (type) => {
            if (type !== 'client')
              throw new Error(`The queue inspector needs no ${type} connection: it never processes jobs`);
            return connection;
          },
        }),
    );
  }

  /** Job counts per queue and state (waiting, active, delayed, failed, completed, paused). */
  async counts(): Promise<Array<{ queue: string; counts: JobCounts }>> {
    return Promise.all(
      this.queues.map(async (q) => ({ queue: q.name, counts: (await q.getJobCounts()) as JobCounts })),
    );
  }
}

/** One inspector per connection, however many apps are built on it. */
const inspectors = new WeakMap<Redis, BullQueueInspector>();

/** The inspector when the engine runs on Bull (and the bus on Redis), else undefined (the in-process queue). */
export function queueInspectorOf(services: AppServices): BullQueueInspector | undefined {
  const bus = services.events;
  if (!(services.infrastructure.queue instanceof BullWorkQueue) || !(bus instanceof RedisInboxEventBus))
    return undefined;
  let inspector = inspectors.get(bus.redis);
  if (!inspector) {
    inspector = new BullQueueInspector(bus.redis, services.config.QUEUE_PREFIX);
    inspectors.set(bus.redis, inspector);
  }
  return inspector;
}
