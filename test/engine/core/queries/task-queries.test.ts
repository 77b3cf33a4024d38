/**
 * Task queries in SQL: filters through the instance (business key, org subtree), time bounds, states for task
 * history (已办), visibleTo (assignee, owner, completer, or unassigned candidate), counts and stable paging.
 */
import assert from 'node:assert/strict';
import type { TaskQuery, TaskRecord } from '../../../../engine/index.js';
import {
  createTestEngine,
  forEachBackend,
  TestClock,
  type TestEngine,
} from '../../../helpers/engine-harness.js';
import { ORGS, seed, type Seeded } from './seed.js';

forEachBackend('queries/tasks (instance filters, history, visibility, counts)', (backend) => {
  let t: TestEngine;
  let s: Seeded;
  before(async function () {
    const clock = new TestClock();
    t = await createTestEngine(backend, { clock });
    await t.deployFixture(import.meta, 'queries.bpmn');
    s = await seed(t, clock);
  });
  after(() => t?.close());

  /** `<seed name>.<element id>` of each task, sorted. */
  const label = (tasks: readonly TaskRecord[]) =>
    tasks.map((x) => `${s.names([{ id: x.instanceId }])[0]}.${x.elementId}`).sort();
  const find = async (query: TaskQuery) => label(await t.engine.listTasks({ maxResults: 1000, ...query }));

  it('lists open tasks by default, narrowed by instance, process key, element and id', async function () {
    assert.deepEqual(await find({}), [
      'child.fill',
      'gy.approve',
      'none.fill',
      'school.fill',
      'under.fill',
      'zm.review',
    ]);
    assert.deepEqual(await find({ instanceId: s.id.gy }), ['gy.approve']);
    assert.deepEqual(await find({ elementId: 'review' }), ['zm.review']);
    assert.deepEqual(await find({ processKey: 'expenseBatch' }), []);
    const [one] = await t.engine.listTasks({ elementId: 'approve' });
    assert.deepEqual(await find({ taskId: one!.id }), ['gy.approve']);
    assert.deepEqual(await find({ taskId: one!.id, state: 'completed' }), []);
  });

  it('narrows through the instance: business key and org subtree', async function () {
    assert.deepEqual(await find({ businessKey: 'BX-001' }), ['zm.review']);
    assert.deepEqual(await find({ businessKey: 'BX-005' }), ['child.fill']);
    assert.deepEqual(await find({ orgPathPrefix: ORGS.zhongmou.path }), ['school.fill', 'zm.review']);
    assert.deepEqual(await find({ orgPathPrefix: ORGS.gongyi.path }), ['child.fill', 'gy.approve']);
    assert.deepEqual(await find({ orgPathPrefix: ORGS.underscore.path }), ['under.fill']);
    assert.deepEqual(await find({ orgPathPrefix: ORGS.gongyi.path, businessKey: 'BX-001' }), []);
  });

  it('narrows by due and creation time, bounds inclusive', async function () {
    const [review] = await t.engine.listTasks({ elementId: 'review' });
    assert.ok(review!.dueAt, 'the review has a due date');
    assert.deepEqual(await find({ dueBefore: review!.dueAt! }), ['zm.review']);
    assert.deepEqual(await find({ dueAfter: review!.dueAt! + 1 }), []);
    assert.deepEqual(await find({ createdAfter: s.view.under.startedAt }), ['under.fill']);
    assert.deepEqual(await find({ createdBefore: s.view.gy.startedAt - 1 }), ['zm.review']);
    assert.deepEqual(await find({ createdBefore: s.view.gy.startedAt }), ['gy.approve', 'zm.review']);
  });

  it('lists task history: completed by a user, or any of several states', async function () {
    assert.deepEqual(await find({ state: 'completed', completedBy: 'zm.clerk' }), ['zm.fill']);
    assert.deepEqual(await find({ state: 'completed', completedBy: 'reviewerB' }), ['gy.review']);
    assert.deepEqual(await find({ states: ['completed', 'canceled'] }), [
      'gy.fill',
      'gy.review',
      'look.fill',
      'zm.fill',
    ]);
    assert.deepEqual(await find({ states: ['canceled'] }), ['look.fill']);
    const history = await t.engine.listTasks({ states: ['completed'], sortBy: 'endedAt', sortOrder: 'desc' });
    assert.equal(history.length, 3);
    assert.deepEqual(
      history.map((x) => x.endedAt),
      [...history.map((x) => x.endedAt!)].sort((x, y) => y - x),
      'latest completion first',
    );
    assert.deepEqual(label(history.slice(-1)), ['zm.fill'], 'the earliest completion last');
  });

  it('shows a user only the tasks assigned to, delegated by, completed by them, or unassigned with them as candidate', async function () {
    const visible = (userId: string, extra: TaskQuery = {}) => find({ ...extra, visibleTo: { userId } });
    assert.deepEqual(await visible('reviewerA'), ['zm.review'], 'unassigned candidate');
    assert.deepEqual(await visible('director'), ['gy.approve']);
    assert.deepEqual(await visible('helper'), ['none.fill'], 'delegate');
    assert.deepEqual(await visible('free.clerk'), ['none.fill'], 'owner of a delegated task');
    assert.deepEqual(await visible('gy.clerk'), ['child.fill']);
    assert.deepEqual(await visible('stranger'), []);
    assert.deepEqual(await visible('reviewerB', { state: 'completed' }), ['gy.review'], 'completed it');
    assert.deepEqual(await find({ candidateUser: 'reviewerA', state: 'completed' }), ['gy.review']);
    assert.deepEqual(
      await visible('reviewerA', { state: 'completed' }),
      [],
      'a candidate of a task someone else took',
    );
  });

  it('keeps the older assignee / candidate filters working (inbox)', async function () {
    assert.deepEqual(await find({ assignee: 'director' }), ['gy.approve']);
    assert.deepEqual(await find({ candidateUser: 'reviewerA' }), ['zm.review']);
    assert.deepEqual(await find({ assignee: 'gy.clerk', candidateUser: 'reviewerB' }), [
      'child.fill',
      'zm.review',
    ]);
  });

  it('counts exactly what the unpaged list holds', async function () {
    const queries: TaskQuery[] = [
      {},
      { states: ['completed', 'canceled'] },
      { orgPathPrefix: '/410000/' },
      { businessKey: 'BX-002', state: 'completed' },
      { visibleTo: { userId: 'reviewerB' }, states: ['created', 'completed'] },
      { candidateUser: 'reviewerA' },
    ];
    for (const query of queries) {
      const count = await t.engine.countTasks(query);
      const list = await t.engine.listTasks({ ...query, maxResults: 1000 });
      assert.equal(count, list.length, JSON.stringify(query));
    }
    assert.equal(await t.engine.countTasks({}), 6);
    assert.equal(await t.engine.countTasks({ maxResults: 1 }), 6);
  });

  it('sorts and pages stably', async function () {
    const byPriority = await t.engine.listTasks({ sortBy: 'priority', sortOrder: 'desc', maxResults: 1 });
    assert.deepEqual(label(byPriority), ['gy.approve']);
    const all = await t.engine.listTasks({ sortBy: 'createdAt' });
    assert.deepEqual(
      all.map((x) => x.createdAt),
      [...all.map((x) => x.createdAt)].sort((a, b) => a - b),
    );
    const paged: TaskRecord[] = [];
    for (let first = 0; first < all.length; first += 4)
      paged.push(...(await t.engine.listTasks({ sortBy: 'createdAt', firstResult: first, maxResults: 4 })));
    assert.deepEqual(
      paged.map((x) => x.id),
      all.map((x) => x.id),
    );
  });
});
