import assert from 'node:assert/strict';
import { createEngine, type WorkQueue } from '../../../../engine/index.js';
import { InProcessWorkQueue, obliterateBullPrefix } from '../../../../engine/adapters/index.js';
import {
  createTestEngine,
  forEachBackend,
  REDIS_URL,
  type TestEngine,
  waitFor,
} from '../../../helpers/engine-harness.js';
import { serviceChain } from '../../../helpers/bpmn-builder.js';

/** A queue whose publish fails while `down` is set, as when Redis is unreachable or the process dies after commit. */
function flakyQueue(inner: WorkQueue): WorkQueue & { down: boolean } {
  return {
    down: true,
    publish(message) {
      return this.down ? Promise.reject(new Error('queue unreachable')) : inner.publish(message);
    },
    consume: (queue, handler, options) => inner.consume(queue, handler, options),
    isReady: () => inner.isReady(),
    close: () => inner.close(),
  };
}

forEachBackend('durability/outbox-relay', (backend) => {
  let t: TestEngine;
  const ran: string[] = [];
  const handlers = {
    'test.step': async (job: { instanceId: string }) => {
      ran.push(job.instanceId);
      return {};
    },
  };
  beforeEach(async function () {
    ran.length = 0;
    t = await createTestEngine(backend);
    await t.engine.deploy(serviceChain('relayChain', 1, 'test.step'));
  });
  afterEach(() => t?.close());

  it('should publish a job committed while the queue was down, once the relay runs', async function () {
    // given an engine whose queue refuses the publish right after commit
    const queue = flakyQueue(t.infrastructure.queue);
    const engine = createEngine({
      store: t.infrastructure.store,
      queue,
      handlers,
      relay: { intervalMs: 50, graceMs: 100 },
    });
    const instance = await engine.startInstance('relayChain');
    const [job] = await t.infrastructure.knex('jobs').where({ instance_id: instance.id });
    assert.equal(job.published_at, null);

    // when the queue is back and the relay runs
    queue.down = false;
    await engine.startWorkers();

    // then the job runs exactly once and the instance completes
    await waitFor(
      async () => (await engine.getInstance(instance.id)).status === 'completed',
      'the instance to complete',
    );
    assert.deepEqual(ran, [instance.id]);
    const [after] = await t.infrastructure.knex('jobs').where({ instance_id: instance.id });
    assert.equal(after.state, 'done');
    await engine.stop();
  });

  it('should publish again a job whose wake-up was lost (queue emptied), after the reconcile horizon', async function () {
    // given a job published to a queue that then loses it
    const instance = await t.engine.startInstance('relayChain');
    // recorded as published (else the relay, not the reconciler, publishes it: published-marks.ts)
    await waitFor(
      async () =>
        (await t.infrastructure.knex('jobs').where({ instance_id: instance.id }).whereNull('published_at'))
          .length === 0,
      'the job marked published',
    );
    // (Bull: its keys are wiped; in-process: a new queue stands for a restarted process, which kept nothing)
    if (backend === 'mysql') await obliterateBullPrefix(REDIS_URL, t.queuePrefix!);
    const queue = backend === 'mysql' ? t.infrastructure.queue : new InProcessWorkQueue();
    const engine = createEngine({
      store: t.infrastructure.store,
      queue,
      handlers,
      relay: { intervalMs: 50, graceMs: 100, horizonMs: 300 },
    });

    // when workers run with the reconciler
    await engine.startWorkers();

    // then the job is published again under a new id and runs once
    await waitFor(
      async () => (await engine.getInstance(instance.id)).status === 'completed',
      'the instance to complete',
    );
    assert.deepEqual(ran, [instance.id]);
    const [job] = await t.infrastructure.knex('jobs').where({ instance_id: instance.id });
    assert.equal(job.publish_seq, 1);
    await engine.stop();
  });

  it('should leave alone a job the queue still holds, however late (a backlog is not a lost wake-up)', async function () {
    // given a job published and waiting in the queue, with nothing consuming it, past the reconcile horizon
    const instance = await t.engine.startInstance('relayChain');
    const published = async () =>
      (await t.infrastructure.knex('jobs').where({ instance_id: instance.id }).first()) as {
        publish_seq: number;
        published_at: unknown;
      };
    await waitFor(async () => (await published()).published_at !== null, 'the job marked published');
    const horizon = { intervalMs: 60_000, graceMs: 100, horizonMs: 200 };
    await new Promise((r) => setTimeout(r, 400));

    // when the reconciler runs on the queue that holds it
    const sameQueue = createEngine({
      store: t.infrastructure.store,
      queue: t.infrastructure.queue,
      relay: horizon,
    });
    assert.ok((await sameQueue.reconcile()) >= 1, 'the job is stale by its times');

    // then it is not published again
    assert.equal(Number((await published()).publish_seq), 0);

    // and on a queue that lost it, it is
    if (backend === 'mysql') await obliterateBullPrefix(REDIS_URL, t.queuePrefix!);
    const emptied = backend === 'mysql' ? t.infrastructure.queue : new InProcessWorkQueue();
    const lost = createEngine({ store: t.infrastructure.store, queue: emptied, relay: horizon });
    await lost.reconcile();
    assert.equal(Number((await published()).publish_seq), 1);
    if (backend !== 'mysql') await emptied.close();
  });

  it('should publish every pending job at start when the queue keeps nothing (sweep on start)', async function () {
    // given jobs committed and published to a queue that is then gone
    const a = await t.engine.startInstance('relayChain');
    const b = await t.engine.startInstance('relayChain');
    // recorded as published (the marks of commands are written a moment later: published-marks.ts)
    await waitFor(
      async () =>
        (await t.infrastructure.knex('jobs').whereIn('instance_id', [a.id, b.id]).whereNull('published_at'))
          .length === 0,
      'both jobs marked published',
    );
    if (backend === 'mysql') await obliterateBullPrefix(REDIS_URL, t.queuePrefix!);
    const engine = createEngine({ store: t.infrastructure.store, queue: new InProcessWorkQueue(), handlers });

    // when
    await engine.startWorkers({ sweepOnStart: true });

    // then without waiting for any horizon
    await waitFor(
      async () => {
        const views = await Promise.all([engine.getInstance(a.id), engine.getInstance(b.id)]);
        return views.every((v) => v.status === 'completed');
      },
      'both instances to complete',
      5000,
    );
    assert.deepEqual([...ran].sort(), [a.id, b.id].sort());
    await engine.stop();
  });
});
