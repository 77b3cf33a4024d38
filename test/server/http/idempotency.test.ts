import assert from 'node:assert/strict';
import { ApiError } from '../../../server/http/api-error.js';
import { KnexIdempotencyStore } from '../../../server/http/idempotency.js';
import type { Backend } from '../../helpers/engine-harness.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { assertError, deployPayment, historyOf, REVIEWER, CHIEF, toReview } from '../routes/task-fixtures.js';

function suite(backend: Backend) {
  describe(`server/http/idempotency [${backend === 'mysql' ? 'MariaDB' : 'SQLite'}]`, function () {
    this.timeout(60_000);
    let t: TestServer;
    before(async () => {
      t = await createTestServer(backend);
      await deployPayment(t);
    });
    after(async () => t?.close());

    const scope = (key: string, fingerprint = 'f1') => ({
      userId: 'u1',
      key,
      method: 'POST',
      path: '/api/x',
      fingerprint,
    });

    it('should run 5 concurrent identical completes with one key exactly once and answer all 5 alike', async () => {
      const { id, review } = await toReview(t);
      const reviewer = await t.as(REVIEWER);
      const key = `complete-${review.id}`;
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          reviewer
            .post(`/api/task/${review.id}/complete`)
            .set('Idempotency-Key', key)
            .send({ comment: '同意' }),
        ),
      );
      for (const res of responses) {
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body, responses[0]!.body);
      }
      assert.equal(responses[0]!.body.state, 'completed');
      assert.equal(responses.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 4);
      assert.equal((await historyOf(t, id, 'TASK_COMPLETED', review.id)).length, 1);
      // a later retry still gets the stored answer, not a 409 for the completed task
      const later = await reviewer
        .post(`/api/task/${review.id}/complete`)
        .set('Idempotency-Key', key)
        .send({ comment: '同意' });
      assert.equal(later.status, 200);
      assert.deepEqual(later.body, responses[0]!.body);
    });

    it('should refuse the same key with another body (422), but keep keys apart per user', async () => {
      const { review } = await toReview(t);
      const reviewer = await t.as(REVIEWER);
      const key = `claim-${review.id}`;
      assert.equal(
        (await reviewer.post(`/api/task/${review.id}/claim`).set('Idempotency-Key', key)).status,
        200,
      );
      const reused = await reviewer
        .post(`/api/task/${review.id}/complete`)
        .set('Idempotency-Key', key)
        .send({ comment: '另一个请求' });
      assertError(reused, 422, 'IDEMPOTENCY_KEY_REUSED', 'headers.Idempotency-Key');
      assert.equal((await t.engine.getTask(review.id)).state, 'created');
      // the chief's key of the same text is their own (and their claim is refused: the task is taken)
      const chief = await (
        await t.as(CHIEF)
      )
        .post(`/api/task/${review.id}/claim`)
        .set('Idempotency-Key', key);
      assertError(chief, 404, 'NOT_FOUND');
      assertError(
        await reviewer.post(`/api/task/${review.id}/claim`).set('Idempotency-Key', 'x'.repeat(129)),
        400,
        'INVALID_REQUEST',
        'headers.Idempotency-Key',
      );
    });

    it('should store a 4xx answer and replay it (in the language asked), while a new key runs again', async () => {
      const { id, review } = await toReview(t);
      const reviewer = await t.as(REVIEWER);
      const first = await reviewer
        .post(`/api/task/${review.id}/urge`)
        .set('Idempotency-Key', 'urge-1')
        .send({});
      assert.equal(first.status, 204);
      const replay = await reviewer
        .post(`/api/task/${review.id}/urge`)
        .set('Idempotency-Key', 'urge-1')
        .send({});
      assert.equal(replay.status, 204);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal((await historyOf(t, id, 'TASK_URGED', review.id)).length, 1);

      const tooSoon = await reviewer
        .post(`/api/task/${review.id}/urge`)
        .set('Idempotency-Key', 'urge-2')
        .send({});
      assertError(tooSoon, 409, 'INVALID_STATE');
      const again = await reviewer
        .post(`/api/task/${review.id}/urge`)
        .set('Idempotency-Key', 'urge-2')
        .set('Accept-Language', 'en')
        .send({});
      assertError(again, 409, 'INVALID_STATE');
      assert.deepEqual(again.body.details, tooSoon.body.details);
      assert.doesNotMatch(again.body.message, /[\u4e00-\u9fff]/);
    });

    it('should make a duplicate wait for the first request and return its outcome', async () => {
      const store = new KnexIdempotencyStore(t.services.knex, () => Date.now());
      let runs = 0;
      const slow = async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 300));
        return { status: 201, body: { made: runs } };
      };
      const [a, b] = await Promise.all([store.run(scope('wait'), slow), store.run(scope('wait'), slow)]);
      assert.equal(runs, 1);
      assert.deepEqual([a.status, a.body], [201, { made: 1 }]);
      assert.deepEqual([b.status, b.body], [201, { made: 1 }]);
      assert.deepEqual([a.replayed, b.replayed].sort(), [false, true]);
    });

    it('should give up waiting after the bound with 409, and forget a key after a 5xx', async () => {
      const store = new KnexIdempotencyStore(t.services.knex, () => Date.now(), { waitMs: 100 });
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      const slow = store.run(scope('bound'), async () => {
        started();
        await new Promise((r) => setTimeout(r, 600));
        return { status: 200, body: 'late' };
      });
      await running;
      await assert.rejects(
        store.run(scope('bound'), async () => ({ status: 200, body: 'never' })),
        (err: ApiError) => err.status === 409 && err.code === 'IDEMPOTENCY_KEY_IN_PROGRESS',
      );
      assert.equal((await slow).body, 'late');

      let runs = 0;
      await assert.rejects(
        store.run(scope('boom'), async () => {
          runs++;
          throw new Error('database went away');
        }),
        /database went away/,
      );
      const retried = await store.run(scope('boom'), async () => {
        runs++;
        return { status: 200, body: 'ok' };
      });
      assert.deepEqual([retried.body, retried.replayed, runs], ['ok', false, 2]);
      const served = await store.run(scope('boom'), async () => {
        runs++;
        return { status: 500, body: 'x' };
      });
      assert.deepEqual([served.body, served.replayed, runs], ['ok', true, 2]);
    });

    it('should keep the key of a command still running (heartbeat) and take over one nobody refreshes', async () => {
      const store = new KnexIdempotencyStore(t.services.knex, () => Date.now(), { pendingTimeoutMs: 200 });
      let runs = 0;
      const slow = async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 1000));
        return { status: 200, body: { run: runs } };
      };
      // a command running 5× the timeout keeps its claim: the duplicate waits and gets its answer
      const [a, b] = await Promise.all([store.run(scope('alive'), slow), store.run(scope('alive'), slow)]);
      assert.equal(runs, 1);
      assert.deepEqual([a.body, b.body], [{ run: 1 }, { run: 1 }]);

      // a claim left by a process that died is taken over once it is older than the timeout
      await t.services.knex('idempotency_keys').insert({
        user_id: 'u1',
        idem_key: 'dead',
        method: 'POST',
        path: '/api/x',
        fingerprint: 'f1',
        state: 'pending',
        status: null,
        response: null,
        created_at: new Date(Date.now()),
        expires_at: new Date(Date.now() + 3_600_000),
      });
      const began = Date.now();
      const taken = await store.run(scope('dead'), async () => ({ status: 200, body: 'retried' }));
      assert.deepEqual([taken.body, taken.replayed], ['retried', false]);
      assert.ok(Date.now() - began >= 150, 'taken over before the timeout');
    });

    it('should expire keys after 24 h and take over a pending key whose process died', async () => {
      let now = Date.UTC(2026, 11, 1);
      const store = new KnexIdempotencyStore(t.services.knex, () => now);
      let runs = 0;
      const run = () => store.run(scope('expiry'), async () => ({ status: 200, body: ++runs }));
      assert.equal((await run()).body, 1);
      now += 23 * 3_600_000;
      assert.equal((await run()).body, 1);
      now += 2 * 3_600_000;
      assert.equal((await run()).body, 2);

      await t.services.knex('idempotency_keys').insert({
        user_id: 'u1',
        idem_key: 'orphan',
        method: 'POST',
        path: '/api/x',
        fingerprint: 'f1',
        state: 'pending',
        status: null,
        response: null,
        created_at: new Date(now - 10 * 60_000),
        expires_at: new Date(now + 3_600_000),
      });
      const taken = await store.run(scope('orphan'), async () => ({ status: 200, body: 'mine' }));
      assert.deepEqual([taken.body, taken.replayed], ['mine', false]);
    });
  });
}

suite('sqlite');
suite('mysql');
