/**
 * GET /api/process-instance/{id}/remaining-path: the steps ahead of the tokens and their likely approvers,
 * from the diagram, the variables (gateway conditions) and the assignment rules; scope-checked.
 */
import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../helpers/server-harness.js';
import { waitFor } from '../helpers/engine-harness.js';
import { CITY, CLERK, DEPUTY, REVIEWER, CHIEF, deployPayment, startPaymentApi } from './payment-fixture.js';

interface Step {
  activityId: string;
  certain: boolean;
  approvers: { userId: string; name: string | null; orgName: string | null }[];
  rule: { label: string } | null;
  note: string | null;
}

describe('GET /api/process-instance/{id}/remaining-path', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite');
    await deployPayment(t);
  });
  after(async () => t?.close());

  async function atFill(amountFen: number): Promise<string> {
    const id = await startPaymentApi(t, amountFen);
    await waitFor(
      async () => (await t.engine.listTasks({ instanceId: id, elementId: 'fill' }))[0],
      'fill task',
    );
    return id;
  }

  it('lists the steps ahead with the approvers resolved from the rules; a large amount goes through the city', async () => {
    const id = await atFill(6_000_000);
    const res = await (await t.as(CLERK)).get(`/api/process-instance/${id}/remaining-path`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.current.map((c: { activityId: string }) => c.activityId),
      ['fill'],
    );
    const steps = res.body.steps as Step[];
    assert.deepEqual(
      steps.map((s) => s.activityId),
      ['countyReview', 'cityReview', 'deputyApprove', 'end'],
    );
    assert.ok(
      steps.every((s) => s.certain),
      'the amount is known: the gateway is decided',
    );
    const county = steps[0]!;
    assert.deepEqual(county.approvers.map((a) => a.userId).sort(), [CHIEF, REVIEWER].sort());
    assert.match(county.rule!.label, /审核人/);
    assert.deepEqual(
      steps[1]!.approvers.map((a) => a.userId),
      [CITY],
    );
    assert.match(String(steps[1]!.approvers[0]!.orgName), /郑州/);
    assert.deepEqual(
      steps[2]!.approvers.map((a) => a.userId),
      [DEPUTY],
    );
    assert.equal(res.body.current[0].commentRequired, false);
  });

  it('a small amount skips the city; the current step says 意见 is required', async () => {
    const id = await atFill(120_000);
    const fill = (await t.engine.listTasks({ instanceId: id, elementId: 'fill' }))[0]!;
    await t.engine.completeTask(fill.id, { actor: CLERK });
    await waitFor(
      async () => (await t.engine.listTasks({ instanceId: id, elementId: 'countyReview' }))[0],
      'county review',
    );
    const res = await (await t.as(REVIEWER)).get(`/api/process-instance/${id}/remaining-path`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      (res.body.steps as Step[]).map((s) => s.activityId),
      ['deputyApprove', 'end'],
    );
    assert.equal(res.body.current[0].commentRequired, true);
  });

  it('lists every branch as uncertain when a condition cannot be evaluated yet', async () => {
    // without the amount the gateway cannot decide: both branches are listed
    const started = await (
      await t.as(CLERK)
    )
      .post('/api/process-definition/key/webPayment/start')
      .send({ businessKey: 'ZF-NOAMOUNT', variables: { initiator: CLERK, title: '无金额' } });
    assert.equal(started.status, 200);
    await waitFor(
      async () => (await t.engine.listTasks({ instanceId: started.body.id, elementId: 'fill' }))[0],
      'fill',
    );
    const unknown = await (await t.as(CLERK)).get(`/api/process-instance/${started.body.id}/remaining-path`);
    const steps = unknown.body.steps as Step[];
    assert.deepEqual(
      steps.map((s) => s.activityId).sort(),
      ['cityReview', 'countyReview', 'deputyApprove', 'end'].sort(),
    );
    assert.equal(steps.find((s) => s.activityId === 'countyReview')!.certain, true);
    assert.equal(steps.find((s) => s.activityId === 'cityReview')!.certain, false);
  });

  it('answers 404 outside the caller’s scope, 401 without a session, and an empty path once ended', async () => {
    const id = await atFill(120_000);
    const other = await (
      await t.as('gongyi.treasury.reviewer')
    ).get(`/api/process-instance/${id}/remaining-path`);
    assert.equal(other.status, 404);
    assert.equal(other.body.code, 'NOT_FOUND');
    assert.equal((await t.http.get(`/api/process-instance/${id}/remaining-path`)).status, 401);
    const admin = await t.as('henan.admin');
    const del = await admin.delete(`/api/process-instance/${id}`).send({ reason: '测试终止' });
    assert.ok(del.status < 300, JSON.stringify(del.body));
    const ended = await admin.get(`/api/process-instance/${id}/remaining-path`);
    assert.equal(ended.status, 200);
    assert.equal(ended.body.ended, true);
    assert.deepEqual(ended.body.steps, []);
  });
});
