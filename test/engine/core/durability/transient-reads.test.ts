/**
 * A read that loses its connection wrote nothing, so the engine reads again instead of failing: a command's load
 * is re-read within the command's attempts, and a job's reads before its command are retried in the delivery,
 * not handed back to the queue for its exponential redelivery. Writes are never retried this way. The store is
 * the real one (MariaDB or SQLite); only its answers are disturbed, as a reset connection would disturb them.
 */
import assert from 'node:assert/strict';
import { createEngine, TransientStoreError, type ProcessStore } from '../../../../engine/index.js';
import { withRetriedReads } from '../../../../engine/core/retry.js';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../helpers/engine-harness.js';
import { serviceChain, singleTask } from '../../../helpers/bpmn-builder.js';

/** The store, with the first `failures[method]` calls of each named method failing as a lost connection. */
function storeResetting(store: ProcessStore, failures: Partial<Record<keyof ProcessStore, number>>) {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...a: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const n = (calls.get(String(property)) ?? 0) + 1;
        calls.set(String(property), n);
        if (n <= (failures[property as keyof ProcessStore] ?? 0))
          throw new TransientStoreError(`Database unavailable or busy: ${String(property)} reset`);
        return method.apply(target, args);
      };
    },
  });
  return { store: proxy, calls: (method: keyof ProcessStore) => calls.get(method) ?? 0 };
}

forEachBackend('durability/reads that lose their connection', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.engine.deploy(singleTask('resetRead'));
    await t.engine.deploy(serviceChain('resetJob', 1, 'reset.book'));
  });
  after(() => t?.close());

  it("should read a command's load again and complete the task once", async function () {
    // given a task, and a store whose next two loads of a task's instance are reset
    const { id } = await t.engine.startInstance('resetRead');
    const [task] = await t.openTasks(id);
    const { store, calls } = storeResetting(t.infrastructure.store, { loadTaskInstance: 2 });
    const engine = createEngine({ store, queue: t.infrastructure.queue });

    // when the task is completed
    await engine.completeTask(task!.id, { actor: 'reviewer' });

    // then it was loaded three times and completed once
    assert.equal(calls('loadTaskInstance'), 3);
    assert.equal((await t.engine.getInstance(id)).status, 'completed');
    const completed = (await t.engine.history(id)).filter((h) => h.type === 'TASK_COMPLETED');
    assert.equal(completed.length, 1);
  });

  it('should give up with STORE_UNAVAILABLE after the command attempts, having written nothing', async function () {
    // given a task, and a store whose every load of a task's instance is reset
    const { id } = await t.engine.startInstance('resetRead');
    const [task] = await t.openTasks(id);
    const { store, calls } = storeResetting(t.infrastructure.store, { loadTaskInstance: 1_000 });
    const engine = createEngine({ store, queue: t.infrastructure.queue, maxCommandAttempts: 4 });

    // when the task is completed, then the caller hears "unavailable" after 4 loads and the task is still open
    await assert.rejects(engine.completeTask(task!.id, { actor: 'reviewer' }), { code: 'STORE_UNAVAILABLE' });
    assert.equal(calls('loadTaskInstance'), 4);
    assert.equal((await t.openTasks(id)).length, 1);
  });

  it('should run a service job in one delivery although each of its reads was reset once', async function () {
    // given a service job, and a store whose first job read, instance read, variables read and load are reset
    let handlerCalls = 0;
    const { store, calls } = storeResetting(t.infrastructure.store, {
      getJob: 1,
      getInstance: 1,
      loadVariables: 1,
      loadInstance: 1,
    });
    const engine = createEngine({
      store,
      queue: t.infrastructure.queue,
      handlers: {
        'reset.book': async () => {
          handlerCalls++;
          return { bookedFen: 100 };
        },
      },
    });
    const { id } = await t.engine.startInstance('resetJob');
    const [job] = await t.engine.listJobs({ instanceId: id, state: 'pending' });

    // when the job is delivered once
    const outcome = await engine.handleJob(job!.id, job!.attempt);

    // then it ran its handler once, committed, and the instance went on to its end
    assert.equal(outcome, 'done');
    assert.equal(handlerCalls, 1);
    assert.equal(calls('getJob'), 2);
    assert.equal(calls('loadVariables'), 2);
    assert.equal((await t.engine.getInstance(id)).status, 'completed');
    assert.equal((await t.engine.listJobs({ instanceId: id, state: 'pending' })).length, 0);
  });

  it('should not retry a write', async function () {
    // given the store seen through withRetriedReads, with its next job settlement reset
    const { store, calls } = storeResetting(t.infrastructure.store, { settleJob: 1, getJob: 1 });
    const retried = withRetriedReads(store, 5);

    // when a read and a write each fail once, then the read is answered and the write fails as it is
    assert.equal(await retried.getJob('no-such-job'), undefined);
    assert.equal(calls('getJob'), 2);
    await assert.rejects(retried.settleJob('no-such-job', 1, 'canceled', Date.now()), {
      code: 'STORE_UNAVAILABLE',
    });
    assert.equal(calls('settleJob'), 1);
  });
});
