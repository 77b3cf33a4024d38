import assert from 'node:assert/strict';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  TestClock,
} from '../../../helpers/engine-harness.js';

forEachBackend('operations (通过 退回 撤回 转办 委派 加签 减签 抄送 催办 拒绝 撤销 终止)', (backend) => {
  let t: TestEngine;
  let clock: TestClock;
  before(async function () {
    clock = new TestClock();
    t = await createTestEngine(backend, { clock });
    await t.deployFixture(import.meta, 'approval.bpmn');
  });
  after(() => t?.close());

  const task = async (instanceId: string, elementId: string, assignee?: string) => {
    const found = (await t.engine.listTasks({ instanceId })).filter(
      (x) => x.elementId === elementId && (assignee === undefined || x.assignee === assignee),
    );
    assert.ok(found[0], `no open task ${elementId}${assignee ? ` for ${assignee}` : ''}`);
    return found[0]!;
  };
  const active = async (id: string) => (await t.engine.getInstance(id)).activeElementIds;

  /** Starts an instance (version 1) and submits the clerk's form: it waits at the county review. */
  async function toCountyReview(): Promise<string> {
    const { id } = await t.engine.startInstance('paymentApproval', {
      version: 1,
      initiator: 'clerk1',
      variables: { initiator: 'clerk1' },
    });
    await t.engine.completeTask((await task(id, 'fill')).id, { actor: 'clerk1' });
    return id;
  }

  /** Runs an instance to the city approval step. */
  async function toCity(): Promise<string> {
    const id = await toCountyReview();
    const review = await task(id, 'countyReview');
    await t.engine.claimTask(review.id, { actor: 'countyA' });
    await t.engine.completeTask(review.id, { actor: 'countyA', comment: '同意' });
    await t.engine.completeTask((await task(id, 'budgetCheck')).id, { actor: 'budget1' });
    for (const m of ['m1', 'm2', 'm3'])
      await t.engine.completeTask((await task(id, 'panel', m)).id, {
        actor: m,
        variables: { approved: true },
      });
    assert.deepEqual(await active(id), ['cityApprove']);
    return id;
  }

  it('claim: a candidate takes the task; another candidate is refused; unclaim gives it back', async function () {
    const id = await toCountyReview();
    const review = await task(id, 'countyReview');
    await t.engine.claimTask(review.id, { actor: 'countyA' });
    await assert.rejects(t.engine.claimTask(review.id, { actor: 'countyB' }), {
      code: 'INVALID_STATE',
      message: /already claimed by countyA/,
    });
    await assert.rejects(t.engine.completeTask(review.id, { actor: 'countyB', comment: 'x' }), {
      message: /assigned to countyA/,
    });
    await t.engine.unclaimTask(review.id, { actor: 'countyA' });
    assert.equal((await t.engine.getTask(review.id)).assignee, null);
  });

  it('通过 needs a comment where the step requires one', async function () {
    const id = await toCountyReview();
    const review = await task(id, 'countyReview');
    await assert.rejects(t.engine.completeTask(review.id, { actor: 'countyA' }), {
      code: 'INVALID_VARIABLES',
      message: /comment/,
    });
    await t.engine.completeTask(review.id, { actor: 'countyA', comment: '资料齐全，同意' });
    const done = (await t.engine.history(id)).find(
      (h) => h.type === 'TASK_COMPLETED' && h.taskId === review.id,
    );
    assert.equal(done?.data?.comment, '资料齐全，同意');
  });

  it('退回 to the previous step from after the join ends both branches and the countersign, and resubmit runs the path again', async function () {
    const id = await toCity();
    const targets = await t.engine.returnTargets((await task(id, 'cityApprove')).id);
    assert.deepEqual(
      targets.map((x) => x.elementId),
      ['panel', 'budgetCheck', 'countyReview', 'fill'],
    );
    await t.engine.returnTask((await task(id, 'cityApprove')).id, {
      actor: 'city1',
      target: { elementId: 'countyReview' },
      comment: '金额有误',
    });
    assert.deepEqual(await active(id), ['countyReview']);
    assert.equal((await task(id, 'countyReview')).assignee, 'countyA', 'returned to whoever did it');
    await t.engine.completeTask((await task(id, 'countyReview')).id, { actor: 'countyA', comment: '已更正' });
    assert.deepEqual(await active(id), ['budgetCheck', 'panel']);
  });

  it('退回 to the initiator from one branch ends both branches: resubmission runs the path again even with strategy "direct"', async function () {
    const id = await toCountyReview();
    await t.engine.completeTask((await task(id, 'countyReview')).id, { actor: 'countyB', comment: 'ok' });
    await t.engine.completeTask((await task(id, 'panel', 'm1')).id, {
      actor: 'm1',
      variables: { approved: true },
    });
    await t.engine.returnTask((await task(id, 'budgetCheck')).id, { actor: 'budget1', target: 'initiator' });
    assert.deepEqual(await active(id), ['fill']);
    assert.equal((await task(id, 'fill')).assignee, 'clerk1');
    // budgetCheck's strategy is direct, but the return also ended the countersign branch: skipping ahead would
    // leave the join waiting for it, so the path runs again
    await t.engine.completeTask((await task(id, 'fill')).id, { actor: 'clerk1' });
    assert.deepEqual(await active(id), ['countyReview']);
  });

  it('resubmit strategy "direct": after the fix, straight back to the step that returned it', async function () {
    await t.engine
      .deploy(`<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="t">
<bpmn:process id="direct" isExecutable="true"><bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="draft" />
<bpmn:userTask id="draft" fiscal:assignee="clerk" /><bpmn:sequenceFlow id="f2" sourceRef="draft" targetRef="check" /><bpmn:userTask id="check" fiscal:assignee="checker" />
<bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="approve" /><bpmn:userTask id="approve" fiscal:assignee="boss" fiscal:resubmitStrategy="direct" />
<bpmn:sequenceFlow id="f4" sourceRef="approve" targetRef="e" /><bpmn:endEvent id="e" /></bpmn:process></bpmn:definitions>`);
    const { id } = await t.engine.startInstance('direct');
    await t.engine.completeTask((await task(id, 'draft')).id, { actor: 'clerk' });
    await t.engine.completeTask((await task(id, 'check')).id, { actor: 'checker' });
    await t.engine.returnTask((await task(id, 'approve')).id, { actor: 'boss', target: 'initiator' });
    await t.engine.completeTask((await task(id, 'draft')).id, { actor: 'clerk' });
    assert.deepEqual(await active(id), ['approve'], 'the check in between is not repeated');
  });

  it('退回 refuses a target that is not behind the task, naming the valid ones', async function () {
    const id = await toCity();
    await assert.rejects(
      t.engine.returnTask((await task(id, 'cityApprove')).id, {
        actor: 'city1',
        target: { elementId: 'end' },
      }),
      {
        code: 'INVALID_STATE',
        message: /valid targets: panel, budgetCheck, countyReview, fill/,
      },
    );
  });

  it('撤回 works while the next step is untouched, and is refused once it acted', async function () {
    const { id } = await t.engine.startInstance('paymentApproval', {
      version: 1,
      initiator: 'clerk1',
      variables: { initiator: 'clerk1' },
    });
    const fill = await task(id, 'fill');
    await t.engine.completeTask(fill.id, { actor: 'clerk1' });
    await t.engine.withdrawTask(fill.id, { actor: 'clerk1' });
    assert.deepEqual(await active(id), ['fill']);
    const again = await task(id, 'fill');
    assert.equal(again.assignee, 'clerk1');
    await t.engine.completeTask(again.id, { actor: 'clerk1' });
    await t.engine.claimTask((await task(id, 'countyReview')).id, { actor: 'countyA' });
    await assert.rejects(t.engine.withdrawTask(again.id, { actor: 'clerk1' }), {
      code: 'INVALID_STATE',
      message: /next step has already acted/,
    });
    await assert.rejects(t.engine.withdrawTask(again.id, { actor: 'someoneElse' }), {
      message: /Only clerk1/,
    });
  });

  it('转办 hands the task over for good; 委派 brings it back to the owner to finish', async function () {
    const id = await toCity();
    const city = await task(id, 'cityApprove');
    await t.engine.transferTask(city.id, { actor: 'city1', to: 'city2', comment: '请代为处理' });
    await assert.rejects(t.engine.completeTask(city.id, { actor: 'city1' }), {
      message: /assigned to city2/,
    });
    await t.engine.delegateTask(city.id, { actor: 'city2', to: 'clerkCity' });
    await assert.rejects(t.engine.completeTask(city.id, { actor: 'clerkCity' }), { message: /delegated/ });
    await t.engine.resolveTask(city.id, {
      actor: 'clerkCity',
      comment: '已核对',
      variables: { checked: true },
    });
    const back = await t.engine.getTask(city.id);
    assert.deepEqual([back.assignee, back.owner, back.delegationState], ['city2', 'city2', 'resolved']);
    await t.engine.completeTask(city.id, { actor: 'city2' });
    assert.equal((await t.engine.getInstance(id)).status, 'completed');
    const types = (await t.engine.history(id)).map((h) => h.type);
    for (const type of ['TASK_TRANSFERRED', 'TASK_DELEGATED', 'TASK_RESOLVED'])
      assert.ok(types.includes(type as never), type);
  });

  it('加签 before, parallel and after: the step completes only when every signer has signed', async function () {
    const id = await toCity();
    const city = await task(id, 'cityApprove');
    // before: the holder's task waits for the signer
    await t.engine.addSigners(city.id, { actor: 'city1', users: ['legal1'], mode: 'before' });
    await assert.rejects(t.engine.completeTask(city.id, { actor: 'city1' }), { message: /前加签/ });
    await t.engine.completeTask((await task(id, 'cityApprove', 'legal1')).id, { actor: 'legal1' });
    // parallel and after
    await t.engine.addSigners(city.id, { actor: 'city1', users: ['audit1'], mode: 'parallel' });
    await t.engine.addSigners(city.id, { actor: 'city1', users: ['director1'], mode: 'after' });
    await t.engine.completeTask(city.id, { actor: 'city1' });
    assert.deepEqual(await active(id), ['cityApprove'], 'the parallel signer is still pending');
    await t.engine.completeTask((await task(id, 'cityApprove', 'audit1')).id, { actor: 'audit1' });
    const after = await task(id, 'cityApprove', 'director1');
    assert.equal(after.signerMode, 'after');
    await t.engine.completeTask(after.id, { actor: 'director1' });
    assert.equal((await t.engine.getInstance(id)).status, 'completed');
  });

  it('减签 removes an added signer, and a pending vote of a countersign', async function () {
    const id = await toCountyReview();
    await t.engine.completeTask((await task(id, 'countyReview')).id, { actor: 'countyA', comment: 'ok' });
    await t.engine.completeTask((await task(id, 'budgetCheck')).id, { actor: 'budget1' });
    await t.engine.completeTask((await task(id, 'panel', 'm1')).id, {
      actor: 'm1',
      variables: { approved: true },
    });
    await t.engine.completeTask((await task(id, 'panel', 'm2')).id, {
      actor: 'm2',
      variables: { approved: true },
    });
    // removing the last pending vote decides the countersign
    await t.engine.removeSigner((await task(id, 'panel', 'm3')).id, { actor: 'budget1', comment: '回避' });
    assert.deepEqual(await active(id), ['cityApprove']);
    assert.equal((await t.engine.getInstance(id)).variables.approvalResult, 'approved');
  });

  it('抄送 and 催办: copies with read flags; urge at most once per interval', async function () {
    const id = await toCity();
    await t.engine.carbonCopy(id, { actor: 'city1', users: ['leader1', 'leader2'], note: '请阅' });
    const copies = await t.engine.listCarbonCopies({ userId: 'leader1' });
    assert.equal(copies.length, 1);
    assert.equal(await t.engine.markCarbonCopyRead(copies[0]!.id, 'leader1'), true);
    assert.equal(await t.engine.markCarbonCopyRead(copies[0]!.id, 'leader2'), false, 'not theirs');
    const city = await task(id, 'cityApprove');
    await t.engine.urgeTask(city.id, { actor: 'clerk1', note: '月底前支付' });
    await assert.rejects(t.engine.urgeTask(city.id, { actor: 'clerk1' }), { message: /urge again after/ });
    clock.advance(3_600_000);
    await t.engine.urgeTask(city.id, { actor: 'clerk1' });
    assert.equal((await t.engine.history(id)).filter((h) => h.type === 'TASK_URGED').length, 2);
  });

  it('拒绝 ends the instance as rejected; 撤销 only by the initiator; 终止 needs a reason', async function () {
    const a = await toCity();
    const view = await t.engine.rejectTask((await task(a, 'cityApprove')).id, {
      actor: 'city1',
      comment: '不符合支付条件',
    });
    assert.equal(view.status, 'rejected');
    assert.match(view.endReason ?? '', /不符合支付条件/);
    const b = await toCity();
    await assert.rejects(t.engine.revokeInstance(b, { actor: 'city1' }), {
      message: /Only the initiator clerk1/,
    });
    assert.equal(
      (await t.engine.revokeInstance(b, { actor: 'clerk1', reason: '重复申请' })).status,
      'canceled',
    );
    const c = await toCity();
    await assert.rejects(t.engine.terminateInstance(c, { actor: 'admin', reason: ' ' }), {
      code: 'INVALID_VARIABLES',
    });
    assert.equal(
      (await t.engine.terminateInstance(c, { actor: 'admin', reason: '数据修复' })).endReason,
      'terminated: 数据修复',
    );
  });

  it('refuses an operation the step does not allow', async function () {
    const id = await toCity();
    await assert.rejects(t.engine.removeSigner((await task(id, 'cityApprove')).id, { actor: 'city1' }), {
      message: /does not allow removeSigners/,
    });
  });

  it('bulk approve: each task on its own, with a result per task', async function () {
    const a = await toCity();
    const b = await toCity();
    const results = await t.engine.bulkApprove(
      [(await task(a, 'cityApprove')).id, 'missing-task', (await task(b, 'cityApprove')).id],
      { actor: 'city1' },
    );
    assert.deepEqual(
      results.map((r) => [r.ok, r.code]),
      [
        [true, undefined],
        [false, 'NOT_FOUND'],
        [true, undefined],
      ],
    );
  });

  it('任意跳转 and migration to a new version', async function () {
    const id = await toCity();
    await assert.rejects(t.engine.moveTokens(id, { actor: 'admin', to: ['fill'], reason: '' }), {
      code: 'INVALID_VARIABLES',
    });
    await t.engine.moveTokens(id, { actor: 'admin', from: ['cityApprove'], to: ['fill'], reason: '补录' });
    assert.deepEqual(await active(id), ['fill']);
    // a new version renames the first step
    await t.engine.deploy(
      t
        .fixtureText(import.meta, 'approval.bpmn')
        .replaceAll('"fill"', '"draft"')
        .replace('targetRef="fill"', 'targetRef="draft"'),
    );
    await assert.rejects(t.engine.migrateInstance(id, { actor: 'admin' }), {
      message: /would lose what waits at fill/,
    });
    const migrated = await t.engine.migrateInstance(id, { actor: 'admin', mapping: { fill: 'draft' } });
    assert.equal(migrated.definitionVersion, 2);
    assert.deepEqual(migrated.activeElementIds, ['draft']);
    await t.engine.completeTask((await task(id, 'draft')).id, { actor: 'clerk1' });
    assert.deepEqual(await active(id), ['countyReview']);
  });

  it('退回 into one parallel branch after the join: the other branch stands, and the join fires again when the redone branch arrives', async function () {
    // regression found by the property test: the join had consumed the panel's arrival and then waited forever
    const id = await toCity();
    await t.engine.returnTask((await task(id, 'cityApprove')).id, {
      actor: 'city1',
      target: { elementId: 'budgetCheck' },
      comment: '预算股重核',
    });
    assert.deepEqual(await active(id), ['budgetCheck', 'join']);
    await t.engine.completeTask((await task(id, 'budgetCheck')).id, { actor: 'budget1' });
    assert.deepEqual(await active(id), ['cityApprove']);
  });
});
