import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import {
  ADMIN,
  assertError,
  CHIEF,
  deployPayment,
  openTask,
  OTHER_COUNTY_REVIEWER,
  PROCESS_KEY,
  REVIEWER,
  SCHOOL_CLERK,
  toReview,
} from './task-fixtures.js';

describe('server/routes/tasks (inbox and task reads)', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite');
    await deployPayment(t);
  });
  after(async () => t?.close());

  it('should list a candidate task with its instance facts and operations, only for those who may see it', async () => {
    const { id, review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    const res = await reviewer.get('/api/task').query({ processInstanceId: id });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 1);
    const row = res.body[0];
    assert.equal(row.id, review.id);
    assert.equal(row.taskDefinitionKey, 'review');
    assert.equal(row.processDefinitionKey, PROCESS_KEY);
    assert.equal(row.processInstanceId, id);
    assert.match(row.businessKey, /^ZF-/);
    assert.equal(row.initiator, SCHOOL_CLERK);
    assert.equal(row.assignee, null);
    assert.ok(row.candidateUsers.includes(REVIEWER));
    assert.ok(!Number.isNaN(Date.parse(row.created)));
    assert.ok(row.operations.includes('approve') && row.operations.includes('return'));
    assert.ok(typeof row.processDefinitionId === 'string');

    // the initiator is not a candidate; another county's reviewer sees nothing; the admin sees it
    const clerk = await (await t.as(SCHOOL_CLERK)).get('/api/task').query({ processInstanceId: id });
    assert.deepEqual(clerk.body, []);
    const other = await (await t.as(OTHER_COUNTY_REVIEWER)).get('/api/task').query({ processInstanceId: id });
    assert.deepEqual(other.body, []);
    const admin = await (await t.as(ADMIN)).get('/api/task').query({ processInstanceId: id });
    assert.deepEqual(
      admin.body.map((x: { id: string }) => x.id),
      [review.id],
    );
    // a filter on someone else's name does not widen the scope
    const asOther = await (
      await t.as(OTHER_COUNTY_REVIEWER)
    )
      .get('/api/task')
      .query({ candidateUser: REVIEWER, processInstanceId: id });
    assert.deepEqual(asOther.body, []);
  });

  it('should filter by business key, org subtree, element, dates; count the same; page and sort', async () => {
    const a = await toReview(t);
    const b = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    const byKey = await reviewer.get('/api/task').query({
      processInstanceBusinessKey: (await t.engine.getInstance(a.id)).businessKey!,
    });
    assert.deepEqual(
      byKey.body.map((x: { id: string }) => x.id),
      [a.review.id],
    );

    const inCounty = await reviewer
      .get('/api/task')
      .query({ orgCode: '410122', taskDefinitionKey: 'review' });
    const ids = inCounty.body.map((x: { id: string }) => x.id);
    assert.ok(ids.includes(a.review.id) && ids.includes(b.review.id));
    const inGongyi = await reviewer.get('/api/task').query({ orgCode: '410181' });
    assert.deepEqual(inGongyi.body, []);
    assertError(
      await reviewer.get('/api/task').query({ orgCode: '419999' }),
      400,
      'INVALID_REQUEST',
      'query.orgCode',
    );
    assertError(
      await reviewer.get('/api/task').query({ dueBefore: 'tomorrow' }),
      400,
      'INVALID_REQUEST',
      'query.dueBefore',
    );
    assertError(
      await reviewer.get('/api/task').query({ sortBy: 'name' }),
      400,
      'INVALID_REQUEST',
      'query.sortBy',
    );

    const future = new Date(Date.now() + 86_400_000).toISOString();
    assert.deepEqual((await reviewer.get('/api/task').query({ createdAfter: future })).body, []);

    const all = await reviewer.get('/api/task').query({ taskDefinitionKey: 'review', sortOrder: 'desc' });
    const count = await reviewer.get('/api/task/count').query({ taskDefinitionKey: 'review' });
    assert.equal(count.status, 200);
    assert.equal(count.body.count, all.body.length);
    assert.ok(all.body.length >= 2);
    const created = all.body.map((x: { created: string }) => Date.parse(x.created));
    assert.deepEqual(
      created,
      [...created].sort((x, y) => y - x),
    );
    const second = await reviewer
      .get('/api/task')
      .query({ taskDefinitionKey: 'review', sortOrder: 'desc', firstResult: 1, maxResults: 1 });
    assert.deepEqual(
      second.body.map((x: { id: string }) => x.id),
      [all.body[1].id],
    );
    const capped = await reviewer.get('/api/task').query({ maxResults: 5000 });
    assert.equal(capped.status, 200);
  });

  it('should read one task, or answer 404 alike for an unknown id and a task outside the scope', async () => {
    const { review } = await toReview(t);
    const ok = await (await t.as(CHIEF)).get(`/api/task/${review.id}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.id, review.id);
    const hidden = await (await t.as(OTHER_COUNTY_REVIEWER)).get(`/api/task/${review.id}`);
    assertError(hidden, 404, 'NOT_FOUND');
    const unknown = await (
      await t.as(OTHER_COUNTY_REVIEWER)
    ).get('/api/task/00000000-0000-0000-0000-000000000000');
    assertError(unknown, 404, 'NOT_FOUND');
    assert.deepEqual(Object.keys(hidden.body).sort(), Object.keys(unknown.body).sort());
    assert.equal(
      hidden.body.message.replace(review.id, 'ID'),
      unknown.body.message.replace('00000000-0000-0000-0000-000000000000', 'ID'),
    );
    assert.equal((await t.http.get(`/api/task/${review.id}`)).status, 401);
  });

  it('should show the task form with hidden fields left out and the field permissions', async () => {
    const { review } = await toReview(t);
    const res = await (await t.as(REVIEWER)).get(`/api/task/${review.id}/form`);
    assert.equal(res.status, 200);
    assert.equal(res.body.task.id, review.id);
    assert.equal(res.body.variables.amountFen, 1_250_000);
    assert.ok(!('secretNote' in res.body.variables));
    assert.deepEqual(res.body.fields.readOnly, ['amountFen']);
    assert.deepEqual(res.body.fields.hidden, ['secretNote']);
    assertError(
      await (await t.as(OTHER_COUNTY_REVIEWER)).get(`/api/task/${review.id}/form`),
      404,
      'NOT_FOUND',
    );
  });

  it('should list the return targets of a task, nearest first', async () => {
    const { id, review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    assert.equal((await reviewer.post(`/api/task/${review.id}/claim`)).status, 200);
    assert.equal(
      (await reviewer.post(`/api/task/${review.id}/complete`).send({ comment: '同意' })).status,
      200,
    );
    const vote = await openTask(t, id, 'panel', 'zhongmou.budget.reviewer');
    const res = await (await t.as('zhongmou.budget.reviewer')).get(`/api/task/${vote.id}/return-targets`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.map((x: { activityId: string }) => x.activityId),
      ['review', 'fill'],
    );
    assert.equal(res.body[0].assignee, REVIEWER);
    assert.equal(res.body[0].name, '国库股审核');
  });

  it('should list the carbon copies sent to the caller and mark one read', async () => {
    const { id, review } = await toReview(t);
    await t.engine.carbonCopy(id, { actor: REVIEWER, users: [CHIEF], note: '请知悉', taskId: review.id });
    const chief = await t.as(CHIEF);
    const unread = await chief.get('/api/carbon-copy').query({ unreadOnly: 'true' });
    const copy = unread.body.find((c: { processInstanceId: string }) => c.processInstanceId === id);
    assert.ok(copy);
    assert.equal(copy.note, '请知悉');
    assert.equal(copy.sentBy, REVIEWER);
    const before = (await chief.get('/api/carbon-copy/count').query({ unreadOnly: 'true' })).body.count;
    assert.equal((await chief.post(`/api/carbon-copy/${copy.id}/read`)).status, 204);
    assert.equal(
      (await chief.get('/api/carbon-copy/count').query({ unreadOnly: 'true' })).body.count,
      before - 1,
    );
    assert.equal((await chief.post(`/api/carbon-copy/${copy.id}/read`)).status, 204);
    assertError(await (await t.as(REVIEWER)).post(`/api/carbon-copy/${copy.id}/read`), 404, 'NOT_FOUND');
  });
});
