/**
 * Duplicate deliveries, counted from Bull's own bookkeeping: when a worker dies (or freezes) holding a job, its
 * lock lapses and Bull's stalled checker moves the job back to wait, incrementing the `stalledCounter` field of
 * the job's hash. Summing that field over the job hashes of a queue prefix gives the re-deliveries Bull made
 * (reliability.md §2). Jobs removed by retention, or wiped with Redis, take their counts with them, so the
 * runner samples before each Redis restart and at the end, and reports the sum as a lower bound.
 */
import { Redis } from 'ioredis';

/** Bull's per-queue keys that are not job hashes. */
const QUEUE_KEYS = new Set([
  'wait',
  'active',
  'completed',
  'failed',
  'delayed',
  'paused',
  'id',
  'meta',
  'stalled',
  'stalled-check',
  'priority',
  'limiter',
  'repeat',
  'events',
  'meta-paused',
]);

export async function countStalledDeliveries(redisUrl: string, prefix: string): Promise<number> {
  const client = new Redis(redisUrl, {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    let cursor = '0';
    let total = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      const jobKeys = keys.filter((k) => {
        const last = k.slice(k.lastIndexOf(':') + 1);
        return !QUEUE_KEYS.has(last) && !k.endsWith(':lock') && !k.endsWith(':logs');
      });
      if (jobKeys.length === 0) continue;
      const pipeline = client.pipeline();
      for (const key of jobKeys) pipeline.hget(key, 'stalledCounter');
      for (const [err, value] of (await pipeline.exec()) ?? []) {
        if (!err && value !== null && value !== undefined) total += Number(value) || 0;
      }
    } while (cursor !== '0');
    return total;
  } catch {
    return 0;
  } finally {
    client.disconnect();
  }
}
