import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../../helpers/engine-harness.js';

const REVIEWERS = ['r1', 'r2', 'r3', 'r4', 'r5'];

forEachBackend('runtime/multi-instance (会签/或签/依次/比例)', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    const xml = t.fixtureText(import.meta, 'multi-instance.approvals.bpmn');
    await t.engine.deploy(xml);
    await t.engine.deploy(
      xml
        .replace('id="countersign"', 'id="allMust"')
        .replace('fiscal:approvalPreset="ratio" fiscal:approvalRatio="60"', 'fiscal:approvalPreset="all"'),
    );
    await t.engine.deploy(
      xml
        .replace('id="countersign"', 'id="anyOne"')
        .replace('fiscal:approvalPreset="ratio" fiscal:approvalRatio="60"', 'fiscal:approvalPreset="any"'),
    );
    await t.engine.deploy(
      xml
        .replace('id="countersign"', 'id="inOrder"')
        .replace('isSequential="false"', 'isSequential="true"')
        .replace(
          'fiscal:approvalPreset="ratio" fiscal:approvalRatio="60"',
          'fiscal:approvalPreset="sequential"',
        ),
    );
  });
  after(() => t?.close());

  const votes = async (instanceId: string) =>
    (await t.openTasks(instanceId)).filter((x) => x.elementId === 'vote');
  const vote = async (instanceId: string, reviewer: string, approved: boolean) => {
    const task = (await votes(instanceId)).find((x) => x.assignee === reviewer)!;
    await t.engine.completeTask(task.id, { actor: reviewer, variables: { approved } });
  };

  it('should create one task per reviewer, assigned by the element variable', async function () {
    const instance = await t.engine.startInstance('countersign', { variables: { reviewers: REVIEWERS } });
    assert.deepEqual((await votes(instance.id)).map((x) => x.assignee).sort(), REVIEWERS);
  });

  it('比例 60% of 5: should complete at the 3rd approval and cancel the other two tasks', async function () {
    const instance = await t.engine.startInstance('countersign', { variables: { reviewers: REVIEWERS } });
    await vote(instance.id, 'r1', true);
    await vote(instance.id, 'r2', false);
    await vote(instance.id, 'r3', true);
    assert.equal((await votes(instance.id)).length, 2);
    await vote(instance.id, 'r4', true);
    const view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['passed']);
    assert.equal(view.variables.approvalResult, 'approved');
    const canceled = await t.engine.listTasks({ instanceId: instance.id, state: 'canceled' });
    assert.deepEqual(
      canceled.map((x) => x.assignee),
      ['r5'],
    );
  });

  it('比例 60% of 5: should take the reject path at once after 3 rejections', async function () {
    const instance = await t.engine.startInstance('countersign', { variables: { reviewers: REVIEWERS } });
    await vote(instance.id, 'r1', false);
    await vote(instance.id, 'r2', false);
    assert.equal((await votes(instance.id)).length, 3, 'two rejections still leave 60% reachable');
    await vote(instance.id, 'r3', false);
    const view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['returned']);
    assert.equal(view.variables.approvalResult, 'rejected');
    assert.equal((await t.engine.listTasks({ instanceId: instance.id, state: 'canceled' })).length, 2);
  });

  it('会签: should need every approval, and reject at the first rejection', async function () {
    const ok = await t.engine.startInstance('allMust', { variables: { reviewers: ['a', 'b', 'c'] } });
    for (const r of ['a', 'b', 'c']) await vote(ok.id, r, true);
    assert.deepEqual((await t.engine.getInstance(ok.id)).activeElementIds, ['passed']);
    const no = await t.engine.startInstance('allMust', { variables: { reviewers: ['a', 'b', 'c'] } });
    await vote(no.id, 'b', false);
    assert.deepEqual((await t.engine.getInstance(no.id)).activeElementIds, ['returned']);
  });

  it('或签: the first decision wins', async function () {
    const instance = await t.engine.startInstance('anyOne', { variables: { reviewers: ['a', 'b', 'c'] } });
    await vote(instance.id, 'c', true);
    const view = await t.engine.getInstance(instance.id);
    assert.deepEqual(view.activeElementIds, ['passed']);
    assert.equal((await t.engine.listTasks({ instanceId: instance.id, state: 'canceled' })).length, 2);
  });

  it('依次: one reviewer after another, in the order of the list', async function () {
    const instance = await t.engine.startInstance('inOrder', {
      variables: { reviewers: ['first', 'second', 'third'] },
    });
    for (const r of ['first', 'second', 'third']) {
      const open = await votes(instance.id);
      assert.deepEqual(
        open.map((x) => x.assignee),
        [r],
      );
      await vote(instance.id, r, true);
    }
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['passed']);
  });

  it('should refuse a vote without a yes/no decision', async function () {
    const instance = await t.engine.startInstance('countersign', { variables: { reviewers: ['x'] } });
    const [task] = await votes(instance.id);
    await assert.rejects(t.engine.completeTask(task!.id, { variables: { opinion: '同意' } }), {
      code: 'INVALID_VARIABLES',
      message: /approved/,
    });
  });
});
