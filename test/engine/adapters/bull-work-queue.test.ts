import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { BullWorkQueue, obliterateBullPrefix } from '../../../engine/adapters/bull/bull-work-queue.js';
import type { BullWorkQueueOptions } from '../../../engine/adapters/bull/bull-work-queue.js';
import type { DeliveredMessage } from '../../../engine/core/ports/work-queue.js';
import { CONTRACT_RETRY_OPTIONS, describeWorkQueueContract, waitFor } from './work-queue-contract.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('adapters/bull/bull-work-queue', function () {
  const prefixes = new Map<BullWorkQueue, string>();

  /** A queue on a fresh prefix (or the given one), closed and deleted after the test. */
  function makeQueue(options: Partial<BullWorkQueueOptions> = {}): BullWorkQueue {
    const prefix = options.prefix ?? `fbpm-test-${randomUUID()}`;
    const queue = new BullWorkQueue({ redisUrl: REDIS_URL, ...CONTRACT_RETRY_OPTIONS, ...options, prefix });
    prefixes.set(queue, prefix);
    return queue;
  }

  async function destroy(queue: BullWorkQueue): Promise<void> {
    await queue.close();
    await obliterateBullPrefix(REDIS_URL, prefixes.get(queue)!);
    prefixes.delete(queue);
  }

  afterEach(async function () {
    await Promise.all([...prefixes.keys()].map(destroy));
  });

  describeWorkQueueContract('BullWorkQueue', async () => makeQueue(), destroy);

  describe('#isReady', function () {
    it('should be ready once Redis is connected, and not after close', async function () {
      // given
      const queue = makeQueue();

      // when
      await waitFor(() => queue.isReady());
      await queue.close();

      // then
      assert.equal(queue.isReady(), false);
    });
  });

  describe('when a handler blocks the event loop longer than lockDuration', function () {
    it('should deliver the job twice and count the stall (at-least-once)', async function () {
      this.timeout(5000); // the event loop is blocked on purpose for 1.2 s

      // given
      const queue = makeQueue({ lockDurationMs: 500, stalledIntervalMs: 300 });
      const deliveries: DeliveredMessage[] = [];
      // Concurrency 2: the slot whose job stalled fails to complete it ("Missing lock") and waits
      // Bull's retryProcessDelay (5 s) before fetching again; the other slot takes the re-queued job.
      queue.consume(
        'service',
        async (message) => {
          deliveries.push(message);
          if (deliveries.length === 1) busyWait(1200);
        },
        { concurrency: 2 },
      );

      // when
      await queue.publish({ queue: 'service', jobId: 'blocking', data: { n: 1 } });
      await waitFor(() => deliveries.length >= 2, 4000);
      await waitFor(() => queue.stalledCount >= 1); // emitted after a job lookup, so it can trail the re-run

      // then
      assert.deepEqual(
        deliveries.map((m) => [m.jobId, m.data]),
        [
          ['blocking', { n: 1 }],
          ['blocking', { n: 1 }],
        ],
      );
      // Bull quirk: the first run resolves after its lock lapsed, so completing fails ("Missing lock", an
      // 'error' event) and Bull's fallback moveToFailed still saves attemptsMade + 1 before it fails too.
      assert.deepEqual(
        deliveries.map((m) => m.deliveryAttempt),
        [1, 2],
      );
      assert.ok(queue.errorCount >= 1, `errorCount is ${queue.errorCount}`);
    });
  });

  describe('across instances on one prefix', function () {
    it('should let a new instance consume what a closed one published', async function () {
      // given
      const publisher = makeQueue();
      const prefix = prefixes.get(publisher)!;
      await publisher.publish({ queue: 'continue', jobId: 'now', data: { from: 'first' } });
      await publisher.publish({ queue: 'continue', jobId: 'later', data: { from: 'first' }, delayMs: 100 });
      await publisher.close();

      // when
      const consumer = makeQueue({ prefix });
      const delivered: DeliveredMessage[] = [];
      consumer.consume('continue', async (m) => {
        delivered.push(m);
      });
      await waitFor(() => delivered.length === 2);
      await consumer.publish({ queue: 'continue', jobId: 'now', data: { from: 'second' } });
      await consumer.publish({ queue: 'continue', jobId: 'sentinel', data: {} });
      await waitFor(() => delivered.length === 3);

      // then
      assert.deepEqual(
        delivered.map((m) => [m.jobId, m.data]),
        [
          ['now', { from: 'first' }],
          ['later', { from: 'first' }],
          ['sentinel', {}],
        ],
      );
    });
  });
});

// helpers //////

/** Blocks the event loop, as a CPU-bound or synchronous handler would, so Bull cannot renew the lock. */
function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
}
