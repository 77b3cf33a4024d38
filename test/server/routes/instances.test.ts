import assert from 'node:assert/strict';
import { singleTask } from '../../helpers/bpmn-builder.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { waitFor } from '../../helpers/engine-harness.js';

/** start → a task assigned to one user → end. */
function assignedTask(key: string, assignee: string): string {
  return singleTask(key).replace(
    '<bpmn:userTask id="task"',
    `<bpmn:userTask id="task" fiscal:assignee="${assignee}"`,
  );
}

interface Listed {
  id: string;
}

const ids = (body: Listed[]) => body.map((i) => i.id).sort();

describe('routes: /process-instance (scope by org subtree)', function () {
  this.timeout(30_000);
  let t: TestServer;
  /** 中牟: two by school1 (one with a task for school2); 巩义: one; the province: one. */
  let zm1: string;
  let zm2: string;
  let gy1: string;
  let hn1: string;

  const start = async (userId: string, key: string, body: object = {}) => {
    const res = await (await t.as(userId)).post(`/api/process-definition/key/${key}/start`).send(body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id as string;
  };

  before(async () => {
    t = await createTestServer('sqlite');
    await t.engine.deploy(assignedTask('inst_assigned', 'zhongmou.school2.clerk'));
    await t.engine.deploy(singleTask('inst_plain'));
    // a process admin of 中牟 only (not a system admin)
    await t.services.knex('users').insert({
      id: 'zhongmou.ops',
      name: '中牟流程管理员',
      org_code: '410122-CZ',
      disabled: false,
      created_at: new Date(),
    });
    await t.services
      .knex('user_roles')
      .insert({ user_id: 'zhongmou.ops', role: 'process_admin', org_code: '410122-CZ' });
    zm1 = await start('zhongmou.school1.clerk', 'inst_assigned', { businessKey: 'ZM-001' });
    zm2 = await start('zhongmou.school1.clerk', 'inst_plain', {
      businessKey: 'ZM-002',
      variables: { amountFen: 100, urgent: true, purpose: '教学设备' },
    });
    gy1 = await start('gongyi.school1.clerk', 'inst_plain', { businessKey: 'GY-001' });
    hn1 = await start('henan.school1.clerk', 'inst_plain', { businessKey: 'HN-001' });
    await waitFor(async () => {
      const tasks = await t.engine.listTasks({ instanceId: zm1 });
      return tasks.some((x) => x.assignee === 'zhongmou.school2.clerk');
    }, 'the task assigned to school2');
  });
  after(async () => t?.close());

  it('should list for a county reviewer only the instances of that county, and count them alike', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const res = await reviewer.get('/api/process-instance');
    assert.equal(res.status, 200);
    assert.deepEqual(ids(res.body), [zm1, zm2].sort());
    const count = await reviewer.get('/api/process-instance/count');
    assert.deepEqual(count.body, { count: 2 });
    const row = res.body.find((i: Listed) => i.id === zm2);
    assert.deepEqual(Object.keys(row).sort(), [
      'businessKey',
      'endReason',
      'ended',
      'endedAt',
      'id',
      'initiator',
      'orgCode',
      'parentInstanceId',
      'processDefinitionId',
      'processDefinitionKey',
      'startedAt',
      'status',
    ]);
    assert.equal(row.orgCode, '410122-BM-JY-001');
  });

  it('should show the city reviewer both counties but not the province, and an admin everything', async () => {
    const city = await t.as('zhengzhou.treasury.reviewer');
    assert.deepEqual(ids((await city.get('/api/process-instance')).body), [zm1, zm2, gy1].sort());
    const gongyiOnly = await city.get('/api/process-instance?orgCode=410181');
    assert.deepEqual(ids(gongyiOnly.body), [gy1]);
    const admin = await t.as('henan.admin');
    assert.deepEqual(ids((await admin.get('/api/process-instance')).body), [zm1, zm2, gy1, hn1].sort());
  });

  it('should show a clerk only what they started or hold a task of', async () => {
    const starter = await t.as('zhongmou.school1.clerk');
    assert.deepEqual(ids((await starter.get('/api/process-instance')).body), [zm1, zm2].sort());
    const holder = await t.as('zhongmou.school2.clerk');
    assert.deepEqual(ids((await holder.get('/api/process-instance')).body), [zm1]);
    const detail = await holder.get(`/api/process-instance/${zm1}`);
    assert.equal(detail.status, 200);
    const stranger = await t.as('zhongmou.bank.clerk');
    assert.deepEqual((await stranger.get('/api/process-instance')).body, []);
    assert.equal((await stranger.get(`/api/process-instance/${zm2}`)).status, 404);
  });

  it('should answer 404 to a sibling county for an instance of another county, exactly as for an unknown id', async () => {
    const gongyi = await t.as('gongyi.treasury.reviewer');
    const res = await gongyi.get(`/api/process-instance/${zm2}`);
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'NOT_FOUND');
    assert.deepEqual(res.body.details, { id: zm2 });
    const unknown = await gongyi.get('/api/process-instance/00000000-0000-0000-0000-000000000000');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, res.body.code);
    assert.equal((await gongyi.get(`/api/process-instance/${zm2}/diagram-state`)).status, 404);
    assert.equal((await gongyi.get(`/api/process-instance/${gy1}`)).status, 200);
  });

  it('should filter by key, business key, initiator, start time and variables', async () => {
    const admin = await t.as('henan.admin');
    const q = async (query: string) => {
      const res = await admin.get(`/api/process-instance?${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return ids(res.body);
    };
    assert.deepEqual(await q('processDefinitionKey=inst_assigned'), [zm1]);
    assert.deepEqual(await q('businessKey=GY-001'), [gy1]);
    assert.deepEqual(await q('initiator=zhongmou.school1.clerk'), [zm1, zm2].sort());
    assert.deepEqual(await q('variables=amountFen_eq_100,urgent_eq_true'), [zm2]);
    assert.deepEqual(await q('variables=purpose_eq_教学设备'), [zm2]);
    assert.deepEqual(await q('variables=amountFen_eq_101'), []);
    assert.deepEqual(
      await q(
        `startedAfter=${encodeURIComponent('2000-01-01T00:00:00Z')}&processDefinitionKey=inst_assigned`,
      ),
      [zm1],
    );
    assert.deepEqual(await q(`startedBefore=${encodeURIComponent('2000-01-01T00:00:00Z')}`), []);
    const paged = await admin.get('/api/process-instance?sortBy=businessKey&sortOrder=desc&maxResults=2');
    assert.deepEqual(
      paged.body.map((i: { businessKey: string }) => i.businessKey),
      ['ZM-002', 'ZM-001'],
    );
  });

  it('should answer 400 naming the query field for bad filters', async () => {
    const admin = await t.as('henan.admin');
    const badVar = await admin.get('/api/process-instance?variables=amountFen_gt_100');
    assert.equal(badVar.status, 400);
    assert.deepEqual(badVar.body.details, { field: 'query.variables' });
    const malformed = await admin.get('/api/process-instance?variables=amountFen');
    assert.deepEqual(malformed.body.details, { field: 'query.variables' });
    const org = await admin.get('/api/process-instance?orgCode=999999');
    assert.equal(org.status, 400);
    assert.deepEqual(org.body.details, { field: 'query.orgCode' });
    const date = await admin.get('/api/process-instance?startedAfter=yesterday');
    assert.equal(date.status, 400);
    assert.equal(date.body.details.issues[0].field, 'query.startedAfter');
    const status = await admin.get('/api/process-instance?status=paused');
    assert.equal(status.body.details.issues[0].field, 'query.status');
    assert.equal((await t.http.get('/api/process-instance')).status, 401);
  });

  it('should read one instance with its variables and elements, and its diagram state', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const res = await reviewer.get(`/api/process-instance/${zm2}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.variables, {
      amountFen: 100,
      urgent: true,
      purpose: '教学设备',
      initiator: 'zhongmou.school1.clerk',
    });
    assert.deepEqual(res.body.activeActivityIds, ['task']);
    assert.ok(res.body.completedActivityIds.includes('start'));
    assert.deepEqual(res.body.incidents, []);
    const state = await reviewer.get(`/api/process-instance/${zm2}/diagram-state`);
    assert.equal(state.status, 200, JSON.stringify(state.body));
    assert.equal(state.body.processInstanceId, zm2);
    assert.deepEqual(state.body.active, { task: 1 });
    assert.equal(state.body.completed.start, 1);
    assert.equal(state.body.sequenceFlowsTaken.f1, 1);
  });

  it('should let a process admin terminate an instance in scope with a reason, then 409', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const refused = await reviewer.delete(`/api/process-instance/${zm2}`).send({ reason: '重复申请' });
    assert.equal(refused.status, 403);
    const ops = await t.as('zhongmou.ops');
    const outOfScope = await ops.delete(`/api/process-instance/${gy1}`).send({ reason: '重复申请' });
    assert.equal(outOfScope.status, 404);
    const noReason = await ops.delete(`/api/process-instance/${zm2}`);
    assert.equal(noReason.status, 400);
    assert.deepEqual(noReason.body.details, { field: 'body.reason' });
    const done = await ops.delete(`/api/process-instance/${zm2}`).send({ reason: '重复申请' });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.status, 'canceled');
    assert.equal(done.body.ended, true);
    assert.match(done.body.endReason, /重复申请/);
    const again = await ops.delete(`/api/process-instance/${zm2}?reason=${encodeURIComponent('再次')}`);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'INSTANCE_ENDED');
    // ended instances leave the runtime list but stay readable
    assert.deepEqual(ids((await reviewer.get('/api/process-instance')).body), [zm1]);
    assert.equal((await reviewer.get('/api/process-instance?status=canceled')).body[0].id, zm2);
    const admin = await t.as('henan.admin');
    const byQuery = await admin.delete(
      `/api/process-instance/${hn1}?reason=${encodeURIComponent('测试数据')}`,
    );
    assert.equal(byQuery.status, 200);
    assert.match(byQuery.body.endReason, /测试数据/);
  });
});

describe('routes: /process-instance on MariaDB', function () {
  this.timeout(60_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('mysql');
  });
  after(async () => t?.close());

  it('should deploy, start and list within the caller’s scope', async () => {
    const admin = await t.as('henan.admin');
    const deployed = await admin
      .post('/api/deployment/create')
      .type('application/xml')
      .send(singleTask('my_pay'));
    assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
    const zm = await (
      await t.as('zhongmou.school1.clerk')
    )
      .post('/api/process-definition/key/my_pay/start')
      .send({ businessKey: 'ZM-MY-1', variables: { amountFen: 500 } });
    assert.equal(zm.status, 200, JSON.stringify(zm.body));
    const gy = await (
      await t.as('gongyi.school1.clerk')
    )
      .post('/api/process-definition/key/my_pay/start')
      .send({});
    assert.equal(gy.status, 200);
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const listed = await reviewer.get('/api/process-instance?variables=amountFen_eq_500');
    assert.deepEqual(ids(listed.body), [zm.body.id]);
    assert.deepEqual((await reviewer.get('/api/process-instance/count')).body, { count: 1 });
    assert.equal((await reviewer.get(`/api/process-instance/${gy.body.id}`)).status, 404);
  });
});
