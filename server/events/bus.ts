/**
 * The inbox event bus of a process: Redis pub/sub when REDIS_URL is set (every API process sees every event,
 * whichever process committed it), else in-process (the embedded default: one process does everything).
 */
import { EventEmitter } from 'node:events';
import type { InboxEvent } from '../../engine/index.js';
import type { Config } from '../config.js';
import type { InboxEventBus } from '../services.js';
import { RedisInboxEventBus } from './redis-bus.js';

/** Opens the bus the configuration asks for (connected and subscribed). */
export async function openInboxEventBus(
  config: Pick<Config, 'REDIS_URL' | 'QUEUE_PREFIX'>,
): Promise<InboxEventBus> {
  return config.REDIS_URL
    ? RedisInboxEventBus.open({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX })
    : new InProcessInboxEventBus();
}

export class InProcessInboxEventBus implements InboxEventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(events: readonly InboxEvent[]): Promise<void> {
    for (const event of events) this.emitter.emit('event', event);
  }

  subscribe(listener: (event: InboxEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
