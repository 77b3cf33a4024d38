import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { waitFor } from '../../helpers/engine-harness.js';

/** msg_wait: start → wait for bankPaid (by paymentNo) → wait for signal yearEnd → end. msg_start: starts on openAccount. */
const MESSAGES = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:message id="paidMsg" name="bankPaid" /><bpmn:message id="openMsg" name="openAccount" /><bpmn:signal id="sig" name="yearEnd" />
<bpmn:process id="msg_wait" isExecutable="true"><bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="paid" />
<bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="paidMsg" fiscal:correlationKey="=paymentNo" /></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="paid" targetRef="yearEnd" />
<bpmn:intermediateCatchEvent id="yearEnd"><bpmn:signalEventDefinition signalRef="sig" /></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f3" sourceRef="yearEnd" targetRef="end" /><bpmn:endEvent id="end" /></bpmn:process>
<bpmn:process id="msg_start" isExecutable="true">
<bpmn:startEvent id="opened"><bpmn:messageEventDefinition messageRef="openMsg" /></bpmn:startEvent>
<bpmn:sequenceFlow id="g1" sourceRef="opened" targetRef="check" /><bpmn:userTask id="check" />
<bpmn:sequenceFlow id="g2" sourceRef="check" targetRef="done" /><bpmn:endEvent id="done" /></bpmn:process>
</bpmn:definitions>`;

describe('routes: POST /message and POST /signal', function () {
  this.timeout(30_000);
  let t: TestServer;
  let waiting: string;
  before(async () => {
    t = await createTestServer('sqlite');
    await t.engine.deploy(MESSAGES);
    const started = await (
      await t.as('zhongmou.school1.clerk')
    )
      .post('/api/process-definition/key/msg_wait/start')
      .send({ variables: { paymentNo: 'ZF-2026-0007' } });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    waiting = started.body.id;
  });
  after(async () => t?.close());

  it('should correlate a message by business key to the waiting instance, once per messageId', async () => {
    const ops = await t.as('henan.admin');
    const body = {
      messageName: 'bankPaid',
      businessKey: 'ZF-2026-0007',
      variables: { paidFen: 1_250_000 },
      messageId: 'bank-callback-0001',
    };
    const res = await ops.post('/api/message').send(body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      messageId: 'bank-callback-0001',
      outcome: 'correlated',
      processInstanceId: waiting,
    });
    const again = await ops.post('/api/message').send(body);
    assert.deepEqual(again.body, res.body);
    const instance = await ops.get(`/api/process-instance/${waiting}`);
    assert.equal(instance.body.variables.paidFen, 1_250_000);
    assert.deepEqual(instance.body.activeActivityIds, ['yearEnd']);
  });

  it('should broadcast a signal to the waiting instance and say how many caught it', async () => {
    const ops = await t.as('henan.admin');
    const res = await ops.post('/api/signal').send({ name: 'yearEnd', variables: { closed: true } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { name: 'yearEnd', caught: 1 });
    await waitFor(
      async () => (await t.engine.getInstance(waiting)).status === 'completed',
      'the instance to complete',
    );
    const none = await ops.post('/api/signal').send({ name: 'yearEnd' });
    assert.deepEqual(none.body, { name: 'yearEnd', caught: 0 });
  });

  it('should start an instance at a message start event, and buffer a message nobody waits for yet', async () => {
    const ops = await t.as('henan.admin');
    const started = await ops
      .post('/api/message')
      .send({ messageName: 'openAccount', variables: { account: '6222' } });
    assert.equal(started.status, 200);
    assert.equal(started.body.outcome, 'started');
    const instance = await ops.get(`/api/process-instance/${started.body.processInstanceId}`);
    assert.equal(instance.body.processDefinitionKey, 'msg_start');
    const buffered = await ops
      .post('/api/message')
      .send({ messageName: 'bankPaid', correlationKey: 'ZF-NOT-YET' });
    assert.equal(buffered.body.outcome, 'buffered');
    assert.equal(buffered.body.processInstanceId, null);
    assert.match(buffered.body.messageId, /^[0-9a-f-]{36}$/);
  });

  it('should accept a message from an agency bank user (回单 callback), but not a signal', async () => {
    const bank = await t.as('zhongmou.bank.clerk');
    const sent = await bank
      .post('/api/message')
      .send({ messageName: 'bankPaid', correlationKey: 'none-waiting' });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal((await bank.post('/api/signal').send({ name: 'yearEnd' })).status, 403);
  });

  it('should refuse callers without process_admin (403) or credentials (401), and bad bodies (400 naming the field)', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const refused = await reviewer.post('/api/message').send({ messageName: 'bankPaid' });
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body.details, {
      requiredRoles: ['process_admin'],
      orgKinds: ['bank', 'pboc_treasury'],
    });
    assert.equal((await reviewer.post('/api/signal').send({ name: 'yearEnd' })).status, 403);
    assert.equal((await t.http.post('/api/message').send({ messageName: 'bankPaid' })).status, 401);
    const ops = await t.as('henan.admin');
    const noName = await ops.post('/api/message').send({ correlationKey: 'x' });
    assert.equal(noName.status, 400);
    assert.equal(noName.body.details.issues[0].field, 'body.messageName');
    const badVars = await ops.post('/api/signal').send({ name: 'yearEnd', variables: 'closed' });
    assert.equal(badVars.status, 400);
    assert.equal(badVars.body.details.issues[0].field, 'body.variables');
  });
});
