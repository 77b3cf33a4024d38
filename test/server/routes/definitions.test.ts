import assert from 'node:assert/strict';
import { singleTask } from '../../helpers/bpmn-builder.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';

/** A process only clerks may start (fiscal:starterRoles). */
function clerksOnly(key: string): string {
  return singleTask(key).replace(
    `<bpmn:process id="${key}" isExecutable="true">`,
    `<bpmn:process id="${key}" name="仅经办人发起" isExecutable="true" fiscal:starterRoles="clerk">`,
  );
}

describe('routes: /process-definition', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite');
    await t.engine.deploy(singleTask('def_alpha', '审核'));
    await t.engine.deploy(singleTask('def_alpha', '复核'));
    await t.engine.deploy(singleTask('def_beta'));
    await t.engine.deploy(clerksOnly('def_clerks'));
  });
  after(async () => t?.close());

  it('should list definitions with filters, paging and sorting, and count them', async () => {
    const user = await t.as('zhongmou.school1.clerk');
    const all = await user.get('/api/process-definition?keyLike=def_&sortBy=key');
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.map((d: { key: string; version: number }) => `${d.key}:${d.version}`),
      ['def_alpha:1', 'def_alpha:2', 'def_beta:1', 'def_clerks:1'],
    );
    const latest = await user.get('/api/process-definition?key=def_alpha&latestVersion=true');
    assert.deepEqual(
      latest.body.map((d: { version: number }) => d.version),
      [2],
    );
    const paged = await user.get(
      '/api/process-definition?keyLike=def_&sortBy=version&sortOrder=desc&firstResult=0&maxResults=1',
    );
    assert.equal(paged.body.length, 1);
    assert.equal(paged.body[0].version, 2);
    const count = await user.get('/api/process-definition/count?keyLike=def_&latestVersion=true');
    assert.deepEqual(count.body, { count: 3 });
    const named = await user.get('/api/process-definition?name=仅经办人发起');
    assert.deepEqual(
      named.body.map((d: { key: string }) => d.key),
      ['def_clerks'],
    );
  });

  it('should answer 400 naming the query field for bad paging or sorting', async () => {
    const user = await t.as('zhongmou.school1.clerk');
    const res = await user.get('/api/process-definition?maxResults=0');
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'INVALID_REQUEST');
    assert.equal(res.body.details.issues[0].field, 'query.maxResults');
    const sort = await user.get('/api/process-definition?sortBy=checksum');
    assert.equal(sort.status, 400);
    assert.equal(sort.body.details.issues[0].field, 'query.sortBy');
    const anonymous = await t.http.get('/api/process-definition');
    assert.equal(anonymous.status, 401);
  });

  it('should read one definition by id and the latest by key, with its XML, and 404 for unknown ones', async () => {
    const user = await t.as('zhongmou.school1.clerk');
    const latest = await user.get('/api/process-definition/key/def_alpha');
    assert.equal(latest.status, 200);
    assert.equal(latest.body.version, 2);
    assert.deepEqual(Object.keys(latest.body).sort(), [
      'deployedAt',
      'deployedBy',
      'id',
      'key',
      'name',
      'version',
      'versionTag',
    ]);
    const byId = await user.get(`/api/process-definition/${latest.body.id}`);
    assert.deepEqual(byId.body, latest.body);
    const xml = await user.get(`/api/process-definition/${latest.body.id}/xml`);
    assert.equal(xml.body.id, latest.body.id);
    assert.match(xml.body.bpmn20Xml, /name="复核"/);
    const keyXml = await user.get('/api/process-definition/key/def_alpha/xml');
    assert.deepEqual(keyXml.body, xml.body);
    const missing = await user.get('/api/process-definition/key/no_such_key');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'NOT_FOUND');
    assert.deepEqual(missing.body.details, { id: 'no_such_key' });
    const missingId = await user.get('/api/process-definition/no-such-id/xml');
    assert.equal(missingId.status, 404);
  });

  it('should start an instance as the caller, in the caller’s org, with the business key and variables', async () => {
    const clerk = await t.as('zhongmou.school1.clerk');
    const res = await clerk
      .post('/api/process-definition/key/def_alpha/start')
      .send({ businessKey: 'ZF-2026-0001', variables: { amountFen: 1_250_000, purpose: '教学设备' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.processDefinitionKey, 'def_alpha');
    assert.equal(res.body.processDefinitionVersion, 2);
    assert.equal(res.body.businessKey, 'ZF-2026-0001');
    assert.equal(res.body.initiator, 'zhongmou.school1.clerk');
    assert.equal(res.body.orgCode, '410122-BM-JY-001');
    assert.equal(res.body.status, 'running');
    assert.deepEqual(res.body.variables, {
      amountFen: 1_250_000,
      purpose: '教学设备',
      // the instance's initiator is also the variable `initiator`
      initiator: 'zhongmou.school1.clerk',
    });
    assert.deepEqual(res.body.activeActivityIds, ['task']);
    assert.match(res.body.startedAt, /Z$/);
    assert.equal(res.body.endedAt, null);
    assert.equal('version' in res.body, false);
  });

  it('should answer 403 to a caller without a starter role, 404 for an unknown key, 400 for a bad body', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const refused = await reviewer.post('/api/process-definition/key/def_clerks/start').send({});
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'FORBIDDEN');
    assert.deepEqual(refused.body.details, { key: 'def_clerks', reason: 'NOT_A_STARTER' });
    const clerk = await t.as('zhongmou.school1.clerk');
    const allowed = await clerk.post('/api/process-definition/key/def_clerks/start').send({});
    assert.equal(allowed.status, 200);
    const unknown = await clerk.post('/api/process-definition/key/no_such_key/start').send({});
    assert.equal(unknown.status, 404);
    const bad = await clerk.post('/api/process-definition/key/def_alpha/start').send({ businessKey: 42 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.details.issues[0].field, 'body.businessKey');
    const badVars = await clerk.post('/api/process-definition/key/def_alpha/start').send({ variables: [1] });
    assert.equal(badVars.status, 400);
    assert.equal(badVars.body.details.issues[0].field, 'body.variables');
  });

  it('should give process admins per-element statistics and refuse other roles', async () => {
    const clerk = await t.as('zhongmou.school2.clerk');
    await clerk.post('/api/process-definition/key/def_beta/start').send({});
    await clerk.post('/api/process-definition/key/def_beta/start').send({});
    const admin = await t.as('henan.admin');
    const definition = (await admin.get('/api/process-definition/key/def_beta')).body;
    const stats = await admin.get(`/api/process-definition/${definition.id}/statistics`);
    assert.equal(stats.status, 200, JSON.stringify(stats.body));
    assert.equal(stats.body.id, definition.id);
    assert.equal(stats.body.instancesByStatus.running, 2);
    const task = stats.body.elements.find((e: { id: string }) => e.id === 'task');
    assert.equal(task.instances, 2);
    const start = stats.body.elements.find((e: { id: string }) => e.id === 'start');
    assert.equal(start.completed, 2);
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const refused = await reviewer.get(`/api/process-definition/${definition.id}/statistics`);
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body.details, { requiredRoles: ['process_admin'] });
    const unknown = await admin.get('/api/process-definition/no-such-id/statistics');
    assert.equal(unknown.status, 404);
  });
});
