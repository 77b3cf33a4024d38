import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import {
  assertError,
  CHIEF,
  deployPayment,
  OTHER_COUNTY_REVIEWER,
  REVIEWER,
  toReview,
} from './task-fixtures.js';

describe('server/routes/comments', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite');
    await deployPayment(t);
  });
  after(async () => t?.close());

  it('should add comments to a task and list them for the task and its instance, oldest first', async () => {
    const { id, review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    const first = await reviewer
      .post(`/api/task/${review.id}/comment/create`)
      .send({ message: '  请补充合同扫描件  ' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.message, '请补充合同扫描件');
    assert.equal(first.body.userId, REVIEWER);
    assert.equal(first.body.taskId, review.id);
    assert.equal(first.body.processInstanceId, id);
    assert.ok(!Number.isNaN(Date.parse(first.body.time)));
    const second = await (
      await t.as(CHIEF)
    )
      .post(`/api/task/${review.id}/comment/create`)
      .send({ message: '已补充\n见附件' });
    assert.equal(second.status, 200);

    const list = await reviewer.get(`/api/task/${review.id}/comment`);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.map((c: { message: string }) => c.message),
      ['请补充合同扫描件', '已补充\n见附件'],
    );
    const paged = await reviewer
      .get(`/api/task/${review.id}/comment`)
      .query({ firstResult: 1, maxResults: 1 });
    assert.deepEqual(
      paged.body.map((c: { id: string }) => c.id),
      [second.body.id],
    );
    const byInstance = await reviewer.get(`/api/process-instance/${id}/comment`);
    assert.equal(byInstance.status, 200);
    assert.deepEqual(
      byInstance.body.map((c: { id: string }) => c.id),
      [first.body.id, second.body.id],
    );
  });

  it('should refuse empty, over-long and control-character messages naming body.message', async () => {
    const { review } = await toReview(t);
    const reviewer = await t.as(REVIEWER);
    for (const message of ['', '   ', 'x'.repeat(2001), 'bad\u0000byte'])
      assertError(
        await reviewer.post(`/api/task/${review.id}/comment/create`).send({ message }),
        400,
        'INVALID_REQUEST',
        'body.message',
      );
    assert.equal(
      (await reviewer.post(`/api/task/${review.id}/comment/create`).send({ message: '字'.repeat(2000) }))
        .status,
      200,
    );
  });

  it('should answer 404 to users outside the task’s or the instance’s scope', async () => {
    const { id, review } = await toReview(t);
    await (await t.as(REVIEWER)).post(`/api/task/${review.id}/comment/create`).send({ message: '内部意见' });
    const outsider = await t.as(OTHER_COUNTY_REVIEWER);
    assertError(await outsider.get(`/api/task/${review.id}/comment`), 404, 'NOT_FOUND');
    assertError(
      await outsider.post(`/api/task/${review.id}/comment/create`).send({ message: 'x' }),
      404,
      'NOT_FOUND',
    );
    assertError(await outsider.get(`/api/process-instance/${id}/comment`), 404, 'NOT_FOUND');
    assertError(await outsider.get('/api/process-instance/no-such-instance/comment'), 404, 'NOT_FOUND');
  });
});
