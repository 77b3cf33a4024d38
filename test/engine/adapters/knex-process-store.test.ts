import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../helpers/engine-harness.js';
import { parallelBranches, singleTask } from '../../helpers/bpmn-builder.js';
import {
  isTransientDatabaseError,
  KnexProcessStore,
} from '../../../engine/adapters/knex/knex-process-store.js';
import { verifyAuditLog } from '../../../engine/adapters/knex/audit-verify.js';
import { createEngine } from '../../../engine/index.js';

forEachBackend('adapters/knex-process-store', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.engine.deploy(singleTask('storeCase'));
    await t.engine.deploy(parallelBranches('storeBranches', 3));
  });

  /** The SQL sent while `fn` runs (a MySQL batch is one entry with its statements joined). */
  async function sqlSentDuring(fn: () => Promise<unknown>): Promise<string[]> {
    const sent: string[] = [];
    const listen = (q: { sql: string }) => sent.push(q.sql);
    t.infrastructure.knex.on('query', listen);
    try {
      await fn();
    } finally {
      t.infrastructure.knex.off('query', listen);
    }
    return sent;
  }
  const readsChainHead = (sql: string) => /select[^;]*from [`"]audit_log[`"]/i.test(sql);
  const looksUpTaskInstance = (sql: string) =>
    sql.includes('fbpm_task_instance') || /select [`"]instance_id[`"] from [`"]user_tasks[`"]/i.test(sql);
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

  it('should load a known task by its instance id, without reading the chain head it keeps', async function () {
    // given an instance this store started (it knows the task's instance and the chain head it wrote)
    const instance = await t.engine.startInstance('storeCase');
    const [task] = await t.engine.listTasks({ instanceId: instance.id });

    // when the task is completed
    const sent = await sqlSentDuring(() => t.engine.completeTask(task!.id, { variables: { opinion: 'ok' } }));

    // then neither the task → instance lookup nor the head query ran, and the chain is whole
    assert.ok(sent.length > 0);
    assert.deepEqual(
      sent.filter((sql) => looksUpTaskInstance(sql) || readsChainHead(sql)),
      [],
    );
    assert.equal((await t.engine.getInstance(instance.id)).status, 'completed');
    const audit = await verifyAuditLog(t.infrastructure.knex, { chainId: `instance:${instance.id}` });
    assert.equal(audit.problem, null);
    assert.equal(audit.ok, true);
  });

  it('should keep the audit chain whole when another process commits between two of its commands', async function () {
    // given two stores on one database, as two worker processes have
    const other = new KnexProcessStore(t.infrastructure.knex);
    const otherEngine = createEngine({ store: other, queue: t.infrastructure.queue });
    const instance = await t.engine.startInstance('storeBranches');
    const tasks = await t.engine.listTasks({ instanceId: instance.id });
    const byElement = (id: string) => tasks.find((x) => x.elementId === id)!.id;

    // when this store, the other, then this store again (its remembered head now stale) complete the branches
    await t.engine.completeTask(byElement('b1'));
    await otherEngine.completeTask(byElement('b2'));
    const sent = await sqlSentDuring(() => t.engine.completeTask(byElement('b3')));

    // then the last command read the head the other store appended, and every chain row links up
    assert.equal(sent.filter(readsChainHead).length, 1);
    assert.equal((await t.engine.getInstance(instance.id)).status, 'completed');
    const audit = await verifyAuditLog(t.infrastructure.knex, { chainId: `instance:${instance.id}` });
    assert.equal(audit.problem, null);
    assert.equal(audit.rows, (await t.engine.history(instance.id)).length);
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
