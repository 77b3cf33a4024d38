import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { waitFor } from '../../helpers/engine-harness.js';

/** start → gateway on amountFen → small | large. Without amountFen no flow matches: the token parks in an incident. */
const GATEWAY = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="inc_gate" isExecutable="true"><bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" /><bpmn:exclusiveGateway id="gw" name="金额判断" />
<bpmn:sequenceFlow id="toSmall" sourceRef="gw" targetRef="small"><bpmn:conditionExpression>=amountFen &lt;= 100000</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="toLarge" sourceRef="gw" targetRef="large"><bpmn:conditionExpression>=amountFen &gt; 100000</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:userTask id="small" /><bpmn:userTask id="large" />
<bpmn:sequenceFlow id="f2" sourceRef="small" targetRef="end" /><bpmn:sequenceFlow id="f3" sourceRef="large" targetRef="end" />
<bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>`;

describe('routes: /incident', function () {
  this.timeout(30_000);
  let t: TestServer;
  let zm: { instanceId: string; incidentId: string };
  let gy: { instanceId: string; incidentId: string };

  const startParked = async (userId: string) => {
    const res = await (await t.as(userId)).post('/api/process-definition/key/inc_gate/start').send({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [incident] = await waitFor(async () => {
      const open = await t.engine.listIncidents({ instanceId: res.body.id, state: 'open' });
      return open.length > 0 ? open : undefined;
    }, 'the gateway incident');
    return { instanceId: res.body.id as string, incidentId: incident!.id };
  };

  before(async () => {
    t = await createTestServer('sqlite');
    await t.engine.deploy(GATEWAY);
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
    zm = await startParked('zhongmou.school1.clerk');
    gy = await startParked('gongyi.school1.clerk');
  });
  after(async () => t?.close());

  it('should list only the incidents of instances the caller may see', async () => {
    const county = await t.as('zhongmou.treasury.reviewer');
    const res = await county.get('/api/incident');
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 1);
    const [incident] = res.body;
    assert.equal(incident.id, zm.incidentId);
    assert.equal(incident.processInstanceId, zm.instanceId);
    assert.equal(incident.activityId, 'gw');
    assert.equal(incident.state, 'open');
    assert.match(incident.createdAt, /Z$/);
    assert.equal('executionId' in incident, false);
    assert.deepEqual((await county.get('/api/incident/count')).body, { count: 1 });
    assert.deepEqual((await county.get(`/api/incident?processInstanceId=${gy.instanceId}`)).body, []);
    const city = await t.as('zhengzhou.treasury.reviewer');
    assert.deepEqual((await city.get('/api/incident/count?state=open')).body, { count: 2 });
    const starter = await t.as('gongyi.school1.clerk');
    assert.deepEqual(
      (await starter.get('/api/incident')).body.map((i: { id: string }) => i.id),
      [gy.incidentId],
    );
    const stranger = await t.as('zhongmou.bank.clerk');
    assert.deepEqual((await stranger.get('/api/incident')).body, []);
    const bad = await county.get('/api/incident?state=closed');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.details.issues[0].field, 'query.state');
  });

  it('should let a process admin in scope retry with corrected variables, then answer 409', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const refused = await reviewer.post(`/api/incident/${zm.incidentId}/retry`).send({});
    assert.equal(refused.status, 403);
    const ops = await t.as('zhongmou.ops');
    const outOfScope = await ops.post(`/api/incident/${gy.incidentId}/retry`).send({});
    assert.equal(outOfScope.status, 404);
    assert.deepEqual(outOfScope.body.details, { id: gy.incidentId });
    const unknown = await ops.post('/api/incident/no-such-incident/retry').send({});
    assert.equal(unknown.status, 404);
    const badRetries = await ops.post(`/api/incident/${zm.incidentId}/retry`).send({ retries: 0 });
    assert.equal(badRetries.status, 400);
    assert.equal(badRetries.body.details.issues[0].field, 'body.retries');

    const retried = await ops
      .post(`/api/incident/${zm.incidentId}/retry`)
      .send({ variables: { amountFen: 50_000 } });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal(retried.body.id, zm.instanceId);
    assert.deepEqual(retried.body.activeActivityIds, ['small']);
    assert.equal(retried.body.variables.amountFen, 50_000);
    assert.deepEqual(
      retried.body.incidents.map((i: { state: string; resolvedBy: string }) => [i.state, i.resolvedBy]),
      [['resolved', 'zhongmou.ops']],
    );
    const again = await ops.post(`/api/incident/${zm.incidentId}/retry`).send({});
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'INCIDENT_RESOLVED');
    const county = await t.as('zhongmou.treasury.reviewer');
    assert.deepEqual((await county.get('/api/incident/count?state=open')).body, { count: 0 });
    assert.deepEqual((await county.get('/api/incident/count?state=resolved')).body, { count: 1 });
  });
});
