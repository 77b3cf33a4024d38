import assert from 'node:assert/strict';
import { singleTask } from '../../helpers/bpmn-builder.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { waitFor } from '../../helpers/engine-harness.js';

function assignedTask(key: string, assignee: string): string {
  return singleTask(key).replace(
    '<bpmn:userTask id="task"',
    `<bpmn:userTask id="task" fiscal:assignee="${assignee}"`,
  );
}

describe('routes: /history', function () {
  this.timeout(30_000);
  let t: TestServer;
  let approved: string;
  let rejected: string;
  let gongyi: string;

  const startAndDecide = async (starter: string, decide: 'approve' | 'reject' | 'none') => {
    const res = await (await t.as(starter)).post('/api/process-definition/key/hist_pay/start').send({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const id = res.body.id as string;
    const task = await waitFor(
      async () =>
        (await t.engine.listTasks({ instanceId: id })).find(
          (x) => x.assignee === 'zhongmou.treasury.reviewer',
        ),
      'the review task',
    );
    if (decide === 'approve')
      await t.engine.completeTask(task.id, {
        actor: 'zhongmou.treasury.reviewer',
        comment: '同意，按计划支付',
      });
    if (decide === 'reject')
      await t.engine.rejectTask(task.id, { actor: 'zhongmou.treasury.reviewer', comment: '附件不全' });
    return id;
  };

  before(async () => {
    t = await createTestServer('sqlite');
    await t.engine.deploy(assignedTask('hist_pay', 'zhongmou.treasury.reviewer'));
    approved = await startAndDecide('zhongmou.school1.clerk', 'approve');
    rejected = await startAndDecide('zhongmou.school2.clerk', 'reject');
    gongyi = await startAndDecide('gongyi.school1.clerk', 'none');
  });
  after(async () => t?.close());

  it('should list ended instances as well as running ones, within the caller’s scope', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const res = await reviewer.get('/api/history/process-instance?sortBy=startedAt');
    assert.equal(res.status, 200);
    const rows = res.body as { id: string; status: string; ended: boolean; endedAt: string | null }[];
    // the 巩义 instance is outside the reviewer's org scope, but its task is assigned to them
    assert.deepEqual(
      rows.map((r) => [r.id, r.status, r.ended]),
      [
        [approved, 'completed', true],
        [rejected, 'rejected', true],
        [gongyi, 'running', false],
      ],
    );
    assert.match(rows[0]!.endedAt!, /Z$/);
    assert.equal(rows[2]!.endedAt, null);
    assert.deepEqual((await reviewer.get('/api/history/process-instance/count')).body, { count: 3 });
    const completedOnly = await reviewer.get('/api/history/process-instance/count?status=completed');
    assert.deepEqual(completedOnly.body, { count: 1 });
    // the runtime list holds only the running one
    assert.deepEqual(
      (await reviewer.get('/api/process-instance')).body.map((i: { id: string }) => i.id),
      [gongyi],
    );
    const sibling = await t.as('gongyi.treasury.reviewer');
    assert.deepEqual(
      (await sibling.get('/api/history/process-instance')).body.map((i: { id: string }) => i.id),
      [gongyi],
    );
    const city = await t.as('zhengzhou.treasury.reviewer');
    assert.deepEqual((await city.get('/api/history/process-instance/count')).body, { count: 3 });
  });

  it('should give the approval timeline in order: who with name and org, what in Chinese, the step, the 意见', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const res = await reviewer.get(`/api/history/process-instance/${approved}/timeline`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const entries = res.body as {
      seq: number;
      action: string;
      actionLabel: string;
      actor: { userId: string; name: string; orgName: string } | null;
      activityId: string | null;
      activityName: string | null;
      comment: string | null;
      time: string;
    }[];
    const people = entries.filter((e) => e.action !== 'TASK_CREATED');
    assert.deepEqual(
      people.map((e) => [e.action, e.actionLabel]),
      [
        ['INSTANCE_STARTED', '发起'],
        ['TASK_COMPLETED', '通过'],
        ['INSTANCE_COMPLETED', '办结'],
      ],
    );
    assert.deepEqual(people[0]!.actor, {
      userId: 'zhongmou.school1.clerk',
      name: '中牟县第一中学经办人',
      orgCode: '410122-BM-JY-001',
      orgName: '中牟县第一中学',
    });
    const approval = people[1]!;
    assert.equal(approval.actor?.userId, 'zhongmou.treasury.reviewer');
    assert.equal(approval.actor?.orgName, '中牟县财政局国库股');
    assert.equal(approval.activityId, 'task');
    assert.equal(approval.activityName, '审核');
    assert.equal(approval.comment, '同意，按计划支付');
    assert.deepEqual(
      entries.map((e) => e.seq),
      entries.map((_e, i) => i + 1),
    );
    assert.ok(entries.every((e, i) => i === 0 || e.time >= entries[i - 1]!.time));
    const all = await reviewer.get(`/api/history/process-instance/${approved}/timeline?all=true`);
    assert.ok(all.body.length > entries.length);
    assert.ok(all.body.some((e: { action: string }) => e.action === 'ELEMENT_ACTIVATED'));
  });

  it('should list the activity instances an instance went through, with the task of each user task', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const res = await reviewer.get(`/api/history/activity-instance?processInstanceId=${approved}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const rows = res.body as {
      activityId: string;
      activityName: string | null;
      taskId: string | null;
      endTime: string | null;
      canceled: boolean;
    }[];
    assert.deepEqual(
      rows.map((r) => r.activityId),
      ['start', 'task', 'end'],
    );
    const task = rows[1]!;
    assert.equal(task.activityName, '审核');
    assert.ok(task.taskId);
    assert.ok(rows.every((r) => r.endTime !== null && !r.canceled));
  });

  it('should list ended tasks with who ended them, the outcome and the 意见', async () => {
    const reviewer = await t.as('zhongmou.treasury.reviewer');
    const ok = await reviewer.get(`/api/history/task?processInstanceId=${approved}`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.length, 1);
    assert.equal(ok.body[0].outcome, 'approved');
    assert.equal(ok.body[0].comment, '同意，按计划支付');
    assert.equal(ok.body[0].taskDefinitionKey, 'task');
    assert.deepEqual(ok.body[0].completedBy, {
      userId: 'zhongmou.treasury.reviewer',
      name: '中牟县财政局国库股审核人',
      orgCode: '410122-CZ-GK',
      orgName: '中牟县财政局国库股',
    });
    const no = await reviewer.get(`/api/history/task?processInstanceId=${rejected}`);
    assert.equal(no.body.length, 1);
    assert.equal(no.body[0].outcome, 'rejected');
    assert.equal(no.body[0].comment, '附件不全');
  });

  it('should answer 404 for an instance outside the scope and 400 without processInstanceId', async () => {
    const sibling = await t.as('gongyi.treasury.reviewer');
    for (const path of [
      `/api/history/process-instance/${approved}/timeline`,
      `/api/history/activity-instance?processInstanceId=${approved}`,
      `/api/history/task?processInstanceId=${approved}`,
    ]) {
      const res = await sibling.get(path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.code, 'NOT_FOUND');
    }
    assert.equal((await sibling.get(`/api/history/process-instance/${gongyi}/timeline`)).status, 200);
    const missing = await sibling.get('/api/history/task');
    assert.equal(missing.status, 400);
    assert.equal(missing.body.details.issues[0].field, 'query.processInstanceId');
    const clerk = await t.as('zhongmou.school2.clerk');
    assert.deepEqual(
      (await clerk.get('/api/history/process-instance')).body.map((i: { id: string }) => i.id),
      [rejected],
    );
  });
});
