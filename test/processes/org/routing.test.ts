import assert from 'node:assert/strict';
import { createEngine, type Engine, type InboxEvent } from '../../../engine/index.js';
import { OrgDirectory } from '../../../processes/org/org-directory.js';
import { OrgTaskRouter } from '../../../processes/org/org-task-router.js';
import { seedOrgDirectory } from '../../../processes/org/seed-org-directory.js';
import { createTestEngine, fixture, forEachBackend, type TestEngine } from '../../helpers/engine-harness.js';

forEachBackend('org/routing of role-based tasks through the route job', (backend) => {
  let t: TestEngine;
  let engine: Engine;
  const events: InboxEvent[] = [];
  before(async function () {
    this.timeout(60_000);
    t = await createTestEngine(backend);
    await seedOrgDirectory(t.infrastructure.knex, { demo: true });
    engine = createEngine({
      store: t.infrastructure.store,
      queue: t.infrastructure.queue,
      router: new OrgTaskRouter(new OrgDirectory(t.infrastructure.knex)),
      onInboxEvents: (batch) => events.push(...batch),
    });
    await engine.deploy(fixture(import.meta, 'routing.bpmn'));
  });
  after(() => t?.close());

  /** Runs the route jobs (and any other due job) of this engine until none is left. */
  async function route(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const due = (await engine.listJobs({ state: 'pending' })).filter((j) => j.kind === 'route');
      if (due.length === 0) return;
      for (const job of due) await engine.handleJob(job.id, job.attempt);
    }
  }
  const open = async (id: string) =>
    (await engine.listTasks({ instanceId: id })).filter((x) => x.state === 'created');

  it('should keep a role-based task out of every inbox until it is routed', async function () {
    const instance = await engine.startInstance('routedPayment', { initiator: 'zhongmou.school1.clerk' });
    const [task] = await engine.listTasks({ instanceId: instance.id, state: 'routing' });
    assert.equal(task?.elementId, 'treasuryReview');
    assert.deepEqual(await engine.listTasks({ candidateUser: 'zhongmou.treasury.reviewer' }), []);
    await route();
    assert.deepEqual(
      (await open(instance.id)).map((x) => x.candidateUsers),
      [['zhongmou.treasury.reviewer']],
    );
  });

  it("should route a county unit's payment to exactly the county treasury reviewers, then one level up to the city", async function () {
    const instance = await engine.startInstance('routedPayment', { initiator: 'zhongmou.school2.clerk' });
    await route();
    const [county] = await open(instance.id);
    assert.deepEqual(county!.candidateUsers, ['zhongmou.treasury.reviewer']);
    assert.equal(county!.assignee, 'zhongmou.treasury.reviewer');
    const routed = (await engine.history(instance.id)).find((h) => h.type === 'TASK_ROUTED');
    assert.deepEqual(routed?.data?.orgCodes, ['410122-CZ-GK']);
    await engine.completeTask(county!.id, { actor: 'zhongmou.treasury.reviewer' });
    await route();
    const [city] = await open(instance.id);
    assert.equal(city!.elementId, 'upperReview');
    assert.deepEqual(city!.candidateUsers, ['zhengzhou.treasury.reviewer']);
  });

  it('should skip the city for a 省直管县 county: one level up is the province', async function () {
    const instance = await engine.startInstance('routedPayment', { initiator: 'gongyi.school1.clerk' });
    await route();
    const [county] = await open(instance.id);
    assert.deepEqual(county!.candidateUsers, ['gongyi.treasury.reviewer']);
    await engine.completeTask(county!.id, { actor: 'gongyi.treasury.reviewer' });
    await route();
    const [upper] = await open(instance.id);
    assert.deepEqual(upper!.candidateUsers, ['henan.treasury.reviewer']);
  });

  it("发起人=审批人: passes the task to the initiator's supervisor", async function () {
    const instance = await engine.startInstance('routedPayment', { initiator: 'zhongmou.treasury.reviewer' });
    await route();
    const [task] = await open(instance.id);
    assert.deepEqual(task!.candidateUsers, ['zhongmou.treasury.chief']);
  });

  it('审批人为空: passes automatically where the node says so, else raises an incident naming the role and org', async function () {
    const instance = await engine.startInstance('routedPayment', { initiator: 'zhongmou.school1.clerk' });
    await route();
    await engine.completeTask((await open(instance.id))[0]!.id, { actor: 'zhongmou.treasury.reviewer' });
    await route();
    await engine.completeTask((await open(instance.id))[0]!.id, { actor: 'zhengzhou.treasury.reviewer' });
    await route();
    const view = await engine.getInstance(instance.id);
    assert.ok(view.completedElementIds.includes('audit'), 'the audit step passed automatically');
    const incident = view.incidents.find((i) => i.state === 'open');
    assert.equal(incident?.code, 'NO_ASSIGNEE');
    assert.equal(incident?.elementId, 'nobody');
    assert.match(incident!.message, /director in 410122-CZ-JX/);
    assert.deepEqual(await open(instance.id), []);
  });

  it('should refuse a county user acting on a province task', async function () {
    const instance = await engine.startInstance('routedPayment', { initiator: 'gongyi.school1.clerk' });
    await route();
    await engine.completeTask((await open(instance.id))[0]!.id, { actor: 'gongyi.treasury.reviewer' });
    await route();
    const [province] = await open(instance.id);
    assert.deepEqual(province!.candidateUsers, ['henan.treasury.reviewer']);
    await assert.rejects(engine.completeTask(province!.id, { actor: 'gongyi.treasury.reviewer' }), {
      code: 'INVALID_STATE',
      message: /assigned to henan.treasury.reviewer/,
    });
    await assert.rejects(
      engine.transferTask(province!.id, { actor: 'zhongmou.treasury.chief', to: 'zhongmou.treasury.clerk' }),
      { code: 'INVALID_STATE' },
    );
  });

  it('should route to the Nth supervisor, to the org a FEEL scope names, and schedule reminders on working days', async function () {
    await engine.deploy(`<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="t">
<bpmn:process id="chains" isExecutable="true"><bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="chief" />
<bpmn:userTask id="chief" fiscal:candidateRoles="chief" fiscal:orgScope="supervisor:1" fiscal:dueIn="P2D" fiscal:dueInWorkingDays="true" fiscal:remindBefore="PT4H" />
<bpmn:sequenceFlow id="f2" sourceRef="chief" targetRef="named" /><bpmn:userTask id="named" fiscal:candidateRoles="reviewer" fiscal:orgScope="=targetOrg" />
<bpmn:sequenceFlow id="f3" sourceRef="named" targetRef="e" /><bpmn:endEvent id="e" /></bpmn:process></bpmn:definitions>`);
    const instance = await engine.startInstance('chains', {
      initiator: 'zhongmou.treasury.clerk',
      variables: { targetOrg: '410100-CZ-YS' },
    });
    await route();
    const [chief] = await open(instance.id);
    assert.deepEqual(chief!.candidateUsers, ['zhongmou.treasury.chief']);
    const deadlines = (await engine.listJobs({ instanceId: instance.id })).filter(
      (j) => j.kind === 'task-deadline',
    );
    assert.deepEqual(deadlines.map((j) => j.payload?.notice).sort(), ['dueSoon', 'overdue']);
    assert.equal(deadlines.find((j) => j.payload?.notice === 'overdue')!.dueAt, chief!.dueAt);
    await engine.completeTask(chief!.id, { actor: 'zhongmou.treasury.chief' });
    await route();
    const [named] = await open(instance.id);
    assert.deepEqual(named!.candidateUsers, ['zhengzhou.budget.reviewer']);
    const canceled = (await engine.listJobs({ instanceId: instance.id }))
      .filter((j) => j.kind === 'task-deadline')
      .map((j) => j.state);
    assert.deepEqual(canceled, ['canceled', 'canceled'], 'the reminders end with the task');
  });

  it('should tell the right inboxes: a task opened for its reviewer, the end to the initiator', async function () {
    events.length = 0;
    const instance = await engine.startInstance('routedPayment', { initiator: 'zhongmou.school1.clerk' });
    assert.equal(events.length, 0, 'nothing for anybody while the task is routing');
    await route();
    const opened = events.filter((e) => e.type === 'task.opened' && e.instanceId === instance.id);
    assert.deepEqual(
      opened.map((e) => [e.elementId, e.users]),
      [['treasuryReview', ['zhongmou.treasury.reviewer']]],
    );
    await engine.cancelInstance(instance.id, { actor: 'admin' });
    const ended = events.find((e) => e.type === 'instance.ended' && e.instanceId === instance.id);
    assert.deepEqual(ended?.users, ['zhongmou.school1.clerk']);
  });

  it('who may start: only holders of the starter roles', async function () {
    await engine.deploy(`<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="t">
<bpmn:process id="clerksOnly" isExecutable="true" fiscal:starterRoles="clerk"><bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t1" />
<bpmn:userTask id="t1" fiscal:assignee="x" /><bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="e" /><bpmn:endEvent id="e" /></bpmn:process></bpmn:definitions>`);
    await assert.rejects(engine.startInstance('clerksOnly', { initiator: 'zhongmou.treasury.chief' }), {
      code: 'INVALID_STATE',
      message: /needs one of the roles clerk/,
    });
    await assert.rejects(engine.startInstance('clerksOnly'), { message: /anonymous/ });
    assert.equal(
      (await engine.startInstance('clerksOnly', { initiator: 'zhongmou.school2.clerk' })).status,
      'running',
    );
  });
});
