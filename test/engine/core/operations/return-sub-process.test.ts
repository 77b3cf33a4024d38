import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../helpers/engine-harness.js';

const XML = `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="t">
<bpmn:process id="withReview" isExecutable="true"><bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="apply" />
<bpmn:userTask id="apply" fiscal:assignee="unit1" /><bpmn:sequenceFlow id="f2" sourceRef="apply" targetRef="review" />
<bpmn:subProcess id="review"><bpmn:startEvent id="rs" /><bpmn:sequenceFlow id="r1" sourceRef="rs" targetRef="fork" /><bpmn:parallelGateway id="fork" />
<bpmn:sequenceFlow id="r2" sourceRef="fork" targetRef="business" /><bpmn:sequenceFlow id="r3" sourceRef="fork" targetRef="asset" />
<bpmn:userTask id="business" fiscal:assignee="biz1" /><bpmn:userTask id="asset" fiscal:assignee="asset1" />
<bpmn:sequenceFlow id="r4" sourceRef="business" targetRef="budget" /><bpmn:userTask id="budget" fiscal:assignee="budget1" />
<bpmn:sequenceFlow id="r5" sourceRef="budget" targetRef="rEnd" /><bpmn:sequenceFlow id="r6" sourceRef="asset" targetRef="rEnd2" />
<bpmn:endEvent id="rEnd" /><bpmn:endEvent id="rEnd2" /></bpmn:subProcess>
<bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="approve" /><bpmn:userTask id="approve" fiscal:assignee="boss" />
<bpmn:sequenceFlow id="f4" sourceRef="approve" targetRef="e" /><bpmn:endEvent id="e" /></bpmn:process></bpmn:definitions>`;

forEachBackend('operations/退回 across and within sub-processes', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.engine.deploy(XML);
  });
  after(() => t?.close());

  const task = async (id: string, elementId: string) =>
    (await t.engine.listTasks({ instanceId: id })).find((x) => x.elementId === elementId)!;
  const active = async (id: string) => (await t.engine.getInstance(id)).activeElementIds;

  it('should return within the sub-process and leave its other branch alone', async function () {
    const { id } = await t.engine.startInstance('withReview');
    await t.engine.completeTask((await task(id, 'apply')).id, { actor: 'unit1' });
    await t.engine.completeTask((await task(id, 'business')).id, { actor: 'biz1' });
    const targets = await t.engine.returnTargets((await task(id, 'budget')).id);
    assert.deepEqual(
      targets.map((x) => x.elementId),
      ['business', 'apply'],
    );
    await t.engine.returnTask((await task(id, 'budget')).id, { actor: 'budget1', target: 'previous' });
    assert.deepEqual(await active(id), ['asset', 'business', 'review'], 'the asset branch goes on');
    assert.equal((await task(id, 'business')).assignee, 'biz1');
  });

  it('should return from inside the sub-process to a step before it, ending the whole sub-process', async function () {
    const { id } = await t.engine.startInstance('withReview');
    await t.engine.completeTask((await task(id, 'apply')).id, { actor: 'unit1' });
    await t.engine.completeTask((await task(id, 'business')).id, { actor: 'biz1' });
    await t.engine.returnTask((await task(id, 'budget')).id, {
      actor: 'budget1',
      target: 'initiator',
      comment: '材料不全',
    });
    assert.deepEqual(await active(id), ['apply']);
    assert.deepEqual(
      (await t.engine.listTasks({ instanceId: id, state: 'canceled' })).map((x) => x.elementId),
      ['asset'],
    );
    await t.engine.completeTask((await task(id, 'apply')).id, { actor: 'unit1' });
    assert.deepEqual(
      await active(id),
      ['asset', 'business', 'review'],
      'the review runs again from its start',
    );
  });
});
