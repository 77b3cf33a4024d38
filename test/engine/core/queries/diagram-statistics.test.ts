/**
 * 流程图状态 and 流程统计: what the diagram of one instance marks after a few steps (including a 退回 and an
 * incident), and the per-element counts over all instances of a definition.
 */
import assert from 'node:assert/strict';
import type { DefinitionStatistics, ElementStatistics } from '../../../../engine/index.js';
import {
  createTestEngine,
  forEachBackend,
  TestClock,
  type TestEngine,
} from '../../../helpers/engine-harness.js';

/** Two parallel signers of one step (a multi-instance body holding two inner tokens). */
const PANEL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
  <bpmn:process id="panelReview" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="panel" />
    <bpmn:userTask id="panel" fiscal:assignee="=member">
      <bpmn:multiInstanceLoopCharacteristics fiscal:collection="=[&quot;m1&quot;, &quot;m2&quot;]" fiscal:elementVariable="member" />
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="panel" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

forEachBackend('queries/diagram state and definition statistics', (backend) => {
  let t: TestEngine;
  let clock: TestClock;
  before(async function () {
    clock = new TestClock();
    t = await createTestEngine(backend, { clock });
    await t.deployFixture(import.meta, 'queries.bpmn');
    await t.engine.deploy(PANEL);
  });
  after(() => t?.close());

  const start = (initiator: string) =>
    t.engine.startInstance('expense', { initiator, variables: { initiator } });
  const openTask = async (instanceId: string, elementId: string) => {
    const [task] = await t.engine.listTasks({ instanceId, elementId });
    assert.ok(task, `no open task ${elementId}`);
    return task;
  };
  const element = (stats: DefinitionStatistics, id: string): ElementStatistics | undefined =>
    stats.elements.find((e) => e.elementId === id);

  /** fill → review → 退回 to fill → fill → review with a decision no flow matches: an incident at the gateway. */
  async function returnedThenStuck(): Promise<string> {
    const { id } = await start('clerk');
    await t.engine.completeTask((await openTask(id, 'fill')).id, { actor: 'clerk' });
    clock.advance(1000);
    const review = await openTask(id, 'review');
    await t.engine.claimTask(review.id, { actor: 'reviewerA' });
    const { targetElementId } = await t.engine.returnTask(review.id, {
      actor: 'reviewerA',
      target: 'previous',
      comment: '请补充发票',
    });
    assert.equal(targetElementId, 'fill');
    clock.advance(1000);
    await t.engine.completeTask((await openTask(id, 'fill')).id, { actor: 'clerk' });
    await t.engine.completeTask((await openTask(id, 'review')).id, {
      actor: 'reviewerB',
      variables: { decision: 'hold' },
    });
    return id;
  }

  it('marks completed, active, incident, returned and returned-to elements, and the flows taken', async function () {
    const id = await returnedThenStuck();
    const state = await t.engine.diagramState(id);
    assert.deepEqual(state.completed, { start: 1, fill: 2, review: 1 });
    assert.deepEqual(state.active, { decide: 1 });
    assert.deepEqual(state.incidents, { decide: 1 });
    assert.deepEqual(state.returned, { review: 1 }, 'the step where 退回 was pressed');
    assert.deepEqual(state.returnedTo, { fill: 1 }, 'the step the work went back to');
    assert.deepEqual(state.terminated, { review: 1 }, 'the returning step ended without completing');
    assert.deepEqual(state.sequenceFlowsTaken, { f1: 1, f2: 2, f3: 1 });

    // when the incident is retried with a decision that routes to the end
    const [incident] = await t.engine.listIncidents({ instanceId: id, state: 'open' });
    await t.engine.retryIncident(incident!.id, { variables: { decision: 'done' }, actor: 'ops' });

    const after = await t.engine.diagramState(id);
    assert.deepEqual(after.active, {});
    assert.deepEqual(after.incidents, {});
    assert.equal(after.completed.decide, 1);
    assert.equal(after.completed.end, 1);
    assert.equal(after.sequenceFlowsTaken.fDone, 1);
    assert.equal(after.sequenceFlowsTaken.fApprove, undefined);
  });

  it('counts the inner tokens of a multi-instance step, not its body', async function () {
    const { id } = await t.engine.startInstance('panelReview');
    const state = await t.engine.diagramState(id);
    assert.deepEqual(state.active, { panel: 2 });
    assert.equal((await t.engine.listTasks({ instanceId: id })).length, 2);
  });

  it('counts per element over all instances of a definition', async function () {
    const [definition] = await t.engine.listDefinitions('expense');
    const before = await t.engine.definitionStatistics(definition!.id);

    const stuck = await returnedThenStuck();
    const approving = await start('clerk2');
    await t.engine.completeTask((await openTask(approving.id, 'fill')).id, { actor: 'clerk2' });
    await t.engine.completeTask((await openTask(approving.id, 'review')).id, {
      actor: 'reviewerA',
      variables: { decision: 'approve' },
    });
    await start('clerk3');

    const stats = await t.engine.definitionStatistics(definition!.id);
    assert.equal(stats.definitionId, definition!.id);
    const delta = (id: string, field: keyof Omit<ElementStatistics, 'elementId'>) =>
      (element(stats, id)?.[field] ?? 0) - (element(before, id)?.[field] ?? 0);
    assert.equal(
      (stats.instancesByStatus.running ?? 0) - (before.instancesByStatus.running ?? 0),
      3,
      'three more running',
    );
    assert.deepEqual(
      [delta('fill', 'instances'), delta('fill', 'openTasks'), delta('fill', 'completed')],
      [1, 1, 3],
      'fill: one waiting; completed twice in the returned instance and once in the approving one',
    );
    assert.deepEqual([delta('review', 'instances'), delta('review', 'completed')], [0, 2]);
    assert.deepEqual(
      [delta('decide', 'instances'), delta('decide', 'incidents'), delta('decide', 'completed')],
      [1, 1, 1],
    );
    assert.deepEqual([delta('approve', 'instances'), delta('approve', 'openTasks')], [1, 1]);
    assert.deepEqual(
      stats.elements.map((e) => e.elementId),
      [...stats.elements.map((e) => e.elementId)].sort(),
    );

    // the stuck instance moves on: its incident is no longer counted and the definition has one more completion
    const [incident] = await t.engine.listIncidents({ instanceId: stuck, state: 'open' });
    await t.engine.retryIncident(incident!.id, { variables: { decision: 'done' }, actor: 'ops' });
    const later = await t.engine.definitionStatistics(definition!.id);
    assert.equal(element(later, 'decide')!.incidents, element(before, 'decide')?.incidents ?? 0);
    assert.equal((later.instancesByStatus.completed ?? 0) - (before.instancesByStatus.completed ?? 0), 1);
  });

  it('reports an unknown definition or instance as not found', async function () {
    await assert.rejects(t.engine.definitionStatistics('no-such-definition'), { code: 'NOT_FOUND' });
    await assert.rejects(t.engine.diagramState('no-such-instance'), { code: 'NOT_FOUND' });
  });
});
