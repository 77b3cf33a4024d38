/**
 * Reliability plan §6 scenario 4, scaled down: Redis becomes unreachable (the fault proxy in front of a private
 * redis-server blackholes every connection: nothing is answered, nothing is closed) for OUTAGE_MS while API clients
 * keep starting approvals and completing their tasks over HTTP.
 *
 * MySQL is the truth and Redis only the wake-up (reliability.md rule 1), so during the outage:
 * - starts and task completions keep succeeding, and quickly: no request waits on `queue.add` to a Redis that does
 *   not answer (p50/p99 printed);
 * - `/readyz` answers 503 `degraded` (Redis fails its check, the database does not);
 * - the service jobs the completions create stay in the outbox (unpublished) instead of being lost.
 * After the partition heals: the outbox backlog drains to 0, every service task runs and its instance completes,
 * `/readyz` is ready again, a new instance started afterwards is run by the workers (none sits idle after the
 * outage, OptimalBits/bull#1873/#2417), and the invariant checker (I1–I6) is clean.
 */
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { checkInvariants } from '../../server/check/index.js';
import { currentRequest } from '../../server/http/request-context.js';
import { FaultProxy } from './fault-proxy.js';
import { PrivateRedis } from './private-redis.js';
import { openRedisChaosServer, type RedisChaosServer } from './redis-chaos-server.js';

const OUTAGE_MS = 12_000;
const CLIENTS = 6;
const HORIZON_MS = 3000;
/**
 * Generous: the plan asks p99 < 1 s on production hardware; this machine is shared and has 2 cores. Measured over
 * the requests begun once the queue has first failed (STEADY_AFTER_MS into the outage): those in flight at that
 * moment wait the engine's publish timeout (1 s) once, which the `queueWaits` assertion bounds separately.
 */
const STEADY_AFTER_MS = 2000;
/** After healing, the backlog must be published and run within this. */
const DRAIN_BOUND_MS = 20_000;
const REVIEWER = 'zhongmou.treasury.reviewer';
const INITIATOR = 'zhongmou.school1.clerk';

const PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="redisOutageApproval" isExecutable="true">
<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
<bpmn:userTask id="review" name="国库审核" fiscal:assignee="${REVIEWER}" />
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="book" />
<bpmn:serviceTask id="book" fiscal:taskType="chaos.book" fiscal:retries="10" fiscal:retryBackoff="PT0.2S" />
<bpmn:sequenceFlow id="f3" sourceRef="book" targetRef="end" />
<bpmn:endEvent id="end" />
</bpmn:process>
</bpmn:definitions>`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('chaos/Redis unreachable (blackholed) under API load [MariaDB + Bull through the fault proxy]', function () {
  let redis: PrivateRedis;
  let proxy: FaultProxy;
  let t: RedisChaosServer;
  let knex: Knex;
  const booked = new Map<string, number>();
  /** When an HTTP request handed a job to the queue itself (after its commit) rather than leaving it to the relay. */
  const publishesInRequests: number[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  before(async function () {
    this.timeout(40_000);
    redis = await PrivateRedis.start();
    proxy = await FaultProxy.start({ targetPort: redis.port, protocol: 'raw', name: 'redis' });
    t = await openRedisChaosServer({
      redisUrl: `redis://127.0.0.1:${proxy.port}`,
      env: { RECONCILE_HORIZON_MS: String(HORIZON_MS) },
      handlers: {
        'chaos.book': async (job) => {
          booked.set(job.instanceId, (booked.get(job.instanceId) ?? 0) + 1);
          return { bookedFen: 100 };
        },
      },
    });
    knex = t.server.services.knex;
    // a pass-through spy on the real Bull queue: which publishes an HTTP request made (and so may wait on)
    const queue = t.server.runtime.infrastructure.queue;
    const publish = queue.publish.bind(queue);
    queue.publish = (message) => {
      if (currentRequest() !== undefined) publishesInRequests.push(Date.now());
      return publish(message);
    };
    await t.server.runtime.engine.deploy(PROCESS);
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`    fault proxy: ${proxy.describe()}`);
  });
  after(async function () {
    this.timeout(30_000);
    process.off('unhandledRejection', onUnhandled);
    proxy?.heal();
    try {
      await t?.close();
    } finally {
      await proxy?.close();
      await redis?.stop();
    }
  });

  it('should keep serving starts and completions, report degraded, and drain the outbox after healing', async function () {
    this.timeout(120_000);
    const initiator = await t.bearer(INITIATOR);
    const reviewer = await t.bearer(REVIEWER);
    const latencies = { start: [] as number[], complete: [] as number[] };
    /** Latencies of the requests begun in the outage's steady state (from `steadyFrom`, epoch ms). */
    const steady: number[] = [];
    let steadyFrom = Infinity;
    const failures: string[] = [];
    const timed = async (
      kind: keyof typeof latencies,
      send: () => PromiseLike<{ status: number; body: unknown }>,
    ) => {
      const began = performance.now();
      const inSteadyState = Date.now() >= steadyFrom;
      const res = await send();
      latencies[kind].push(performance.now() - began);
      if (inSteadyState) steady.push(performance.now() - began);
      if (res.status >= 300)
        failures.push(`${kind}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      return res;
    };
    /** One approval end to end from the client's side: start, find the review task, complete it. */
    const approve = async (businessKey: string): Promise<string | undefined> => {
      const started = await timed('start', () =>
        t.http
          .post('/api/process-definition/key/redisOutageApproval/start')
          .set('Authorization', initiator)
          .send({ businessKey, variables: { amountFen: 125_000 } }),
      );
      if (started.status >= 300) return undefined;
      const instanceId = (started.body as { id: string }).id;
      const tasks = await t.http
        .get(`/api/task?processInstanceId=${instanceId}`)
        .set('Authorization', reviewer);
      const task = (tasks.body as { id: string }[])[0];
      if (!task) {
        failures.push(`no review task for ${instanceId}: ${tasks.status}`);
        return instanceId;
      }
      await timed('complete', () =>
        t.http
          .post(`/api/task/${task.id}/complete`)
          .set('Authorization', reviewer)
          .send({ variables: { approved: true } }),
      );
      return instanceId;
    };
    const completedWithin = async (instanceIds: readonly string[], ms: number) => {
      const until = Date.now() + ms;
      for (;;) {
        const open = await knex('process_instances')
          .whereIn('id', instanceIds)
          .whereNot({ status: 'completed' })
          .pluck('id');
        if (open.length === 0) return;
        if (Date.now() > until)
          throw new Error(
            `${open.length}/${instanceIds.length} instances not completed within ${ms} ms: ${open.slice(0, 5).join(', ')}`,
          );
        await sleep(100);
      }
    };

    // given a healthy system: an approval runs end to end and /readyz is ready
    const warmUp = await approve('outage-warm-up');
    await completedWithin([warmUp!], 10_000);
    const healthy = await t.http.get('/readyz');
    assert.equal(healthy.status, 200, JSON.stringify(healthy.body));
    latencies.start.length = 0;
    latencies.complete.length = 0;

    // when Redis stops answering (every connection blackholed) while clients keep working for OUTAGE_MS
    proxy.blackhole(true);
    const outageStarted = Date.now();
    steadyFrom = outageStarted + STEADY_AFTER_MS;
    const duringOutage: string[] = [];
    let readyDuringOutage:
      { status: number; body: { status?: string; checks?: Record<string, { ok: boolean }> } } | undefined;
    const probeReadiness = (async () => {
      await sleep(2000);
      const res = await t.http.get('/readyz');
      readyDuringOutage = { status: res.status, body: res.body as never };
    })();
    // half-way, every connection to Redis is cut as well (as when TCP gives up on the partition): the clients
    // reconnect into the blackhole, so after healing Bull works on new connections (bull#1873, #2417)
    const cutConnections = setTimeout(() => proxy.resetAll(), OUTAGE_MS / 2);
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; Date.now() - outageStarted < OUTAGE_MS; i++) {
          const id = await approve(`outage-${client}-${i}`);
          if (id) duringOutage.push(id);
        }
      }),
    );
    await probeReadiness;
    clearTimeout(cutConnections);
    const connectionsBeforeHeal = proxy.stats.connections;
    const backlogAtHeal = Number(
      (await knex('jobs').where({ state: 'pending' }).whereNull('published_at').count({ n: '*' }).first())?.n,
    );
    const bookedDuringOutage = duringOutage.filter((id) => booked.has(id)).length;
    const outageMs = Date.now() - outageStarted;
    proxy.blackhole(false);
    const healedAt = Date.now();

    // then every request succeeded within the latency bound
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} requests failed during the outage`);
    const figures = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `n=${sorted.length} p50=${percentile(sorted, 50).toFixed(0)} ms p99=${percentile(sorted, 99).toFixed(0)} ms max=${sorted.at(-1)?.toFixed(0)} ms`;
    };
    const latencyLine =
      `starts ${figures(latencies.start)}; completions ${figures(latencies.complete)}; ` +
      `steady state (from ${STEADY_AFTER_MS} ms in) ${figures(steady)}`;
    assert.ok(
      latencies.complete.length >= CLIENTS,
      `only ${latencies.complete.length} completions: ${latencyLine}`,
    );
    const steadyP99 = percentile(
      [...steady].sort((a, b) => a - b),
      99,
    );
    console.log(
      `      steady-state p99 during the outage: ${steadyP99} ms (measured, not asserted: bench/ measures)`,
    );
    // and requests did not wait on queue.add to the unreachable Redis: only those in flight when the queue first
    // failed tried it (each waiting the publish timeout), not every completion
    const queueWaits = publishesInRequests.filter((at) => at >= outageStarted && at < healedAt).length;
    assert.ok(
      queueWaits <= CLIENTS,
      `${queueWaits} of ${latencies.complete.length} completions during the outage waited on queue.add: ${latencyLine}`,
    );

    // and /readyz said degraded (Redis failing, the database fine)
    assert.equal(readyDuringOutage?.status, 503, JSON.stringify(readyDuringOutage));
    assert.equal(readyDuringOutage?.body.status, 'degraded', JSON.stringify(readyDuringOutage?.body));
    assert.equal(readyDuringOutage?.body.checks?.database?.ok, true);

    // and the work Redis could not take waited in the outbox: nothing ran, nothing was lost
    assert.equal(bookedDuringOutage, 0, 'a service task ran while Redis was unreachable');
    assert.ok(backlogAtHeal > 0, 'no job waited in the outbox during the outage');

    // when the partition heals: the backlog drains to 0 and every approval of the outage completes
    await completedWithin(duringOutage, DRAIN_BOUND_MS);
    const drainedMs = Date.now() - healedAt;
    const backlog = Number((await knex('jobs').where({ state: 'pending' }).count({ n: '*' }).first())?.n);
    assert.equal(backlog, 0, 'pending jobs left after the drain');
    for (const id of duringOutage) assert.ok((booked.get(id) ?? 0) >= 1, `book never ran for ${id}`);

    // and /readyz is ready again
    let readyAgain = await t.http.get('/readyz');
    for (let i = 0; readyAgain.status !== 200 && i < 50; i++) {
      await sleep(100);
      readyAgain = await t.http.get('/readyz');
    }
    assert.equal(readyAgain.status, 200, JSON.stringify(readyAgain.body));

    // and the workers take new work: an approval started after recovery runs its service task promptly
    const afterRecovery = await approve('outage-after-recovery');
    const recoveredAt = Date.now();
    await completedWithin([afterRecovery!], 10_000);
    const newJobMs = Date.now() - recoveredAt;
    assert.deepEqual(failures, []);

    // and the invariant checker is clean
    const results = await checkInvariants(knex, { horizonMs: HORIZON_MS });
    assert.deepEqual(
      results
        .filter((r) => !r.ok)
        .map((r) => ({ invariant: r.invariant, violations: r.violations.slice(0, 5) })),
      [],
    );
    assert.deepEqual(await knex('incidents').select('id', 'element_id', 'message'), [], 'incidents');
    assert.deepEqual(unhandled.map(String), [], 'unhandled rejections');

    console.log(
      `      outage ${outageMs} ms, ${duringOutage.length} approvals during it: ${latencyLine}; ${queueWaits} requests waited on queue.add; readyz ${readyDuringOutage?.status} ` +
        `${readyDuringOutage?.body.status}; backlog at heal ${backlogAtHeal} jobs, drained and all completed ${drainedMs} ms after ` +
        `healing; a new approval after recovery completed in ${newJobMs} ms; connections through the proxy ${connectionsBeforeHeal} before healing; ${proxy.describe()}`,
    );
  });
});
