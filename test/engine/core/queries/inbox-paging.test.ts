/**
 * The inbox's pages: a query asking only for the tasks a user may see takes each page from the first rows of each
 * branch of the visible set (assigned, delegated by, candidate of). Every page, in every order, must be the slice
 * of the one full ordered list — across branches, with ties in the sort key, and never showing a task the user
 * may not see (claimed by another candidate, completed).
 */
import assert from 'node:assert/strict';
import type { TaskQuery, TaskRecord } from '../../../../engine/index.js';
import {
  createTestEngine,
  forEachBackend,
  TestClock,
  type TestEngine,
} from '../../../helpers/engine-harness.js';

const USER = 'inbox.user';

forEachBackend('queries/inbox pages taken from each branch of the visible set', (backend) => {
  let t: TestEngine;
  /** What USER may see, worked out from what was done (not from the query under test). */
  const expected = new Set<string>();

  before(async function () {
    const clock = new TestClock();
    t = await createTestEngine(backend, { clock });
    await t.deployFixture(import.meta, 'inbox-paging.bpmn');
    for (let i = 0; i < 36; i++) {
      // three instances per clock tick: ties in created and due time, broken by id
      if (i % 3 === 0) clock.advance(60_000);
      const kind = i % 4;
      const variables =
        kind === 0
          ? { assignee: USER }
          : kind === 1
            ? { assignee: null, pool: [USER, 'other.reviewer'] }
            : kind === 2
              ? { assignee: USER }
              : { assignee: null, pool: ['other.reviewer'] };
      const instance = await t.engine.startInstance('inboxPaging', { variables, initiator: 'starter' });
      const [task] = await t.engine.listTasks({ instanceId: instance.id });
      if (kind === 0 || kind === 1) expected.add(task!.id);
      if (kind === 2 && i % 8 === 2) {
        // delegated by USER: held by a helper, still in USER's inbox as its owner
        await t.engine.delegateTask(task!.id, { actor: USER, to: 'helper' });
        expected.add(task!.id);
      } else if (kind === 2) {
        // completed: gone from the open inbox
        await t.engine.completeTask(task!.id, { actor: USER });
      } else if (kind === 1 && i % 8 === 5) {
        // taken by the other candidate: no longer USER's
        await t.engine.claimTask(task!.id, { actor: 'other.reviewer' });
        expected.delete(task!.id);
      }
    }
  });
  after(() => t?.close());

  const ids = (tasks: readonly TaskRecord[]) => tasks.map((x) => x.id);

  it('shows every visible task once, and only those', async function () {
    const all = await t.engine.listTasks({ visibleTo: { userId: USER }, maxResults: 1000 });
    assert.deepEqual(new Set(ids(all)), expected);
    assert.equal(all.length, expected.size);
    assert.equal(await t.engine.countTasks({ visibleTo: { userId: USER } }), expected.size);
    assert.ok(expected.size >= 15, `a visible set across the branches (${expected.size})`);
    assert.ok(
      all.some((x) => x.owner === USER && x.assignee === 'helper'),
      'a task USER delegated',
    );
    assert.ok(
      all.some((x) => x.assignee === null),
      'a task USER is a candidate of',
    );
  });

  for (const sortBy of ['dueAt', 'createdAt', 'priority'] as const) {
    for (const sortOrder of ['asc', 'desc'] as const) {
      it(`pages by ${sortBy} ${sortOrder} are slices of the full list`, async function () {
        const base: TaskQuery = { visibleTo: { userId: USER }, sortBy, sortOrder };
        const all = await t.engine.listTasks({ ...base, maxResults: 1000 });
        const keys = all.map((x) => x[sortBy] as number);
        const sorted = [...keys].sort((a, b) => (sortOrder === 'asc' ? a - b : b - a));
        assert.deepEqual(keys, sorted, `ordered by ${sortBy} ${sortOrder}`);
        assert.ok(new Set(keys).size < keys.length, 'ties in the sort key');
        for (const size of [1, 3, 7]) {
          const paged: string[] = [];
          for (let first = 0; first < all.length + size; first += size)
            paged.push(...ids(await t.engine.listTasks({ ...base, firstResult: first, maxResults: size })));
          assert.deepEqual(paged, ids(all), `pages of ${size}`);
        }
      });
    }
  }

  it('lists a task with its own candidates, however the page was asked for', async function () {
    const pool = await t.engine.listTasks({ elementId: 'pool', maxResults: 1000 });
    assert.ok(pool.length > 2);
    for (const task of pool) {
      const [byInstance] = await t.engine.listTasks({ instanceId: task.instanceId });
      const [visible] = (await t.engine.listTasks({ visibleTo: { userId: USER }, maxResults: 1000 })).filter(
        (x) => x.id === task.id,
      );
      assert.deepEqual(byInstance!.candidateUsers, task.candidateUsers);
      if (visible) assert.deepEqual(visible.candidateUsers, task.candidateUsers);
      assert.ok(task.candidateUsers.includes('other.reviewer'), 'the pool of the task');
    }
  });

  it('leaves queries with other filters to the whole visible set', async function () {
    const [somePool] = await t.engine.listTasks({
      visibleTo: { userId: USER },
      elementId: 'pool',
      maxResults: 1,
    });
    assert.ok(somePool, 'a pool task is visible');
    const pool = await t.engine.listTasks({
      visibleTo: { userId: USER },
      elementId: 'pool',
      maxResults: 1000,
    });
    const expectedPool = (await t.engine.listTasks({ visibleTo: { userId: USER }, maxResults: 1000 })).filter(
      (x) => x.elementId === 'pool',
    );
    assert.deepEqual(new Set(ids(pool)), new Set(ids(expectedPool)));
  });
});
