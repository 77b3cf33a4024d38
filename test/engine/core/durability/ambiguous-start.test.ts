/**
 * A start whose COMMIT took effect but whose answer was lost, while the store stays briefly unavailable: the
 * engine must find the instance it already created, not run the start again into its own primary key. The store
 * is the real one (MariaDB or SQLite); only its answers are disturbed, as a lost connection would disturb them.
 */
import assert from 'node:assert/strict';
import { createEngine, TransientStoreError, type ProcessStore } from '../../../../engine/index.js';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../helpers/engine-harness.js';
import { singleTask } from '../../../helpers/bpmn-builder.js';

/** The store, with its first commit reported as failed after it committed, and `getInstance` failing `n` times. */
function storeLosingAnswers(store: ProcessStore, failedReads: number): ProcessStore {
  let commits = 0;
  let reads = 0;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'commit')
        return async (...args: unknown[]) => {
          await (value as (...a: unknown[]) => Promise<void>).apply(target, args);
          if (++commits === 1) throw new TransientStoreError('Database unavailable or busy: connection lost');
        };
      if (property === 'getInstance')
        return async (...args: unknown[]) => {
          if (++reads <= failedReads)
            throw new TransientStoreError('Database unavailable or busy: read reset');
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

forEachBackend('durability/a start whose commit answer was lost', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.engine.deploy(singleTask('lostStart'));
  });
  after(() => t?.close());

  it('should answer the instance it created although the store failed the first reads after the commit', async function () {
    // given a store that loses the start's COMMIT answer, then fails the next two existence reads
    const engine = createEngine({
      store: storeLosingAnswers(t.infrastructure.store, 2),
      queue: t.infrastructure.queue,
    });

    // when an instance is started
    const started = await engine.startInstance('lostStart', { businessKey: 'lost-answer-1' });

    // then it is the one instance of that business key, started once
    const instances = await t.engine.listInstances({ businessKey: 'lost-answer-1' });
    assert.deepEqual(
      instances.map((i) => i.id),
      [started.id],
    );
    const history = await t.engine.history(started.id);
    assert.equal(history.filter((h) => h.type === 'INSTANCE_STARTED').length, 1);
    assert.equal((await t.openTasks(started.id)).length, 1);
  });

  it('should report the store unavailable, not a duplicate key, when it cannot find out', async function () {
    // given a store that loses the start's COMMIT answer and fails every existence read
    const engine = createEngine({
      store: storeLosingAnswers(t.infrastructure.store, Number.MAX_SAFE_INTEGER),
      queue: t.infrastructure.queue,
      maxCommandAttempts: 3,
    });

    // when an instance is started, then the caller hears "unavailable: try again"
    await assert.rejects(engine.startInstance('lostStart', { businessKey: 'lost-answer-2' }), {
      code: 'STORE_UNAVAILABLE',
    });
    // and the instance exists once (a retry with the same request key would find it)
    assert.equal((await t.engine.listInstances({ businessKey: 'lost-answer-2' })).length, 1);
  });
});
