/**
 * Inbox event fan-out over Redis pub/sub, so that every API process sees the events committed by any process
 * (API or worker) and any API process can serve any user's event stream.
 *
 * - One command connection publishes (and is lent, read-only, to the readiness probe and the queue inspector);
 *   one subscriber connection listens on `<QUEUE_PREFIX>:inbox-events`. Each message is one event as JSON.
 * - The publishing process gets its own events back through Redis like every other process, so all processes
 *   see one order per channel.
 * - Pub/sub is fire-and-forget: an event published while a process is disconnected is not delivered to it. Inbox
 *   events are notifications, not the truth (engine/core/inbox-events.ts); clients re-read their inbox.
 * - The command connection has no offline queue: while Redis is away a publish fails at once instead of piling up
 *   in memory, and a readiness PING answers at once.
 */
import { Redis } from 'ioredis';
import type { InboxEvent, InboxEventType } from '../../engine/index.js';
import type { InboxEventBus } from '../services.js';

export interface RedisInboxEventBusOptions {
  readonly redisUrl: string;
  /** The Redis key prefix of this environment (QUEUE_PREFIX); the channel is `<prefix>:inbox-events`. */
  readonly prefix: string;
}

const EVENT_TYPES: ReadonlySet<InboxEventType> = new Set<InboxEventType>([
  'task.opened',
  'task.taken',
  'task.returned',
  'task.urged',
  'task.dueSoon',
  'task.overdue',
  'instance.ended',
]);

/** How long `open` waits for Redis before giving up (the process then exits and is restarted). */
const OPEN_TIMEOUT_MS = 20_000;

export function inboxEventChannel(prefix: string): string {
  return `${prefix}:inbox-events`;
}

export class RedisInboxEventBus implements InboxEventBus {
  /** Redis 'error' events and messages that were not a valid event; counted, never thrown. */
  errorCount = 0;

  readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly listeners = new Set<(event: InboxEvent) => void>();
  private subscribed: Promise<unknown> | undefined;
  private closing: Promise<void> | undefined;

  /** Connects and subscribes; resolves once both connections are ready. */
  static async open(options: RedisInboxEventBusOptions): Promise<RedisInboxEventBus> {
    const bus = new RedisInboxEventBus(options);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        bus.ready(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Redis at ${redact(options.redisUrl)} did not answer within 20 s`)),
            OPEN_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (err) {
      await bus.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return bus;
  }

  /** Connects without waiting; `ready()` resolves once publishing and listening work. */
  constructor(options: RedisInboxEventBusOptions) {
    this.channel = inboxEventChannel(options.prefix);
    this.publisher = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    for (const client of [this.publisher, this.subscriber])
      client.on('error', () => {
        this.errorCount += 1;
      });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.deliver(message);
    });
  }

  /** Resolves when both connections are up and the channel is subscribed. */
  async ready(): Promise<void> {
    this.subscribed ??= this.subscriber.subscribe(this.channel);
    await Promise.all([
      this.subscribed,
      this.publisher.status === 'ready'
        ? undefined
        : new Promise<void>((resolve) => this.publisher.once('ready', () => resolve())),
    ]);
  }

  /** The command connection (not subscribed), for PING and read-only inspection; owned by this bus. */
  get redis(): Redis {
    return this.publisher;
  }

  /** Round trip to Redis on the command connection; rejects at once when disconnected. */
  async ping(): Promise<void> {
    await this.publisher.ping();
  }

  async publish(events: readonly InboxEvent[]): Promise<void> {
    if (events.length === 0 || this.closing) return;
    const pipeline = this.publisher.pipeline();
    for (const event of events) pipeline.publish(this.channel, JSON.stringify(event));
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0]!;
  }

  subscribe(listener: (event: InboxEvent) => void): () => void {
    this.subscribed ??= this.subscriber.subscribe(this.channel).catch(() => undefined);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.listeners.clear();
      await Promise.all([this.publisher, this.subscriber].map(closeClient));
    })();
    return this.closing;
  }

  private deliver(message: string): void {
    const event = parseEvent(message);
    if (!event) {
      this.errorCount += 1;
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        this.errorCount += 1;
      }
    }
  }
}

/** The event in a message, or undefined when it is not one (another publisher on the channel, a bad version). */
function parseEvent(message: string): InboxEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  const e = value as Partial<Record<keyof InboxEvent, unknown>> | null;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const nullableString = (v: unknown) => v === null || typeof v === 'string';
  if (
    !e ||
    typeof e !== 'object' ||
    !EVENT_TYPES.has(e.type as InboxEventType) ||
    typeof e.instanceId !== 'string' ||
    !nullableString(e.taskId) ||
    !nullableString(e.elementId) ||
    !strings(e.users) ||
    !strings(e.roles) ||
    typeof e.at !== 'number'
  )
    return undefined;
  return e as InboxEvent;
}

async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
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

/** The URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
