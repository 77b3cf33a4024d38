import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { assertError, CHIEF, deployPayment, REVIEWER, toReview } from './task-fixtures.js';

describe('server/routes/filters (saved inbox filters)', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite');
    await deployPayment(t);
  });
  after(async () => t?.close());

  it('should save, run, count, update and delete a filter of one user', async () => {
    const a = await toReview(t);
    const b = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    const created = await reviewer.post('/api/filter/create').send({
      name: '中牟 待审核',
      query: { taskDefinitionKey: 'review', orgCode: '410122', sortOrder: 'desc' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.owner, REVIEWER);
    assert.equal(created.body.resourceType, 'Task');
    assert.deepEqual(created.body.query, {
      taskDefinitionKey: 'review',
      orgCode: '410122',
      sortOrder: 'desc',
    });
    const id = created.body.id as string;

    const listed = await reviewer.get('/api/filter');
    assert.deepEqual(
      listed.body.map((f: { id: string }) => f.id),
      [id],
    );
    const run = await reviewer.get(`/api/filter/${id}/list`);
    assert.equal(run.status, 200);
    const ids = run.body.map((x: { id: string }) => x.id);
    assert.ok(ids.includes(a.review.id) && ids.includes(b.review.id));
    assert.equal((await reviewer.get(`/api/filter/${id}/count`)).body.count, ids.length);
    const page = await reviewer.get(`/api/filter/${id}/list`).query({ maxResults: 1 });
    assert.equal(page.body.length, 1);

    const updated = await reviewer
      .put(`/api/filter/${id}`)
      .send({ name: '中牟 待审核（本单）', query: { processInstanceId: a.id } });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.name, '中牟 待审核（本单）');
    const narrowed = await reviewer.get(`/api/filter/${id}/list`);
    assert.deepEqual(
      narrowed.body.map((x: { id: string }) => x.id),
      [a.review.id],
    );
    assert.equal((await reviewer.get(`/api/filter/${id}`)).body.name, '中牟 待审核（本单）');

    assert.equal((await reviewer.delete(`/api/filter/${id}`)).status, 204);
    assertError(await reviewer.get(`/api/filter/${id}`), 404, 'NOT_FOUND');
  });

  it('should keep filters per user: another user’s filter is 404 everywhere, and scope still applies', async () => {
    await toReview(t);
    const reviewer = await t.as(REVIEWER);
    const mine = await reviewer.post('/api/filter/create').send({ name: '全部', query: {} });
    assert.equal(mine.status, 200);
    const id = mine.body.id as string;
    const chief = await t.as(CHIEF);
    assert.deepEqual((await chief.get('/api/filter')).body, []);
    assertError(await chief.get(`/api/filter/${id}`), 404, 'NOT_FOUND');
    assertError(await chief.get(`/api/filter/${id}/list`), 404, 'NOT_FOUND');
    assertError(await chief.get(`/api/filter/${id}/count`), 404, 'NOT_FOUND');
    assertError(await chief.put(`/api/filter/${id}`).send({ name: 'x', query: {} }), 404, 'NOT_FOUND');
    assertError(await chief.delete(`/api/filter/${id}`), 404, 'NOT_FOUND');
    assert.equal((await reviewer.get(`/api/filter/${id}`)).status, 200);

    // the same name is free for another user; a filter naming someone else's tasks shows only what the caller sees
    const spy = await (
      await t.as('gongyi.treasury.reviewer')
    )
      .post('/api/filter/create')
      .send({ name: '全部', query: { candidateUser: REVIEWER } });
    assert.equal(spy.status, 200);
    const seen = await (await t.as('gongyi.treasury.reviewer')).get(`/api/filter/${spy.body.id}/count`);
    assert.equal(seen.body.count, 0);
  });

  it('should validate the query like GET /task and refuse a duplicate name', async () => {
    const reviewer = await t.as(REVIEWER);
    assertError(
      await reviewer.post('/api/filter/create').send({ name: 'bad', query: { sortBy: 'name' } }),
      400,
      'INVALID_REQUEST',
      'body.query.sortBy',
    );
    assertError(
      await reviewer.post('/api/filter/create').send({ name: 'bad', query: { dueBefore: 'soon' } }),
      400,
      'INVALID_REQUEST',
      'body.query.dueBefore',
    );
    assertError(
      await reviewer.post('/api/filter/create').send({ name: 'bad', query: { assigne: 'typo' } }),
      400,
      'INVALID_REQUEST',
    );
    assertError(
      await reviewer.post('/api/filter/create').send({ name: 'bad', query: { orgCode: '419999' } }),
      400,
      'INVALID_REQUEST',
      'body.query.orgCode',
    );
    assertError(
      await reviewer.post('/api/filter/create').send({ query: {} }),
      400,
      'INVALID_REQUEST',
      'body.name',
    );
    assert.equal((await reviewer.post('/api/filter/create').send({ name: '重名', query: {} })).status, 200);
    assertError(
      await reviewer.post('/api/filter/create').send({ name: '重名', query: {} }),
      409,
      'FILTER_NAME_TAKEN',
      'body.name',
    );
  });
});
