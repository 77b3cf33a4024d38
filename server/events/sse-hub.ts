/**
 * The open event streams of one API process and the fan-out from the inbox event bus to them.
 *
 * - One bus subscription for all streams, taken with the first stream and dropped with the last.
 * - An event goes to the streams of the users in its `users`. Role-only recipients are not matched: the task
 *   router has already expanded candidate roles into users within the right org scope, and matching a role here
 *   would notify holders of that role in every org.
 * - Each delivered event gets the next `id` of this process (one id per event, the same in all tabs).
 * - One timer serves all streams: a comment heartbeat after `heartbeatMs` of silence, and the end of every stream
 *   once its HTTP server stops listening, so a graceful shutdown (server.close) is not held up by open streams;
 *   browsers reconnect (after `retry`) to another process.
 * - A stream whose client does not read (more than MAX_BUFFERED_BYTES waiting) is ended; the client reconnects.
 */
import type { Server } from 'node:net';
import type { PassThrough } from 'node:stream';
import type { InboxEvent } from '../../engine/index.js';
import type { AppServices, InboxEventBus } from '../services.js';

export interface SseHubOptions {
  readonly heartbeatMs: number;
  readonly retryMs: number;
  readonly maxConnectionsPerUser: number;
}

/** What a stream sends for an event: no recipient lists, the time as ISO-8601. */
export interface InboxEventMessage {
  readonly type: InboxEvent['type'];
  readonly instanceId: string;
  readonly taskId: string | null;
  readonly elementId: string | null;
  readonly at: string;
}

const MAX_BUFFERED_BYTES = 1024 * 1024;
const SHUTDOWN_CHECK_MS = 1000;

/** Event ids are per process and only ever grow. */
let lastEventId = 0;

export class SseConnection {
  lastWriteAt: number;
  private ended = false;

  constructor(
    readonly userId: string,
    private readonly stream: PassThrough,
    readonly server: Server | undefined,
    private readonly onEnd: (connection: SseConnection) => void,
  ) {
    this.lastWriteAt = Date.now();
    stream.once('close', () => this.end());
  }

  get isEnded(): boolean {
    return this.ended;
  }

  write(text: string): void {
    if (this.ended) return;
    if (this.stream.writableLength > MAX_BUFFERED_BYTES) {
      this.end();
      return;
    }
    this.stream.write(text);
    this.lastWriteAt = Date.now();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stream.end();
    this.onEnd(this);
  }
}

export class SseHub {
  private readonly byUser = new Map<string, Set<SseConnection>>();
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: InboxEventBus,
    readonly options: SseHubOptions,
  ) {}

  /** Open streams in this process. */
  get connectionCount(): number {
    let count = 0;
    for (const set of this.byUser.values()) count += set.size;
    return count;
  }

  /** True while the hub listens on the bus (at least one stream is open). */
  get subscribed(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Streams open for one user. */
  connectionsOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /**
   * Registers a stream for the user and writes its preamble (`retry:` and a `ready` event), or returns
   * undefined when the user already has the maximum of streams open.
   */
  open(userId: string, stream: PassThrough, server: Server | undefined): SseConnection | undefined {
    const set = this.byUser.get(userId) ?? new Set<SseConnection>();
    if (set.size >= this.options.maxConnectionsPerUser) return undefined;
    const connection = new SseConnection(userId, stream, server, (c) => this.remove(c));
    set.add(connection);
    this.byUser.set(userId, set);
    this.unsubscribe ??= this.bus.subscribe((event) => this.dispatch(event));
    this.timer ??= setInterval(
      () => this.tick(),
      Math.min(SHUTDOWN_CHECK_MS, this.options.heartbeatMs),
    ).unref();
    connection.write(`retry: ${this.options.retryMs}\nevent: ready\ndata: ${JSON.stringify({ userId })}\n\n`);
    return connection;
  }

  /** Ends every stream (and with it the bus subscription). */
  closeAll(): void {
    for (const set of [...this.byUser.values()]) for (const c of [...set]) c.end();
  }

  private dispatch(event: InboxEvent): void {
    const targets: SseConnection[] = [];
    for (const userId of new Set(event.users)) {
      const set = this.byUser.get(userId);
      if (set) targets.push(...set);
    }
    if (targets.length === 0) return;
    const message: InboxEventMessage = {
      type: event.type,
      instanceId: event.instanceId,
      taskId: event.taskId,
      elementId: event.elementId,
      at: new Date(event.at).toISOString(),
    };
    lastEventId += 1;
    const frame = `id: ${lastEventId}\nevent: ${event.type}\ndata: ${JSON.stringify(message)}\n\n`;
    for (const connection of targets) connection.write(frame);
  }

  private tick(): void {
    const now = Date.now();
    for (const set of [...this.byUser.values()])
      for (const connection of [...set]) {
        if (connection.server && !connection.server.listening) connection.end();
        else if (now - connection.lastWriteAt >= this.options.heartbeatMs) connection.write(': ping\n\n');
      }
  }

  private remove(connection: SseConnection): void {
    const set = this.byUser.get(connection.userId);
    if (!set) return;
    set.delete(connection);
    if (set.size === 0) this.byUser.delete(connection.userId);
    if (this.byUser.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

const hubs = new WeakMap<AppServices, SseHub>();

/** The hub of these services (one per API process), created on first use. */
export function sseHubOf(services: AppServices): SseHub {
  let hub = hubs.get(services);
  if (!hub) {
    hub = new SseHub(services.events, {
      heartbeatMs: services.config.SSE_HEARTBEAT_MS,
      retryMs: services.config.SSE_RETRY_MS,
      maxConnectionsPerUser: services.config.SSE_MAX_CONNECTIONS_PER_USER,
    });
    hubs.set(services, hub);
  }
  return hub;
}
