import assert from 'node:assert/strict';
import { createEngine, type Engine } from '../../../engine/index.js';
import { OrgDirectory } from '../../../processes/org/org-directory.js';
import { OrgTaskRouter } from '../../../processes/org/org-task-router.js';
import { seedOrgDirectory } from '../../../processes/org/seed-org-directory.js';
import { createTestEngine, fixture, forEachBackend, type TestEngine } from '../../helpers/engine-harness.js';

forEachBackend('org/routing of role-based tasks through the route job', (backend) => {
  let t: TestEngine;
  let engine: Engine;
  before(async function () {
    this.timeout(60_000);
    t = await createTestEngine(backend);
    await seedOrgDirectory(t.infrastructure.knex, { demo: true });
    engine = createEngine({
      store: t.infrastructure.store,
      queue: t.infrastructure.queue,
      router: new OrgTaskRouter(new OrgDirectory(t.infrastructure.knex)),
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
});
