/**
 * Instance queries in SQL: every InstanceQuery filter narrows to the exact set, org subtrees are prefixes (with
 * `_` taken literally), visibleTo combines org scope with involvement, counts equal list lengths, paging is stable,
 * and a call activity's child inherits its caller's org.
 */
import assert from 'node:assert/strict';
import type { InstanceQuery } from '../../../../engine/index.js';
import {
  createTestEngine,
  forEachBackend,
  TestClock,
  type TestEngine,
} from '../../../helpers/engine-harness.js';
import { ORGS, seed, type Seeded } from './seed.js';

forEachBackend('queries/instances (org scope, filters, counts, paging)', (backend) => {
  let t: TestEngine;
  let s: Seeded;
  before(async function () {
    const clock = new TestClock();
    t = await createTestEngine(backend, { clock });
    await t.deployFixture(import.meta, 'queries.bpmn');
    s = await seed(t, clock);
  });
  after(() => t?.close());

  const find = async (query: InstanceQuery) =>
    s.names(await t.engine.listInstances({ maxResults: 1000, ...query }));

  it('stores the org of a start and exposes it on the view; instances started without one have null', async function () {
    assert.equal(s.view.zm.orgCode, ORGS.zhongmou.code);
    assert.equal(s.view.zm.orgPath, ORGS.zhongmou.path);
    assert.equal(s.view.none.orgCode, null);
    assert.equal(s.view.none.orgPath, null);
    const [record] = await t.engine.listInstances({ instanceId: s.id.gy });
    assert.deepEqual([record!.orgCode, record!.orgPath], [ORGS.gongyi.code, ORGS.gongyi.path]);
  });

  it('gives a call activity child the org (and initiator, business key) of its caller', async function () {
    assert.equal(s.view.child.parentInstanceId, s.id.batch);
    assert.deepEqual([s.view.child.orgCode, s.view.child.orgPath], [ORGS.gongyi.code, ORGS.gongyi.path]);
    assert.equal(s.view.child.initiator, 'gy.clerk');
    assert.equal(s.view.child.businessKey, 'BX-005');
  });

  it('refuses a malformed org at start', async function () {
    await assert.rejects(
      t.engine.startInstance('expense', { org: { code: 'x'.repeat(33), path: '/410000/' } }),
      { code: 'INVALID_VARIABLES' },
    );
    await assert.rejects(
      t.engine.startInstance('expense', { org: { code: '410122' } as { code: string; path: string } }),
      { code: 'INVALID_VARIABLES' },
    );
  });

  it('narrows by process key, business key, instance id, initiator and status', async function () {
    assert.deepEqual(await find({ processKey: 'expenseBatch' }), ['batch']);
    assert.equal((await find({ processKey: 'expense' })).length, 7);
    assert.deepEqual(await find({ businessKey: 'BX-002' }), ['gy']);
    assert.deepEqual(await find({ businessKey: 'BX-005' }), ['batch', 'child']);
    assert.deepEqual(await find({ instanceId: s.id.school }), ['school']);
    assert.deepEqual(await find({ initiator: 'gy.clerk' }), ['batch', 'child', 'gy']);
    assert.deepEqual(await find({ status: 'canceled' }), ['look']);
    assert.deepEqual(await find({ status: 'running', businessKey: 'BX-007' }), []);
  });

  it('narrows by start time, bounds inclusive', async function () {
    assert.deepEqual(await find({ startedBefore: s.view.gy.startedAt }), ['gy', 'zm']);
    assert.deepEqual(await find({ startedAfter: s.view.batch.startedAt }), [
      'batch',
      'child',
      'look',
      'under',
    ]);
    assert.deepEqual(
      await find({ startedAfter: s.view.gy.startedAt, startedBefore: s.view.school.startedAt }),
      ['gy', 'school'],
    );
  });

  it('narrows to an org subtree by path prefix, taking LIKE wildcards literally', async function () {
    assert.deepEqual(await find({ orgPathPrefix: ORGS.zhongmou.path }), ['school', 'zm']);
    assert.deepEqual(await find({ orgPathPrefix: ORGS.gongyi.path }), ['batch', 'child', 'gy']);
    assert.deepEqual(await find({ orgPathPrefix: '/410000/410100/' }), [
      'batch',
      'child',
      'gy',
      'school',
      'zm',
    ]);
    assert.deepEqual(await find({ orgPathPrefix: ORGS.underscore.path }), ['under']);
    assert.deepEqual(await find({ orgPathPrefix: '/a%' }), []);
  });

  it('narrows to top-level instances or the children of one', async function () {
    assert.deepEqual(await find({ parentInstanceId: s.id.batch }), ['child']);
    const topLevel = await find({ parentInstanceId: null });
    assert.equal(topLevel.length, 7);
    assert.ok(!topLevel.includes('child'));
  });

  it('narrows by instance variables compared as stored JSON (type- and case-exact)', async function () {
    assert.deepEqual(await find({ variableEquals: [{ name: 'amountFen', value: 1000 }] }), [
      'none',
      'school',
      'zm',
    ]);
    assert.deepEqual(
      await find({
        variableEquals: [
          { name: 'amountFen', value: 1000 },
          { name: 'category', value: '差旅' },
        ],
      }),
      ['zm'],
    );
    assert.deepEqual(await find({ variableEquals: [{ name: 'category', value: 'abc' }] }), ['none']);
    assert.deepEqual(await find({ variableEquals: [{ name: 'category', value: 'Abc' }] }), ['school']);
    assert.deepEqual(await find({ variableEquals: [{ name: 'amountFen', value: '1000' }] }), []);
    assert.deepEqual(await find({ variableEquals: [{ name: 'flag', value: true }] }), ['none']);
    assert.deepEqual(await find({ variableEquals: [{ name: 'note', value: null }] }), ['none']);
    assert.deepEqual(await find({ variableEquals: [{ name: 'missing', value: null }] }), []);
  });

  describe('visibleTo', function () {
    const visible = (orgPathPrefixes: string[], userId: string, extra: InstanceQuery = {}) =>
      find({ ...extra, visibleTo: { orgPathPrefixes, userId } });

    it('shows a county its own subtree and not the sibling county', async function () {
      assert.deepEqual(await visible([ORGS.zhongmou.path], 'zm.reviewer'), ['school', 'zm']);
      assert.deepEqual(await visible([ORGS.gongyi.path], 'gy.reviewer'), ['batch', 'child', 'gy']);
      assert.deepEqual(await visible([ORGS.zhongmou.path, ORGS.gongyi.path], 'city.reviewer'), [
        'batch',
        'child',
        'gy',
        'school',
        'zm',
      ]);
    });

    it('shows users without org scope only what they are involved in', async function () {
      assert.deepEqual(await visible([], 'stranger'), []);
      assert.deepEqual(
        await visible([], 'free.clerk'),
        ['none'],
        'initiator (and owner of a delegated task)',
      );
      assert.deepEqual(await visible([], 'helper'), ['none'], 'assignee of a delegated task');
      assert.deepEqual(await visible([], 'cc.user'), ['school'], 'copied (抄送)');
      assert.deepEqual(await visible([], 'director'), ['gy'], 'assignee of an open task');
      const reviewerA = await visible([], 'reviewerA');
      assert.ok(reviewerA.includes('zm'), 'candidate of an open task');
      assert.ok(!reviewerA.includes('school') && !reviewerA.includes('none'));
      assert.deepEqual(
        await visible([], 'reviewerB'),
        ['gy', 'zm'],
        'completed a task, candidate of another',
      );
    });

    it('adds involvement to org scope, and combines with the other filters', async function () {
      assert.deepEqual(await visible([ORGS.zhongmou.path], 'gy.clerk'), [
        'batch',
        'child',
        'gy',
        'school',
        'zm',
      ]);
      assert.deepEqual(await visible([ORGS.gongyi.path], 'zm.reviewer', { instanceId: s.id.zm }), []);
      assert.deepEqual(await visible([ORGS.zhongmou.path], 'zm.reviewer', { instanceId: s.id.zm }), ['zm']);
      assert.deepEqual(await visible([], 'cc.user', { processKey: 'expenseBatch' }), []);
    });
  });

  it('counts exactly what the unpaged list holds', async function () {
    const queries: InstanceQuery[] = [
      {},
      { processKey: 'expense' },
      { orgPathPrefix: '/410000/' },
      { parentInstanceId: null, status: 'running' },
      { variableEquals: [{ name: 'amountFen', value: 1000 }] },
      { visibleTo: { orgPathPrefixes: [ORGS.gongyi.path], userId: 'reviewerB' } },
      { initiator: 'gy.clerk', startedAfter: s.view.gy.startedAt + 1 },
    ];
    for (const query of queries) {
      const count = await t.engine.countInstances(query);
      const list = await t.engine.listInstances({ ...query, maxResults: 1000 });
      assert.equal(count, list.length, JSON.stringify(query));
    }
    assert.equal(await t.engine.countInstances({}), 8);
    assert.equal(
      await t.engine.countInstances({ maxResults: 2, firstResult: 1 }),
      8,
      'paging does not count',
    );
  });

  it('sorts newest first by default and pages stably, ties broken by id', async function () {
    const all = await t.engine.listInstances({});
    assert.deepEqual(
      all.map((i) => i.startedAt),
      [...all.map((i) => i.startedAt)].sort((a, b) => b - a),
    );
    const asc = await t.engine.listInstances({ sortBy: 'startedAt', sortOrder: 'asc' });
    assert.deepEqual(s.names(asc.slice(0, 3)), ['gy', 'school', 'zm']);
    assert.deepEqual(s.names([asc[0]!]), ['zm']);
    // batch and its child started at the same moment: their order is by id, and pages never repeat or skip
    const paged = [];
    for (let first = 0; first < asc.length; first += 3)
      paged.push(
        ...(await t.engine.listInstances({
          sortBy: 'startedAt',
          sortOrder: 'asc',
          firstResult: first,
          maxResults: 3,
        })),
      );
    assert.deepEqual(
      paged.map((i) => i.id),
      asc.map((i) => i.id),
    );
    const byKey = await t.engine.listInstances({
      sortBy: 'businessKey',
      sortOrder: 'desc',
      parentInstanceId: null,
    });
    assert.deepEqual(
      byKey.map((i) => i.businessKey),
      ['BX-007', 'BX-006', 'BX-005', 'BX-004', 'BX-003', 'BX-002', 'BX-001'],
    );
    const byEnd = await t.engine.listInstances({ sortBy: 'endedAt', sortOrder: 'desc', maxResults: 1 });
    assert.deepEqual(s.names(byEnd), ['look'], 'the only ended instance sorts first, descending');
  });
});
