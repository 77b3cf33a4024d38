import assert from 'node:assert/strict';
import { singleTask } from '../../helpers/bpmn-builder.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
  'xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">';

/** start → task → review → end: singleTask plus one more step, so a diff has something to find. */
function twoTasks(key: string): string {
  return `${HEADER}<bpmn:process id="${key}" isExecutable="true"><bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" /><bpmn:userTask id="task" name="复核" />
<bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="review" /><bpmn:userTask id="review" name="审批" />
<bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>`;
}

/** Several problems at once: flows without conditions out of a gateway, a dead end, an unreachable service task. */
const BROKEN = `${HEADER}<bpmn:process id="broken" isExecutable="true"><bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" /><bpmn:exclusiveGateway id="gw" />
<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="a" /><bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="b" />
<bpmn:userTask id="a" /><bpmn:userTask id="b" /><bpmn:sequenceFlow id="f4" sourceRef="a" targetRef="end" />
<bpmn:endEvent id="end" /><bpmn:serviceTask id="svc" /></bpmn:process></bpmn:definitions>`;

const MAX_BYTES = 8192;

describe('routes: POST /deployment/create', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite', { env: { BPMN_MAX_BYTES: String(MAX_BYTES) }, workers: false });
    await t.services.knex('users').insert({
      id: 'test.designer',
      name: '流程设计员',
      org_code: '410000-CZ',
      disabled: false,
      created_at: new Date(),
    });
    await t.services
      .knex('user_roles')
      .insert({ user_id: 'test.designer', role: 'designer', org_code: '410000-CZ' });
  });
  after(async () => t?.close());

  it('should deploy raw XML from a designer as version 1, with every element reported as added', async () => {
    const designer = await t.as('test.designer');
    const res = await designer
      .post('/api/deployment/create')
      .set('Content-Type', 'application/xml')
      .send(singleTask('pay_raw'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [d] = res.body.deployedProcessDefinitions;
    assert.equal(res.body.deployedProcessDefinitions.length, 1);
    assert.equal(d.key, 'pay_raw');
    assert.equal(d.version, 1);
    assert.equal(d.isNew, true);
    assert.equal(d.deployedBy, 'test.designer');
    assert.equal(d.fileName, null);
    assert.match(d.deployedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(d.changes.previousVersion, null);
    assert.deepEqual(
      d.changes.added.map((e: { id: string }) => e.id),
      ['end', 'f1', 'f2', 'start', 'task'],
    );
    assert.deepEqual(
      d.changes.added.find((e: { id: string }) => e.id === 'task'),
      {
        id: 'task',
        type: 'bpmn:UserTask',
        name: '审核',
      },
    );
    assert.equal('checksum' in d, false);
  });

  it('should summarise what a new version changes, and not deploy identical XML again', async () => {
    const designer = await t.as('test.designer');
    const v2 = await designer
      .post('/api/deployment/create')
      .type('application/xml')
      .send(twoTasks('pay_raw'));
    assert.equal(v2.status, 200, JSON.stringify(v2.body));
    const [d] = v2.body.deployedProcessDefinitions;
    assert.equal(d.version, 2);
    assert.deepEqual(d.changes, {
      previousVersion: 1,
      added: [
        { id: 'f3', type: 'bpmn:SequenceFlow', name: null },
        { id: 'review', type: 'bpmn:UserTask', name: '审批' },
      ],
      removed: [],
      changed: [
        { id: 'end', type: 'bpmn:EndEvent', name: null },
        { id: 'f2', type: 'bpmn:SequenceFlow', name: null },
        { id: 'task', type: 'bpmn:UserTask', name: '复核' },
      ],
      attributesChanged: [],
      unchanged: false,
    });
    const again = await designer.post('/api/deployment/create').type('text/xml').send(twoTasks('pay_raw'));
    assert.equal(again.status, 200);
    assert.equal(again.body.deployedProcessDefinitions[0].isNew, false);
    assert.equal(again.body.deployedProcessDefinitions[0].version, 2);
  });

  it('should deploy two files uploaded as multipart, naming the file of each definition', async () => {
    const admin = await t.as('henan.admin');
    const res = await admin
      .post('/api/deployment/create')
      .attach('files', Buffer.from(singleTask('multi_a')), 'multi-a.bpmn')
      .attach('files', Buffer.from(singleTask('multi_b', '复核')), 'multi-b.bpmn');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const byKey = Object.fromEntries(
      res.body.deployedProcessDefinitions.map((d: { key: string; fileName: string }) => [d.key, d.fileName]),
    );
    assert.deepEqual(byKey, { multi_a: 'multi-a.bpmn', multi_b: 'multi-b.bpmn' });
    const listed = await admin.get('/api/process-definition?keyLike=multi_');
    assert.deepEqual(
      listed.body.map((d: { key: string }) => d.key),
      ['multi_a', 'multi_b'],
    );
  });

  it('should answer 422 listing every problem with its element id, and deploy nothing of the batch', async () => {
    const designer = await t.as('test.designer');
    const res = await designer
      .post('/api/deployment/create')
      .attach('file', Buffer.from(singleTask('batch_ok')), 'ok.bpmn')
      .attach('file', Buffer.from(BROKEN), 'broken.bpmn');
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    assert.equal(res.body.type, 'UnprocessableEntityException');
    assert.match(res.body.message, /流程模型校验未通过/);
    const problems = res.body.details.problems as { elementId: string; rule: string; fileName: string }[];
    assert.deepEqual([...new Set(problems.map((p) => p.elementId))].sort(), ['b', 'f2', 'f3', 'svc']);
    assert.ok(problems.every((p) => p.fileName === 'broken.bpmn'));
    assert.ok(problems.some((p) => p.elementId === 'svc' && p.rule === 'service-task-type'));
    const count = await designer.get('/api/process-definition/count?key=batch_ok');
    assert.deepEqual(count.body, { count: 0 });
  });

  it('should refuse a non-designer with 403 and an anonymous caller with 401', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const res = await reviewer
      .post('/api/deployment/create')
      .type('application/xml')
      .send(singleTask('nope'));
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'FORBIDDEN');
    assert.deepEqual(res.body.details, { requiredRoles: ['designer'] });
    const anonymous = await t.http
      .post('/api/deployment/create')
      .type('application/xml')
      .send(singleTask('nope'));
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'UNAUTHENTICATED');
  });

  it('should answer 413 for a raw body or an uploaded file over BPMN_MAX_BYTES', async () => {
    const designer = await t.as('test.designer');
    const padding = `<!-- ${'x'.repeat(MAX_BYTES)} -->`;
    const big = singleTask('too_big').replace('</bpmn:definitions>', `${padding}</bpmn:definitions>`);
    const raw = await designer.post('/api/deployment/create').type('application/xml').send(big);
    assert.equal(raw.status, 413);
    assert.equal(raw.body.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(raw.body.details.maxBytes, MAX_BYTES);
    const upload = await designer
      .post('/api/deployment/create')
      .set('Accept-Language', 'en')
      .attach('file', Buffer.from(big), 'big.bpmn');
    assert.equal(upload.status, 413);
    assert.equal(upload.body.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(upload.body.details.field, 'body.file');
    assert.match(upload.body.message, /exceeds the limit of 8192 bytes/);
  });

  it('should answer 400 naming the field for an empty body or a file that is not .bpmn, and 415 for other types', async () => {
    const designer = await t.as('test.designer');
    const empty = await designer.post('/api/deployment/create').type('application/xml').send('');
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.body.details, { field: 'body' });
    const wrongFile = await designer
      .post('/api/deployment/create')
      .attach('upload', Buffer.from(singleTask('txt')), 'process.txt');
    assert.equal(wrongFile.status, 400);
    assert.deepEqual(wrongFile.body.details, { field: 'body.upload' });
    const json = await designer.post('/api/deployment/create').send({ xml: singleTask('json') });
    assert.equal(json.status, 415);
    assert.equal(json.body.code, 'UNSUPPORTED_MEDIA_TYPE');
  });
});
