/**
 * Routes: POST /deployment/validate, the designer's live validation and deploy preview: the deploy's problems
 * with element ids, and what a deploy would change against the latest version, nothing deployed.
 */
import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
  'xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">';

function process(secondFlow: string, extra = ''): string {
  return `${HEADER}<bpmn:process id="lintKey" name="校验" isExecutable="true"><bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" /><bpmn:exclusiveGateway id="gw" />
<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="a"><bpmn:conditionExpression>=amountFen &gt; 0</bpmn:conditionExpression></bpmn:sequenceFlow>
${secondFlow}
<bpmn:userTask id="a" name="审核" ${extra} /><bpmn:userTask id="b" /><bpmn:sequenceFlow id="f4" sourceRef="a" targetRef="end" />
<bpmn:sequenceFlow id="f5" sourceRef="b" targetRef="end" /><bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>`;
}
const MISSING_CONDITION = process('<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="b" />');
const FIXED = process(
  '<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="b"><bpmn:conditionExpression>=amountFen &lt;= 0</bpmn:conditionExpression></bpmn:sequenceFlow>',
);

describe('routes: POST /deployment/validate', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite', { workers: false });
  });
  after(async () => t?.close());

  it('should list the deploy problems with element ids, deploying nothing', async () => {
    const admin = await t.as('henan.admin');
    const res = await admin.post('/api/deployment/validate').send({ xml: MISSING_CONDITION });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.valid, false);
    const problem = res.body.problems.find((p: { rule: string }) => p.rule === 'conditional-flows');
    assert.ok(problem, JSON.stringify(res.body.problems));
    assert.ok(['gw', 'f3'].includes(problem.elementId), problem.elementId);
    assert.equal((await t.engine.listDefinitions('lintKey')).length, 0);
  });

  it('should preview the changes against the latest deployed version', async () => {
    const admin = await t.as('henan.admin');
    const fresh = (await admin.post('/api/deployment/validate').send({ xml: FIXED })).body;
    assert.equal(fresh.valid, true);
    assert.equal(fresh.processes[0].key, 'lintKey');
    assert.equal(fresh.processes[0].latestVersion, null);
    assert.equal(fresh.processes[0].changes.previousVersion, null);

    await t.engine.deploy(FIXED);
    const changed = FIXED.replace('name="审核" ', 'name="审核" fiscal:commentRequired="true" ');
    const res = await admin.post('/api/deployment/validate').send({ xml: changed });
    assert.equal(res.body.valid, true);
    const [p] = res.body.processes;
    assert.equal(p.latestVersion, 1);
    assert.deepEqual(
      p.changes.changed.map((c: { id: string }) => c.id),
      ['a'],
    );
    assert.equal(p.changes.unchanged, false);
    assert.equal((await t.engine.listDefinitions('lintKey')).length, 1, 'nothing deployed');
  });

  it('should refuse callers who are not designers and bodies without xml', async () => {
    const clerk = await t.as('zhongmou.school1.clerk');
    assert.equal((await clerk.post('/api/deployment/validate').send({ xml: FIXED })).status, 403);
    const admin = await t.as('henan.admin');
    const empty = await admin.post('/api/deployment/validate').send({});
    assert.equal(empty.status, 400);
    assert.equal(empty.body.details.issues[0].field, 'body.xml');
  });
});
