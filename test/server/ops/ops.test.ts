/**
 * Operations endpoints: /healthz, /readyz (ready, and 503 when Redis is away, the schema is behind or the
 * database does not answer), /metrics (process metrics, the HTTP histogram, task gauges per org level, queue
 * state; the optional bearer token), the Bull dashboard's guard, and the JSON body limit.
 */
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { connectDatabase } from '../../../engine/adapters/index.js';
import { createApp } from '../../../server/app.js';
import { RedisInboxEventBus } from '../../../server/events/redis-bus.js';
import type { AppServices } from '../../../server/services.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { forEachBackend, waitFor } from '../../helpers/engine-harness.js';

const BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="ops_probe" isExecutable="true"><bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
<bpmn:userTask id="review" fiscal:candidateUsers="zhongmou.treasury.reviewer" />
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" /></bpmn:process>
</bpmn:definitions>`;

/** The value of one sample line of the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

forEachBackend('operations endpoints', (backend) => {
  let t: TestServer;
  const variant = (overrides: Partial<AppServices>) =>
    supertest(createApp({ ...t.services, ...overrides }).callback());

  before(async function () {
    this.timeout(30_000);
    t = await createTestServer(backend);
  });
  after(async () => t?.close());

  it('should answer /healthz without I/O', async () => {
    const res = await t.http.get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('should report ready with every check when database, schema and Redis are fine', async () => {
    const res = await t.http.get('/readyz');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ready');
    assert.equal(res.body.checks.database.ok, true);
    assert.deepEqual(res.body.checks.migrations.pending, []);
    assert.equal(res.body.checks.queue.ok, true);
    if (backend === 'mysql') assert.equal(res.body.checks.redis.ok, true);
    else assert.equal(res.body.checks.redis, undefined);
  });

  it('should report degraded (503) when Redis does not answer', async () => {
    const deadBus = new RedisInboxEventBus({ redisUrl: 'redis://127.0.0.1:1', prefix: 'fbpm_dead' });
    try {
      const res = await variant({
        config: { ...t.config, REDIS_URL: 'redis://127.0.0.1:1' },
        events: deadBus,
      }).get('/readyz');
      assert.equal(res.status, 503);
      assert.equal(res.body.status, 'degraded');
      assert.equal(res.body.checks.redis.ok, false);
      assert.equal(res.body.checks.redis.error, 'not connected');
      assert.equal(res.body.checks.database.ok, true);
    } finally {
      await deadBus.close();
    }
  });

  it('should report degraded (503) with the pending migrations when the schema is behind', async () => {
    const empty = connectDatabase({ url: ':memory:' });
    try {
      const res = await variant({ knex: empty }).get('/readyz');
      assert.equal(res.status, 503);
      assert.equal(res.body.status, 'degraded');
      assert.equal(res.body.checks.migrations.ok, false);
      assert.ok(res.body.checks.migrations.pending.includes('20261127090000_create_engine_tables'));
    } finally {
      await empty.destroy();
    }
  });

  if (backend === 'mysql')
    it('should report unavailable (503) when the database does not answer', async () => {
      const gone = connectDatabase({ url: 'mysql://root@127.0.0.1:1/nothing' });
      try {
        const res = await variant({ knex: gone }).get('/readyz');
        assert.equal(res.status, 503);
        assert.equal(res.body.status, 'unavailable');
        assert.equal(res.body.checks.database.ok, false);
        assert.equal(res.body.checks.database.error, 'ECONNREFUSED');
      } finally {
        await gone.destroy();
      }
    });

  it('should expose process metrics, the request histogram by route pattern, task gauges and queue state', async () => {
    await t.engine.deploy(BPMN);
    const instance = await t.engine.startInstance('ops_probe', { initiator: 'zhongmou.school1.clerk' });
    const [task] = await waitFor(
      async () =>
        (await t.engine.listTasks({ instanceId: instance.id })).filter((x) => x.state === 'created'),
      'the routed task',
    );
    await t.services
      .knex('user_tasks')
      .where({ id: task!.id })
      .update({ due_at: new Date(Date.now() - 3_600_000) });
    await t.http.get('/healthz');
    await t.http.get('/api/nope');

    const res = await t.http.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = res.text;
    assert.ok(sample(text, 'process_cpu_user_seconds_total') !== undefined, 'default metrics');
    assert.ok(
      (sample(text, 'fiscal_bpm_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/healthz',
        status: '200',
      }) ?? 0) >= 1,
    );
    assert.ok(
      (sample(text, 'fiscal_bpm_http_request_duration_seconds_count', {
        route: 'unmatched',
        status: '404',
      }) ?? 0) >= 1,
      'unmatched paths share one label value',
    );
    assert.equal(sample(text, 'fiscal_bpm_tasks_open', { level: 'county' }), 1);
    assert.equal(sample(text, 'fiscal_bpm_tasks_overdue', { level: 'county' }), 1);
    assert.equal(sample(text, 'fiscal_bpm_sse_connections'), 0);
    const kind = backend === 'mysql' ? 'bull' : 'in-process';
    assert.equal(sample(text, 'fiscal_bpm_queue_ready', { kind }), 1);
    if (backend === 'mysql') {
      assert.notEqual(sample(text, 'fiscal_bpm_queue_jobs', { queue: 'route', state: 'waiting' }), undefined);
      assert.equal(sample(text, 'fiscal_bpm_queue_jobs', { queue: 'service', state: 'failed' }), 0);
      assert.equal(sample(text, 'fiscal_bpm_event_bus_errors_total'), 0);
    } else assert.equal(sample(text, 'fiscal_bpm_queue_jobs'), undefined);
  });

  it('should require the bearer METRICS_TOKEN on /metrics when one is configured', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = variant({ config: { ...t.config, METRICS_TOKEN: token } });
    const none = await guarded.get('/metrics');
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'UNAUTHENTICATED');
    assert.equal(
      (await guarded.get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789')).status,
      401,
    );
    const ok = await guarded.get('/metrics').set('Authorization', `Bearer ${token}`);
    assert.equal(ok.status, 200);
    assert.match(ok.text, /fiscal_bpm_tasks_open/);
  });

  it('should refuse a JSON body over JSON_BODY_LIMIT with 413 and the error shape', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(1.1 * 1024 * 1024) });
    const res = await (
      await t.as('henan.admin')
    )
      .post('/api/process-instance')
      .set('Content-Type', 'application/json')
      .set('Accept-Language', 'en')
      .send(big);
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(res.body.type, 'PayloadTooLargeException');
    assert.equal(res.body.message, 'Request body too large');
  });

  if (backend === 'mysql')
    it('should guard the Bull dashboard: 401 without credentials, 403 without admin, the board for admins', async () => {
      assert.equal((await t.http.get('/admin/queues')).status, 401);
      assert.equal((await (await t.as('zhongmou.treasury.reviewer')).get('/admin/queues')).status, 403);

      const page = await (await t.as('henan.admin')).get('/admin/queues');
      assert.equal(page.status, 200);
      assert.match(page.text, /<base href="\/admin\/queues\/?"/);
      const cookie = `fbpm_session=${await t.tokenFor('henan.admin')}`;
      const queues = await t.http.get('/admin/queues/api/queues').set('Cookie', cookie);
      assert.equal(queues.status, 200);
      assert.deepEqual(queues.body.queues.map((q: { name: string }) => q.name).sort(), [
        'continue',
        'notify',
        'route',
        'service',
        'timer',
      ]);
      const crossSite = await t.http
        .put('/admin/queues/api/queues/service/pause')
        .set('Cookie', cookie)
        .set('Sec-Fetch-Site', 'cross-site');
      assert.equal(crossSite.status, 403);
    });
  else
    it('should not serve a Bull dashboard on the in-process queue', async () => {
      assert.equal((await (await t.as('henan.admin')).get('/admin/queues')).status, 404);
    });
});
