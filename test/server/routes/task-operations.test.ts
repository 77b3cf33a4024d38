import assert from 'node:assert/strict';
import type { Backend } from '../../helpers/engine-harness.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { apiRoutes } from '../../../server/routes/index.js';
import {
  assertError,
  BUDGET,
  CHIEF,
  DEPUTY,
  deployPayment,
  DIRECTOR,
  historyOf,
  openTask,
  OTHER_COUNTY_REVIEWER,
  REVIEWER,
  SCHOOL_CLERK,
  startPayment,
  toReview,
  TREASURY_CLERK,
} from './task-fixtures.js';

async function state(t: TestServer, taskId: string) {
  return (await t.engine.getTask(taskId)).state;
}

/** Review (claimed and approved by the reviewer) and both votes of the countersign: the instance waits at 局长审批. */
async function toDecision(t: TestServer): Promise<{ id: string; decideId: string }> {
  const { id, review } = await toReview(t);
  const reviewer = await t.as(REVIEWER);
  assert.equal(
    (await reviewer.post(`/api/task/${review.id}/complete`).send({ comment: '同意' })).status,
    200,
  );
  for (const member of [BUDGET, DEPUTY]) {
    const vote = await openTask(t, id, 'panel', member);
    const res = await (
      await t.as(member)
    )
      .post(`/api/task/${vote.id}/complete`)
      .send({ variables: { approved: true }, comment: '同意' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.state, 'completed');
  }
  const decide = await openTask(t, id, 'decide', DIRECTOR);
  return { id, decideId: decide.id };
}

function completeFlowSuite(backend: Backend) {
  describe(`server/routes/task-operations: approval flows over HTTP [${backend}]`, function () {
    this.timeout(60_000);
    let t: TestServer;
    before(async () => {
      t = await createTestServer(backend);
      await deployPayment(t);
    });
    after(async () => t?.close());

    it('会签 then 退回 to the applicant, resubmission, and 通过 to the end', async () => {
      const { id, decideId } = await toDecision(t);
      const director = await t.as(DIRECTOR);
      const back = await director
        .post(`/api/task/${decideId}/return`)
        .send({ target: 'initiator', comment: '金额有误，请修改' });
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.deepEqual(back.body, { targetActivityId: 'fill' });
      assert.equal(await state(t, decideId), 'completed');
      const fill = await openTask(t, id, 'fill', SCHOOL_CLERK);
      // the applicant's own step is not an approval: maker–checker lets them resubmit
      const resubmit = await (
        await t.as(SCHOOL_CLERK)
      )
        .post(`/api/task/${fill.id}/complete`)
        .send({ variables: { amountFen: 1_200_000 } });
      assert.equal(resubmit.status, 200, JSON.stringify(resubmit.body));
      const review = await openTask(t, id, 'review');
      const reviewer = await t.as(REVIEWER);
      assert.equal(
        (await reviewer.post(`/api/task/${review.id}/complete`).send({ comment: '已改' })).status,
        200,
      );
      for (const member of [BUDGET, DEPUTY]) {
        const vote = await openTask(t, id, 'panel', member);
        await (
          await t.as(member)
        )
          .post(`/api/task/${vote.id}/complete`)
          .send({ variables: { approved: true } });
      }
      const decide = await openTask(t, id, 'decide', DIRECTOR);
      assert.equal(
        (await director.post(`/api/task/${decide.id}/complete`).send({ comment: '同意支付' })).status,
        200,
      );
      const instance = await t.engine.getInstance(id);
      assert.equal(instance.status, 'completed');
      assert.equal(instance.variables.amountFen, 1_200_000);
      assert.equal((await historyOf(t, id, 'TASK_RETURNED')).length, 1);
    });
  });
}

completeFlowSuite('sqlite');
completeFlowSuite('mysql');

describe('server/routes/task-operations [sqlite]', function () {
  this.timeout(60_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite');
    await deployPayment(t);
  });
  after(async () => t?.close());

  it('claim / unclaim: a second candidate is refused with the reason; a non-candidate gets 404', async () => {
    const { review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    const claimed = await reviewer.post(`/api/task/${review.id}/claim`);
    assert.equal(claimed.status, 200);
    assert.equal(claimed.body.assignee, REVIEWER);
    // the chief was a candidate, but a claimed task is no longer theirs to see
    assertError(await (await t.as(CHIEF)).post(`/api/task/${review.id}/claim`), 404, 'NOT_FOUND');
    const unclaimed = await reviewer.post(`/api/task/${review.id}/unclaim`);
    assert.equal(unclaimed.status, 200);
    assert.equal(unclaimed.body.assignee, null);
    assert.equal((await (await t.as(CHIEF)).post(`/api/task/${review.id}/claim`)).status, 200);
    const again = await (await t.as(CHIEF)).post(`/api/task/${review.id}/unclaim`);
    assert.equal(again.status, 200);
    await reviewer.post(`/api/task/${review.id}/claim`);
    const taken = await reviewer.post(`/api/task/${review.id}/unclaim`);
    assert.equal(taken.status, 200);
  });

  it('通过: bad variables name the field; a countersign vote must say approved; read-only fields are refused', async () => {
    const { id, review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    assertError(
      await reviewer.post(`/api/task/${review.id}/complete`).send({ variables: [1, 2] }),
      400,
      'INVALID_REQUEST',
      'body.variables',
    );
    assertError(
      await reviewer.post(`/api/task/${review.id}/complete`).send({ comment: 'x'.repeat(2001) }),
      400,
      'INVALID_REQUEST',
      'body.comment',
    );
    const readOnly = await reviewer
      .post(`/api/task/${review.id}/complete`)
      .send({ variables: { amountFen: 1 } });
    assertError(readOnly, 400, 'INVALID_VARIABLES');
    assert.equal(await state(t, review.id), 'created');
    assert.equal(
      (await reviewer.post(`/api/task/${review.id}/complete`).send({ comment: '同意' })).status,
      200,
    );
    const vote = await openTask(t, id, 'panel', BUDGET);
    const noVote = await (await t.as(BUDGET)).post(`/api/task/${vote.id}/complete`).send({});
    assertError(noVote, 400, 'INVALID_VARIABLES');
    assert.match(noVote.body.message, /approved/);
    const twice = await reviewer.post(`/api/task/${review.id}/complete`).send({ comment: '同意' });
    assertError(twice, 409, 'INVALID_STATE');
  });

  it('转办: to a user in scope; an unknown or out-of-scope user is refused naming body.userId', async () => {
    const { id, review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    await reviewer.post(`/api/task/${review.id}/claim`);
    assertError(
      await reviewer.post(`/api/task/${review.id}/transfer`).send({ userId: OTHER_COUNTY_REVIEWER }),
      400,
      'INVALID_USER',
      'body.userId',
    );
    assertError(
      await reviewer.post(`/api/task/${review.id}/transfer`).send({ userId: 'nobody.here' }),
      400,
      'INVALID_USER',
      'body.userId',
    );
    assertError(
      await reviewer.post(`/api/task/${review.id}/transfer`).send({}),
      400,
      'INVALID_REQUEST',
      'body.userId',
    );
    const moved = await reviewer
      .post(`/api/task/${review.id}/transfer`)
      .send({ userId: CHIEF, comment: '请科长办理' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.assignee, CHIEF);
    assertError(await reviewer.post(`/api/task/${review.id}/complete`).send({}), 404, 'NOT_FOUND');
    assert.equal((await (await t.as(CHIEF)).post(`/api/task/${review.id}/complete`).send({})).status, 200);
    assert.equal((await historyOf(t, id, 'TASK_TRANSFERRED', review.id)).length, 1);
  });

  it('委派 and resolve: the owner waits for the delegate, then approves', async () => {
    const { id, review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    await reviewer.post(`/api/task/${review.id}/claim`);
    const delegated = await reviewer.post(`/api/task/${review.id}/delegate`).send({ userId: CHIEF });
    assert.equal(delegated.status, 200, JSON.stringify(delegated.body));
    assert.equal(delegated.body.assignee, CHIEF);
    assert.equal(delegated.body.owner, REVIEWER);
    assert.equal(delegated.body.delegationState, 'pending');
    const early = await reviewer.post(`/api/task/${review.id}/complete`).send({});
    assertError(early, 409, 'INVALID_STATE');
    const chief = await t.as(CHIEF);
    const resolved = await chief.post(`/api/task/${review.id}/resolve`).send({ comment: '已核对' });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.assignee, REVIEWER);
    assert.equal(resolved.body.delegationState, 'resolved');
    assert.equal(
      (await reviewer.post(`/api/task/${review.id}/complete`).send({ comment: '同意' })).status,
      200,
    );
    await openTask(t, id, 'panel', BUDGET);
  });

  it('加签 before: the holder waits for the signer; 减签 removes a parallel signer; a non-signer names the field', async () => {
    const { id, review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    await reviewer.post(`/api/task/${review.id}/claim`);
    assertError(
      await reviewer.post(`/api/task/${review.id}/add-signers`).send({ userIds: [CHIEF], mode: 'sideways' }),
      400,
      'INVALID_REQUEST',
      'body.mode',
    );
    assertError(
      await reviewer
        .post(`/api/task/${review.id}/add-signers`)
        .send({ userIds: [CHIEF, OTHER_COUNTY_REVIEWER], mode: 'before' }),
      400,
      'INVALID_USER',
      'body.userIds[1]',
    );
    const added = await reviewer
      .post(`/api/task/${review.id}/add-signers`)
      .send({ userIds: [CHIEF], mode: 'before' });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body.length, 1);
    assert.equal(added.body[0].assignee, CHIEF);
    assert.equal(added.body[0].signerOf, review.id);
    assert.equal(await state(t, review.id), 'suspended');
    assertError(await reviewer.post(`/api/task/${review.id}/complete`).send({}), 409, 'INVALID_STATE');
    assert.equal(
      (await (await t.as(CHIEF)).post(`/api/task/${added.body[0].id}/complete`).send({})).status,
      200,
    );
    assert.equal(await state(t, review.id), 'created');

    const parallel = await reviewer
      .post(`/api/task/${review.id}/add-signers`)
      .send({ userIds: [TREASURY_CLERK], mode: 'parallel' });
    assert.equal(parallel.status, 200, JSON.stringify(parallel.body));
    assertError(
      await reviewer.post(`/api/task/${review.id}/remove-signers`).send({ userIds: [DIRECTOR] }),
      400,
      'INVALID_REQUEST',
      'body.userIds[0]',
    );
    const removed = await reviewer
      .post(`/api/task/${review.id}/remove-signers`)
      .send({ userIds: [TREASURY_CLERK] });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.state, 'running');
    assert.equal(await state(t, parallel.body[0].id), 'canceled');
    assert.equal((await reviewer.post(`/api/task/${review.id}/complete`).send({})).status, 200);
    await openTask(t, id, 'panel', BUDGET);
  });

  it('撤回: the approver takes the step back while the next is untouched; nobody else can', async () => {
    const { id, review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    assert.equal(
      (await reviewer.post(`/api/task/${review.id}/complete`).send({ comment: '同意' })).status,
      200,
    );
    await openTask(t, id, 'panel', BUDGET);
    const notYours = await (await t.as(CHIEF)).post(`/api/task/${review.id}/withdraw`);
    assertError(notYours, 409, 'INVALID_STATE');
    assert.equal(notYours.body.details.reason, 'NOT_YOURS');
    assertError(
      await (await t.as(OTHER_COUNTY_REVIEWER)).post(`/api/task/${review.id}/withdraw`),
      404,
      'NOT_FOUND',
    );
    const back = await reviewer.post(`/api/task/${review.id}/withdraw`);
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.deepEqual(back.body.activeActivityIds, ['review']);
    const again = await openTask(t, id, 'review', REVIEWER);
    assert.notEqual(again.id, review.id);
    assert.equal((await t.engine.listTasks({ instanceId: id, elementId: 'panel' })).length, 0);
  });

  it('拒绝 ends the instance as rejected; a return to a step that is not a target names the reason', async () => {
    const { id, decideId } = await toDecision(t);
    const director = await t.as(DIRECTOR);
    assertError(
      await director.post(`/api/task/${decideId}/return`).send({}),
      400,
      'INVALID_REQUEST',
      'body.comment',
    );
    const wrong = await director
      .post(`/api/task/${decideId}/return`)
      .send({ targetActivityId: 'end', comment: '退' });
    assertError(wrong, 409, 'INVALID_STATE');
    assert.equal(wrong.body.details.reason, 'RETURN_TARGET_INVALID');
    const rejected = await director.post(`/api/task/${decideId}/reject`).send({ comment: '不符合支付条件' });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    assert.equal(rejected.body.state, 'rejected');
    assert.equal(rejected.body.ended, true);
    assert.equal((await t.engine.getInstance(id)).status, 'rejected');
  });

  it('抄送 and 催办: copies go to users in scope; a second urge within the hour is refused', async () => {
    const { id, review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    assertError(
      await reviewer.post(`/api/task/${review.id}/cc`).send({ userIds: [OTHER_COUNTY_REVIEWER] }),
      400,
      'INVALID_USER',
      'body.userIds[0]',
    );
    assert.equal(
      (await reviewer.post(`/api/task/${review.id}/cc`).send({ userIds: [DIRECTOR], note: '请知悉' })).status,
      204,
    );
    const copies = await t.engine.listCarbonCopies({ instanceId: id });
    assert.deepEqual(
      copies.map((c) => [c.userId, c.sentBy, c.note]),
      [[DIRECTOR, REVIEWER, '请知悉']],
    );
    assert.equal((await reviewer.post(`/api/task/${review.id}/urge`).send({ note: '请尽快' })).status, 204);
    const tooSoon = await reviewer.post(`/api/task/${review.id}/urge`).send({});
    assertError(tooSoon, 409, 'INVALID_STATE');
    assert.equal(tooSoon.body.details.reason, 'URGED_TOO_SOON');
  });

  it('maker–checker: the initiator may do their own step but not approve, claim or be handed an approval step', async () => {
    const { id, review } = await toReview(t, TREASURY_CLERK);
    const clerk = await t.as(TREASURY_CLERK);
    const approve = await clerk.post(`/api/task/${review.id}/complete`).send({ comment: '自己批' });
    assertError(approve, 403, 'MAKER_CHECKER');
    assertError(await clerk.post(`/api/task/${review.id}/claim`), 403, 'MAKER_CHECKER');
    const reviewer = await t.as(REVIEWER);
    await reviewer.post(`/api/task/${review.id}/claim`);
    assertError(
      await reviewer.post(`/api/task/${review.id}/transfer`).send({ userId: TREASURY_CLERK }),
      403,
      'MAKER_CHECKER',
      'body.userId',
    );
    assertError(
      await reviewer.post(`/api/task/${review.id}/delegate`).send({ userId: TREASURY_CLERK }),
      403,
      'MAKER_CHECKER',
      'body.userId',
    );
    assertError(
      await reviewer
        .post(`/api/task/${review.id}/add-signers`)
        .send({ userIds: [CHIEF, TREASURY_CLERK], mode: 'after' }),
      403,
      'MAKER_CHECKER',
      'body.userIds[1]',
    );
    const bulk = await clerk.post('/api/task/bulk-approve').send({ taskIds: [review.id] });
    assert.equal(bulk.status, 200);
    assert.equal(bulk.body[0].ok, false);
    assert.equal(bulk.body[0].code, 'NOT_FOUND');
    assert.equal((await reviewer.post(`/api/task/${review.id}/complete`).send({})).status, 200);
    assert.equal((await historyOf(t, id, 'TASK_COMPLETED', review.id))[0]!.actor, REVIEWER);
  });

  it('bulk approve: a result per task, in order, and one failure never fails the others', async () => {
    const a = await toReview(t);
    const b = await toReview(t);
    const done = await toReview(t);
    const own = await toReview(t, REVIEWER);
    const gongyi = await startPayment(t, 'gongyi.school1.clerk');
    const gongyiFill = await openTask(t, gongyi, 'fill');
    const reviewer = await t.as(REVIEWER);
    await reviewer.post(`/api/task/${done.review.id}/complete`).send({});
    const unknown = '00000000-0000-0000-0000-00000000000a';
    const res = await reviewer.post('/api/task/bulk-approve').send({
      taskIds: [a.review.id, unknown, gongyiFill.id, done.review.id, own.review.id, b.review.id],
      comment: '批量同意',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.map((r: { taskId: string; ok: boolean; code?: string }) => [r.taskId, r.ok, r.code ?? null]),
      [
        [a.review.id, true, null],
        [unknown, false, 'NOT_FOUND'],
        [gongyiFill.id, false, 'NOT_FOUND'],
        [done.review.id, false, 'INVALID_STATE'],
        [own.review.id, false, 'MAKER_CHECKER'],
        [b.review.id, true, null],
      ],
    );
    for (const r of res.body.filter((x: { ok: boolean }) => !x.ok)) assert.equal(typeof r.message, 'string');
    assert.equal(await state(t, a.review.id), 'completed');
    assert.equal(await state(t, b.review.id), 'completed');
    assert.equal(await state(t, own.review.id), 'created');
    const en = await reviewer
      .post('/api/task/bulk-approve')
      .set('Accept-Language', 'en')
      .send({ taskIds: [own.review.id] });
    assert.match(en.body[0].message, /initiator/);
    assertError(
      await reviewer.post('/api/task/bulk-approve').send({ taskIds: [] }),
      400,
      'INVALID_REQUEST',
      'body.taskIds',
    );
  });

  it('every task route answers 404 for a task outside the caller’s scope, as for an unknown id', async () => {
    const { review } = await toReview(t);
    const outsider = await t.as(OTHER_COUNTY_REVIEWER);
    const body = {
      comment: '意见',
      message: '留言',
      note: '备注',
      userId: 'gongyi.treasury.chief',
      userIds: ['gongyi.treasury.chief'],
      mode: 'parallel',
      file: 'x',
    };
    const taskRoutes = apiRoutes.filter((r) => r.path.startsWith('/task/{id}'));
    assert.ok(taskRoutes.length >= 20, `only ${taskRoutes.length} task routes`);
    for (const route of taskRoutes) {
      for (const id of [review.id, '00000000-0000-0000-0000-00000000000b']) {
        const path = `/api${route.path.replace('{id}', id).replace('{attachmentId}', 'a1')}`;
        const res = await outsider[route.method](path).send(route.method === 'get' ? undefined : body);
        assert.equal(
          res.status,
          404,
          `${route.method} ${route.path}: ${res.status} ${JSON.stringify(res.body)}`,
        );
        assert.equal(res.body.code, 'NOT_FOUND', `${route.method} ${route.path}`);
      }
    }
    assert.equal(await state(t, review.id), 'created');
  });
});
