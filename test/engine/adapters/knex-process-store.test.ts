import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../helpers/engine-harness.js';
import { singleTask } from '../../helpers/bpmn-builder.js';
import { isTransientDatabaseError } from '../../../engine/adapters/knex/knex-process-store.js';

forEachBackend('adapters/knex-process-store', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.engine.deploy(singleTask('storeCase'));
  });
  after(() => t?.close());

  it('should refuse a commit whose expected version moved, writing nothing', async function () {
    // given
    const instance = await t.engine.startInstance('storeCase');
    const store = t.infrastructure.store;
    const snapshot = (await store.loadInstance(instance.id))!;

    // when a change set claims an old version
    const stale = {
      instance: { ...snapshot.instance, version: snapshot.instance.version + 1, status: 'canceled' as const },
      expectedVersion: snapshot.instance.version - 1,
      executionsInserted: [],
      executionsUpdated: [],
      executionsDeleted: snapshot.executions.map((e) => e.id),
      variablesSet: { sneaky: true },
      tasksInserted: [],
      tasksUpdated: [],
      taskCandidatesReplaced: [],
      jobsInserted: [],
      jobsUpdated: [],
      incidentsInserted: [],
      incidentsUpdated: [],
      subscriptionsInserted: [],
      subscriptionsDeleted: [],
      messagesInserted: [],
      messagesConsumed: [],
      guardedJobUpdates: [],
      carbonCopiesInserted: [],
      openTaskDelta: 0,
      history: [
        {
          type: 'INSTANCE_CANCELED' as const,
          elementId: null,
          elementType: null,
          executionId: null,
          taskId: null,
          actor: 'x',
          at: 1,
          data: null,
        },
      ],
    };

    // then
    await assert.rejects(store.commit(stale), { code: 'CONCURRENT_MODIFICATION' });
    const after = (await store.loadInstance(instance.id))!;
    assert.equal(after.instance.status, 'running');
    assert.equal(after.executions.length, snapshot.executions.length);
    assert.equal(after.variables.sneaky, undefined);
    assert.equal(
      (await store.listHistory(instance.id)).filter((h) => h.type === 'INSTANCE_CANCELED').length,
      0,
    );
  });

  it('should keep times in UTC with milliseconds', async function () {
    const instance = await t.engine.startInstance('storeCase');
    const row = await t.infrastructure.store.getInstance(instance.id);
    assert.equal(row!.startedAt, instance.startedAt);
    assert.ok(Math.abs(row!.startedAt - Date.now()) < 60_000, 'start time is now, in UTC');
    if (backend === 'mysql') {
      const [[raw]] = await t.infrastructure.knex.raw(
        'SELECT DATE_FORMAT(started_at, "%Y-%m-%dT%H:%i:%s.%f") AS s FROM process_instances WHERE id = ?',
        [instance.id],
      );
      assert.equal(`${raw.s.slice(0, 23)}Z`, new Date(instance.startedAt).toISOString());
    }
  });

  it('should never store the same history position twice', async function () {
    const instance = await t.engine.startInstance('storeCase');
    const [first] = await t.infrastructure
      .knex('history_events')
      .where({ instance_id: instance.id })
      .orderBy('id');
    const { id: _id, ...copy } = first;
    await assert.rejects(t.infrastructure.knex('history_events').insert(copy));
  });
});

describe('adapters/knex-process-store#isTransientDatabaseError', function () {
  it('should treat deadlocks, lock waits and lost connections as retryable, and other errors not', function () {
    assert.ok(isTransientDatabaseError({ errno: 1213, code: 'ER_LOCK_DEADLOCK' }));
    assert.ok(isTransientDatabaseError({ errno: 1205 }));
    assert.ok(isTransientDatabaseError({ code: 'PROTOCOL_CONNECTION_LOST' }));
    assert.ok(isTransientDatabaseError({ code: 'SQLITE_BUSY' }));
    assert.ok(!isTransientDatabaseError({ errno: 1062, code: 'ER_DUP_ENTRY' }));
    assert.ok(!isTransientDatabaseError(new Error('syntax')));
  });
});
