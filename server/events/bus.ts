/**
 * Inbox event fan-out (to be written: Redis pub/sub when REDIS_URL is set). In-process for now.
 */
import { EventEmitter } from 'node:events';
import type { InboxEvent } from '../../engine/index.js';
import type { InboxEventBus } from '../services.js';

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
