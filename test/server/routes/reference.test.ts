import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { seedReferenceData } from '../../../processes/reference/seed-reference-data.js';
import { REFERENCE_LISTS } from '../../../processes/reference/reference-lists.js';

describe('server/routes/reference', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite', { workers: false });
    await seedReferenceData(t.services.knex);
  });
  after(async () => t?.close());

  it('should list the reference lists with their Chinese names and counts', async () => {
    const res = await (await t.as('zhongmou.school1.clerk')).get('/api/reference');
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.map((l: { list: string }) => l.list),
      [...REFERENCE_LISTS],
    );
    const functional = res.body.find((l: { list: string }) => l.list === 'functionalClass');
    assert.equal(functional.name, '政府支出功能分类');
    assert.ok(functional.count >= 20);
    assert.match(String(res.headers['cache-control']), /max-age=60/);
  });

  it('should serve a list’s codes, filtered by parentCode and q, with a count sibling', async () => {
    const user = await t.as('zhongmou.school1.clerk');
    const all = await user.get('/api/reference/functionalClass');
    assert.equal(all.status, 200);
    assert.equal(all.body.find((c: { code: string }) => c.code === '205').name, '教育支出');
    const children = await user.get('/api/reference/economicClass?parentCode=301');
    assert.ok(children.body.length > 0);
    assert.ok(children.body.every((c: { parentCode: string }) => c.parentCode === '301'));
    const byName = await user.get(`/api/reference/functionalClass?q=${encodeURIComponent('社会保障')}`);
    assert.deepEqual(
      byName.body.map((c: { code: string }) => c.code),
      ['208'],
    );
    const count = await user.get('/api/reference/warningLevel/count');
    assert.deepEqual(count.body, { count: 5 });
  });

  it('should answer an unknown list with 404 naming it, and no credentials with 401', async () => {
    const res = await (await t.as('zhongmou.school1.clerk')).get('/api/reference/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'NOT_FOUND');
    assert.equal(res.body.details.field, 'params.list');
    const anonymous = await t.http.get('/api/reference/functionalClass');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'UNAUTHENTICATED');
  });

  it('should let an admin add, rename and retire a code, and refuse others and duplicates', async () => {
    const admin = await t.as('henan.admin');
    const created = await admin
      .post('/api/reference/projectTerm/create')
      .send({ code: 'pilot', name: '试点项目' });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, '试点项目');
    const again = await admin.post('/api/reference/projectTerm/create').send({ code: 'pilot', name: 'x' });
    assert.equal(again.status, 409);
    assert.equal(again.body.details.field, 'body.code');
    const badParent = await admin
      .post('/api/reference/economicClass/create')
      .send({ code: '30299', name: '其他商品和服务支出', parentCode: '999' });
    assert.equal(badParent.status, 400);
    assert.equal(badParent.body.details.field, 'body.parentCode');

    const clerk = await t.as('zhongmou.school1.clerk');
    const refused = await clerk.post('/api/reference/projectTerm/create').send({ code: 'x1', name: 'x' });
    assert.equal(refused.status, 403);

    const retired = await admin
      .put('/api/reference/projectTerm/pilot')
      .send({ name: '试点类项目', validTo: new Date(Date.now() - 1000).toISOString() });
    assert.equal(retired.status, 200);
    assert.equal(retired.body.name, '试点类项目');
    assert.ok(retired.body.validTo);
    const current = await clerk.get('/api/reference/projectTerm');
    assert.ok(!current.body.some((c: { code: string }) => c.code === 'pilot'));
    const withRetired = await clerk.get('/api/reference/projectTerm?includeRetired=true');
    assert.ok(withRetired.body.some((c: { code: string }) => c.code === 'pilot'));
    const missing = await admin.put('/api/reference/projectTerm/nope').send({ name: 'x' });
    assert.equal(missing.status, 404);
  });
});
