/**
 * The contract every `WorkQueue` adapter passes (engine/core/ports/work-queue.ts): delivery with data, `jobId`
 * dedupe in every job state, never-early delays in due order, redelivery with backoff, concurrency, independent
 * queues, graceful close and a 1 000-message exactly-once run. Waits poll; nothing sleeps longer than 250 ms.
 */

import assert from 'node:assert/strict';

import type { DeliveredMessage, QueueName, WorkQueue } from '../../../engine/core/ports/work-queue.js';

/** Retry settings the contract's factories must use, so redelivery tests run in milliseconds. */
export const CONTRACT_RETRY_OPTIONS = { attempts: 3, backoffMs: 10 } as const;

/**
 * Registers the contract suite for one adapter. `make` returns a fresh, empty queue for each test (its own
 * prefix); `cleanup` runs after it is closed, e.g. to delete its Redis keys.
 */
export function describeWorkQueueContract<Q extends WorkQueue>(
  name: string,
  make: () => Promise<Q>,
  cleanup?: (queue: Q) => Promise<void>,
): void {
  describe(`${name} (work-queue contract)`, function () {
    let queue: Q;
    let gates: Gate[];

    /** A promise the test opens by hand; every gate still shut is opened before the queue closes. */
    function gate(): Gate {
      const created = createGate();
      gates.push(created);
      return created;
    }

    beforeEach(async function () {
      gates = [];
      queue = await make();
    });

    afterEach(async function () {
      gates.forEach((g) => g.open());
      await queue.close();
      await cleanup?.(queue);
    });

    describe('#publish', function () {
      it('should deliver a published message once with its data', async function () {
        // given
        const seen = record(queue, 'service');
        const data = { instanceId: 'pi-1', amountFen: 500_000_00, nested: { ids: [1, 2], label: '审核' } };

        // when
        await queue.publish({ queue: 'service', jobId: 'job:pi-1:0', data });
        await barrier(queue, seen, 'service');

        // then
        assert.deepEqual(seen.of('job:pi-1:0'), [
          { queue: 'service', jobId: 'job:pi-1:0', data, deliveryAttempt: 1 },
        ]);
      });
    });

    describe('when a jobId is published twice', function () {
      it('should NOT run the handler again while the job is waiting', async function () {
        // given
        await queue.publish({ queue: 'service', jobId: 'dup', data: { n: 1 } });

        // when
        await queue.publish({ queue: 'service', jobId: 'dup', data: { n: 2 } });
        const seen = record(queue, 'service');
        await barrier(queue, seen, 'service');

        // then
        assert.deepEqual(
          seen.of('dup').map((m) => m.data),
          [{ n: 1 }],
        );
      });

      it('should NOT run the handler again while the job is delayed', async function () {
        // given
        const seen = record(queue, 'timer');
        const publishedAt = Date.now();
        await queue.publish({ queue: 'timer', jobId: 'dup', data: {}, delayMs: 150 });

        // when
        await queue.publish({ queue: 'timer', jobId: 'dup', data: {} });
        await barrier(queue, seen, 'timer', 'before-due');
        await waitFor(() => seen.of('dup').length > 0);
        await barrier(queue, seen, 'timer', 'after-due');

        // then
        assert.equal(seen.of('dup').length, 1);
        assert.ok(
          seen.at('dup') >= publishedAt + 150,
          'the duplicate must not bring the delayed job forward',
        );
      });

      it('should NOT run the handler again while the job is active', async function () {
        // given
        const release = gate();
        const seen = record(queue, 'service', async (m) => {
          if (m.jobId === 'dup') await release.promise;
        });
        await queue.publish({ queue: 'service', jobId: 'dup', data: {} });
        await waitFor(() => seen.of('dup').length === 1);

        // when
        await queue.publish({ queue: 'service', jobId: 'dup', data: {} });
        release.open();
        await barrier(queue, seen, 'service');

        // then
        assert.equal(seen.of('dup').length, 1);
      });

      it('should NOT run the handler again once the job completed and is retained', async function () {
        // given
        const seen = record(queue, 'service');
        await queue.publish({ queue: 'service', jobId: 'dup', data: {} });
        await waitFor(() => seen.finished('dup'));

        // when
        await queue.publish({ queue: 'service', jobId: 'dup', data: {} });
        await barrier(queue, seen, 'service');

        // then
        assert.equal(seen.of('dup').length, 1);
      });
    });

    describe('with delayMs', function () {
      it('should never deliver early, and deliver soon after the due time', async function () {
        // given
        const seen = record(queue, 'timer', undefined, { concurrency: 5 });
        const delays = [50, 120, 200, 300, 400];

        // when
        const publishedAt = await Promise.all(
          delays.map(async (delayMs) => {
            const at = Date.now();
            await queue.publish({ queue: 'timer', jobId: `t-${delayMs}`, data: {}, delayMs });
            return at;
          }),
        );
        await waitFor(() => seen.all.length === delays.length, 3000);

        // then
        delays.forEach((delayMs, i) => {
          const lateness = seen.at(`t-${delayMs}`) - publishedAt[i]! - delayMs;
          assert.ok(lateness >= 0, `t-${delayMs} was delivered ${-lateness} ms early`);
          assert.ok(lateness < 1000, `t-${delayMs} was delivered ${lateness} ms late`);
        });
      });

      it('should deliver delayed messages in due order', async function () {
        // given
        const seen = record(queue, 'timer');
        const delays = [400, 50, 300, 100, 350, 150, 250, 200];

        // when
        await Promise.all(
          delays.map((delayMs) =>
            queue.publish({ queue: 'timer', jobId: `t-${delayMs}`, data: {}, delayMs }),
          ),
        );
        await waitFor(() => seen.all.length === delays.length, 3000);

        // then
        assert.deepEqual(
          seen.all.map((m) => m.jobId),
          [...delays].sort((a, b) => a - b).map((d) => `t-${d}`),
        );
      });
    });

    describe('when the handler throws', function () {
      it('should redeliver with deliveryAttempt 2, 3 after the backoff', async function () {
        // given
        const seen = record(queue, 'service', async (m) => {
          if (m.deliveryAttempt < 3) throw new Error(`fail attempt ${m.deliveryAttempt}`);
        });

        // when
        await queue.publish({ queue: 'service', jobId: 'flaky', data: { k: 'v' } });
        await waitFor(() => seen.finished('flaky'));

        // then
        const deliveries = seen.of('flaky');
        assert.deepEqual(
          deliveries.map((m) => [m.deliveryAttempt, m.data]),
          [
            [1, { k: 'v' }],
            [2, { k: 'v' }],
            [3, { k: 'v' }],
          ],
        );
        const times = seen.times('flaky');
        const { backoffMs } = CONTRACT_RETRY_OPTIONS;
        assert.ok(times[1]! - times[0]! >= backoffMs, 'redelivery 1 waits 1 × backoff');
        assert.ok(times[2]! - times[1]! >= 3 * backoffMs, 'redelivery 2 waits 3 × backoff');
      });

      it('should stop after `attempts` deliveries', async function () {
        // given
        const seen = record(queue, 'service', async () => {
          throw new Error('always fails');
        });

        // when
        await queue.publish({ queue: 'service', jobId: 'doomed', data: {} });
        await waitFor(() => seen.of('doomed').length === CONTRACT_RETRY_OPTIONS.attempts);
        await sleep(200); // a further redelivery would come 70 ms later

        // then
        assert.equal(seen.of('doomed').length, CONTRACT_RETRY_OPTIONS.attempts);
      });
    });

    describe('#holds', function () {
      /** Polls an async answer until it equals `expected` (Bull records a finish a moment after the handler). */
      async function until(check: () => Promise<boolean>, expected: boolean, what: string) {
        const deadline = Date.now() + 2000;
        while ((await check()) !== expected) {
          if (Date.now() > deadline) throw new Error(`Expected ${what} to be ${expected} within 2000 ms`);
          await sleep(5);
        }
      }

      it('should hold a message until it is done, and not one it never had', async function () {
        // given
        assert.equal(await queue.holds!('timer', 'never'), false, 'never published');
        await queue.publish({ queue: 'timer', jobId: 'later', data: {}, delayMs: 60_000 });
        await queue.publish({ queue: 'service', jobId: 'busy', data: {} });
        const release = gate();
        const seen = record(queue, 'service', async (m) => {
          if (m.jobId === 'busy') await release.promise;
        });
        await waitFor(() => seen.of('busy').length === 1);

        // then: delayed and active are held; another queue's id is not
        assert.equal(await queue.holds!('timer', 'later'), true, 'delayed');
        assert.equal(await queue.holds!('service', 'busy'), true, 'active');
        assert.equal(await queue.holds!('service', 'later'), false, 'the id in another queue');

        // and once done it is no longer held
        release.open();
        await until(() => queue.holds!('service', 'busy'), false, 'held after completion');
      });

      it('should not hold a message given up after its last attempt', async function () {
        // given
        let failures = 0;
        const seen = record(queue, 'service', async () => {
          failures++;
          throw new Error('fails');
        });
        await queue.publish({ queue: 'service', jobId: 'flaky', data: {} });
        await waitFor(() => seen.of('flaky').length === CONTRACT_RETRY_OPTIONS.attempts);

        // then after the last attempt it is given up
        await until(() => queue.holds!('service', 'flaky'), false, 'held after its last attempt');
        assert.equal(failures, CONTRACT_RETRY_OPTIONS.attempts);
      });
    });

    describe('concurrency', function () {
      it('should run one handler at a time by default', async function () {
        // given
        const load = measureLoad(queue, 'service', 20);

        // when
        await Promise.all(
          range(6).map((i) => queue.publish({ queue: 'service', jobId: `c-${i}`, data: {} })),
        );
        await waitFor(() => load.done === 6);

        // then
        assert.equal(load.maxInFlight, 1);
      });

      it('should overlap up to N handlers and never more', async function () {
        // given
        const load = measureLoad(queue, 'service', 40, 3);

        // when
        await Promise.all(
          range(12).map((i) => queue.publish({ queue: 'service', jobId: `c-${i}`, data: {} })),
        );
        await waitFor(() => load.done === 12);

        // then
        assert.ok(load.maxInFlight <= 3, `${load.maxInFlight} handlers ran at once`);
        assert.ok(load.maxInFlight >= 2, 'handlers never overlapped');
      });

      it('should keep queues independent', async function () {
        // given
        const release = gate();
        const service = record(queue, 'service', () => release.promise);
        const timer = record(queue, 'timer');
        await queue.publish({ queue: 'service', jobId: 'slow', data: {} });
        await waitFor(() => service.all.length === 1);

        // when
        await queue.publish({ queue: 'timer', jobId: 'fast', data: {} });

        // then
        await waitFor(() => timer.finished('fast'));
        assert.equal(service.finished('slow'), false);
        release.open();
        await waitFor(() => service.finished('slow'));
      });
    });

    describe('#close', function () {
      it('should wait for the handler in flight and deliver nothing afterwards', async function () {
        // given
        const release = gate();
        const seen = record(queue, 'continue', async (m) => {
          if (m.jobId === 'in-flight') await release.promise;
        });
        await queue.publish({ queue: 'continue', jobId: 'in-flight', data: {} });
        await queue.publish({ queue: 'continue', jobId: 'queued-behind', data: {} });
        await queue.publish({ queue: 'continue', jobId: 'due-soon', data: {}, delayMs: 60 });
        await waitFor(() => seen.all.length === 1);

        // when
        let closed = false;
        const closing = queue.close().then(() => {
          closed = true;
        });
        await sleep(50);
        const closedBeforeRelease = closed;
        release.open();
        await closing;
        await sleep(150);

        // then
        assert.equal(closedBeforeRelease, false, 'close must wait for the handler in flight');
        assert.equal(seen.finished('in-flight'), true);
        assert.deepEqual(
          seen.all.map((m) => m.jobId),
          ['in-flight'],
        );
        assert.equal(queue.isReady(), false);
        await assert.rejects(queue.publish({ queue: 'continue', jobId: 'late', data: {} }), /closed/);
      });
    });

    describe('under load', function () {
      it('should deliver 1 000 messages exactly once', async function () {
        // given
        const seen = record(queue, 'route', undefined, { concurrency: 8 });
        const ids = range(1000).map((i) => `m-${i}`);

        // when
        await Promise.all(ids.map((jobId, i) => queue.publish({ queue: 'route', jobId, data: { i } })));
        await waitFor(() => seen.all.length >= ids.length, 8000);
        await sleep(100);

        // then
        assert.equal(seen.all.length, ids.length);
        assert.deepEqual(new Set(seen.all.map((m) => m.jobId)), new Set(ids));
        assert.ok(seen.all.every((m) => m.data.i === Number(m.jobId.slice(2))));
      });
    });
  });
}

/** Polls `predicate` every few milliseconds; rejects with `what` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 2000,
  what = predicate.toString(),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`Expected within ${timeoutMs} ms: ${what}`);
    }
    await sleep(5);
  }
}

/** Resolves after `ms`; only for short "nothing else happens" windows. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// helpers //////

interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

interface Recording {
  /** Every delivery, in delivery order. */
  readonly all: DeliveredMessage[];
  of(jobId: string): DeliveredMessage[];
  /** `Date.now()` at each delivery of `jobId`. */
  times(jobId: string): number[];
  /** `Date.now()` at the first delivery of `jobId`. */
  at(jobId: string): number;
  /** True once a delivery of `jobId` returned without throwing. */
  finished(jobId: string): boolean;
}

function createGate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Consumes `queue`, recording deliveries (time taken before `behave` runs) and successful finishes. */
function record(
  workQueue: WorkQueue,
  queue: QueueName,
  behave?: (message: DeliveredMessage) => Promise<void>,
  options?: { concurrency: number },
): Recording {
  const all: DeliveredMessage[] = [];
  const times: number[] = [];
  const finished = new Set<string>();
  workQueue.consume(
    queue,
    async (message) => {
      all.push(message);
      times.push(Date.now());
      await behave?.(message);
      finished.add(message.jobId);
    },
    options,
  );
  return {
    all,
    of: (jobId) => all.filter((m) => m.jobId === jobId),
    times: (jobId) => times.filter((_, i) => all[i]!.jobId === jobId),
    at(jobId) {
      const i = all.findIndex((m) => m.jobId === jobId);
      assert.ok(i >= 0, `${jobId} was never delivered`);
      return times[i]!;
    },
    finished: (jobId) => finished.has(jobId),
  };
}

/**
 * Publishes a sentinel and waits for it. With one handler at a time, anything published before it (a duplicate
 * included) would be delivered first, so after the barrier "not delivered" means "never will be".
 */
async function barrier(
  workQueue: WorkQueue,
  seen: Recording,
  queue: QueueName,
  label = 'barrier',
): Promise<void> {
  const jobId = `${label}-${Date.now()}`;
  await workQueue.publish({ queue, jobId, data: {} });
  await waitFor(() => seen.finished(jobId), 2000, `sentinel ${jobId} delivered`);
}

function measureLoad(workQueue: WorkQueue, queue: QueueName, busyMs: number, concurrency?: number) {
  const load = { inFlight: 0, maxInFlight: 0, done: 0 };
  workQueue.consume(
    queue,
    async () => {
      load.inFlight += 1;
      load.maxInFlight = Math.max(load.maxInFlight, load.inFlight);
      await sleep(busyMs);
      load.inFlight -= 1;
      load.done += 1;
    },
    concurrency === undefined ? undefined : { concurrency },
  );
  return load;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
