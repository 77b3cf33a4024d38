/**
 * Reliability plan §6 scenario 3, scaled down: Redis is wiped twice mid-run (SHUTDOWN NOSAVE, then restarted
 * empty on the same port), while a server runtime on MariaDB + a private Redis carries a load of approvals with
 * async service tasks, short timers and user tasks (routed and assigned) in flight. Bull loses every waiting,
 * delayed and active job each time; the database is the truth, so the relay and the reconciler must publish every
 * pending job and timer again and every instance must still reach its end.
 *
 * Asserted: every instance completed within a bound after the last wipe; every job that was pending at a wipe
 * ended (none stuck pending), and the reconciler republished the ones Redis lost; each service step ran its
 * effect for the instance (handler calls counted); no job left unpublished past the horizon, and the invariant
 * checker (I1–I6) is clean. Seeded (CHAOS_SEED), the seed printed on failure.
 */
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { checkInvariants } from '../../server/check/index.js';
import { mapLimit } from '../helpers/bpmn-builder.js';
import { seededRandom } from './fault-proxy.js';
import { PrivateRedis } from './private-redis.js';
import { openRedisChaosServer, type RedisChaosServer } from './redis-chaos-server.js';

const INSTANCES = 30;
const CLIENTS = 15;
const WIPES = 2;
const HORIZON_MS = 3000;
/** After the last restart, every instance must be done within this. */
const SETTLE_BOUND_MS = 30_000;
const REVIEWER = 'zhongmou.treasury.reviewer';
const INITIATOR = 'zhongmou.school1.clerk';
const CHIEF = 'zhongmou.school1.chief';

const PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="redisWipeApproval" isExecutable="true">
<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check" />
<bpmn:serviceTask id="check" fiscal:taskType="chaos.work" fiscal:retries="10" fiscal:retryBackoff="PT0.2S" />
<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="fork" />
<bpmn:parallelGateway id="fork" />
<bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="wait" />
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">=waitDuration</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="book" />
<bpmn:serviceTask id="book" fiscal:taskType="chaos.work" fiscal:retries="10" fiscal:retryBackoff="PT0.2S" />
<bpmn:sequenceFlow id="f5" sourceRef="book" targetRef="join" />
<bpmn:sequenceFlow id="f6" sourceRef="fork" targetRef="review" />
<bpmn:userTask id="review" name="国库审核" fiscal:assignee="${REVIEWER}" />
<bpmn:sequenceFlow id="f7" sourceRef="review" targetRef="join" />
<bpmn:parallelGateway id="join" />
<bpmn:sequenceFlow id="f8" sourceRef="join" targetRef="approve" />
<bpmn:userTask id="approve" name="单位负责人审批" fiscal:candidateRoles="chief" fiscal:orgScope="initiatorUnit" />
<bpmn:sequenceFlow id="f9" sourceRef="approve" targetRef="notify" />
<bpmn:serviceTask id="notify" fiscal:taskType="chaos.work" fiscal:retries="10" fiscal:retryBackoff="PT0.2S" />
<bpmn:sequenceFlow id="f10" sourceRef="notify" targetRef="end" />
<bpmn:endEvent id="end" />
</bpmn:process>
</bpmn:definitions>`;

const SERVICE_STEPS = ['check', 'book', 'notify'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface JobRow {
  id: string;
  kind: string;
  publish_seq: number;
  published_at: unknown;
}

describe('chaos/Redis wiped twice mid-run [MariaDB + Bull on a private Redis]', function () {
  const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  let redis: PrivateRedis;
  let t: RedisChaosServer;
  let knex: Knex;
  /** Handler runs per `<instanceId>/<elementId>`. */
  const handlerRuns = new Map<string, number>();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  before(async function () {
    this.timeout(40_000);
    redis = await PrivateRedis.start();
    t = await openRedisChaosServer({
      redisUrl: redis.url,
      env: { RECONCILE_HORIZON_MS: String(HORIZON_MS) },
      serviceConcurrency: 8,
      handlers: {
        'chaos.work': async (job) => {
          const key = `${job.instanceId}/${job.elementId}`;
          handlerRuns.set(key, (handlerRuns.get(key) ?? 0) + 1);
          await sleep(20 + Math.floor(random() * 150));
          return { [`${job.elementId}DoneFen`]: 100 };
        },
      },
    });
    knex = t.server.services.knex;
    await t.server.runtime.engine.deploy(PROCESS);
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`    CHAOS_SEED=${seed}`);
  });
  after(async function () {
    this.timeout(30_000);
    process.off('unhandledRejection', onUnhandled);
    try {
      await t?.close();
    } finally {
      await redis?.stop();
    }
  });

  it('should finish every instance, republish what Redis lost, and leave the checker clean', async function () {
    this.timeout(120_000);
    const runStarted = Date.now();
    const auth = {
      initiator: await t.bearer(INITIATOR),
      reviewer: await t.bearer(REVIEWER),
      chief: await t.bearer(CHIEF),
    };
    const clientErrors: string[] = [];
    /** An HTTP call retried on a 5xx (a client would); 4xx fail the run. */
    const call = async (
      what: string,
      send: () => Promise<{ status: number; body: unknown }>,
    ): Promise<unknown> => {
      for (let attempt = 1; attempt <= 20; attempt++) {
        const res = await send();
        if (res.status < 300) return res.body;
        if (res.status < 500) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
        clientErrors.push(`${what}: ${res.status}`);
        await sleep(100 * attempt);
      }
      throw new Error(`${what}: still failing after 20 tries`);
    };
    /** Waits for the instance's open task at `elementId` (visible to `bearer`) and completes it. */
    const completeStep = async (instanceId: string, elementId: string, bearer: string) => {
      const until = Date.now() + SETTLE_BOUND_MS;
      for (;;) {
        const tasks = (await call(`list tasks of ${instanceId}`, () =>
          t.http.get(`/api/task?processInstanceId=${instanceId}`).set('Authorization', bearer),
        )) as { id: string; taskDefinitionKey?: string; elementId?: string }[];
        const task = tasks.find((x) => (x.taskDefinitionKey ?? x.elementId) === elementId);
        if (task) {
          await call(`complete ${elementId} of ${instanceId}`, () =>
            t.http
              .post(`/api/task/${task.id}/complete`)
              .set('Authorization', bearer)
              .send({ variables: { approved: true } }),
          );
          return;
        }
        if (Date.now() > until)
          throw new Error(`no ${elementId} task for ${instanceId} within ${SETTLE_BOUND_MS} ms`);
        await sleep(150);
      }
    };

    // a wipe happens when this many instances have been started
    const wipeAt = Array.from({ length: WIPES }, (_, i) => Math.round(((i + 1) * INSTANCES) / (WIPES + 1)));
    const wipes: { at: number; downMs: number; pendingJobs: JobRow[]; restartedAt: number }[] = [];
    let started = 0;
    let wiping: Promise<void> = Promise.resolve();
    const wipe = async () => {
      // the jobs the database says are pending right now: each must still end after Redis loses them
      const pendingJobs = (await knex('jobs')
        .where({ state: 'pending' })
        .select('id', 'kind', 'publish_seq', 'published_at')) as JobRow[];
      const downMs = 300 + Math.floor(random() * 1200);
      const at = Date.now() - runStarted;
      await redis.shutdownNoSave();
      await sleep(downMs);
      await redis.restart();
      wipes.push({ at, downMs, pendingJobs, restartedAt: Date.now() });
    };

    // when CLIENTS clients each start instances and drive their user tasks, while Redis is wiped twice
    const runs = await mapLimit(
      Array.from({ length: INSTANCES }, (_, i) => i),
      CLIENTS,
      async (i) => {
        await sleep(Math.floor(random() * 400));
        const body = (await call(`start #${i}`, () =>
          t.http
            .post('/api/process-definition/key/redisWipeApproval/start')
            .set('Authorization', auth.initiator)
            .send({
              businessKey: `wipe-${i}`,
              variables: { amountFen: 10_000 + i, waitDuration: `PT${1 + Math.floor(random() * 2)}S` },
            }),
        )) as { id: string };
        started++;
        if (wipeAt.includes(started)) wiping = wiping.then(wipe);
        await completeStep(body.id, 'review', auth.reviewer);
        await completeStep(body.id, 'approve', auth.chief);
        return body.id;
      },
    );
    await wiping;
    const failed = runs.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.deepEqual(
      failed.slice(0, 5).map((r) => String(r.reason)),
      [],
      `${failed.length} clients failed`,
    );
    const ids = runs.map((r) => (r as PromiseFulfilledResult<string>).value);
    assert.equal(wipes.length, WIPES, 'Redis was wiped twice');
    assert.equal(redis.starts, WIPES + 1);
    const lastRestart = wipes[WIPES - 1]!.restartedAt;

    // then every instance reaches its end within the bound (counted from the second restart, clients included)
    const until = lastRestart + SETTLE_BOUND_MS;
    let open: { id: string; status: string }[] = [];
    for (;;) {
      open = await knex('process_instances').whereNot({ status: 'completed' }).select('id', 'status');
      if (open.length === 0 || Date.now() > until) break;
      await sleep(250);
    }
    const settledMs = Date.now() - lastRestart;
    const stuckJobs = await knex('jobs')
      .where({ state: 'pending' })
      .select('id', 'kind', 'element_id', 'instance_id', 'publish_seq', 'published_at', 'due_at')
      .limit(10);
    assert.deepEqual(
      open.slice(0, 10),
      [],
      `${open.length} instances not completed ${SETTLE_BOUND_MS} ms after the last restart; pending jobs: ${JSON.stringify(stuckJobs)}`,
    );
    assert.ok(
      settledMs <= SETTLE_BOUND_MS,
      `the last instance completed ${settledMs} ms after the last restart`,
    );
    assert.equal(ids.length, INSTANCES);
    const instances = await knex('process_instances').count({ n: '*' }).first();
    assert.equal(Number(instances?.n), INSTANCES, 'one instance per start');

    // and every job pending at a wipe ended; those Redis lost were published again (publish_seq moved on)
    const finalJobs = new Map(
      (
        (await knex('jobs').select('id', 'state', 'publish_seq')) as {
          id: string;
          state: string;
          publish_seq: number;
        }[]
      ).map((j) => [j.id, j]),
    );
    let republished = 0;
    let pendingAtWipes = 0;
    for (const w of wipes) {
      for (const job of w.pendingJobs) {
        pendingAtWipes++;
        const now = finalJobs.get(job.id);
        assert.ok(now, `job ${job.id} vanished`);
        assert.notEqual(
          now.state,
          'pending',
          `job ${job.id} (${job.kind}) pending at a wipe is still pending`,
        );
        if (Number(now.publish_seq) > Number(job.publish_seq)) republished++;
      }
    }
    assert.ok(pendingAtWipes > 0, 'no job was pending at either wipe: the wipes hit nothing');
    assert.ok(republished > 0, 'no job pending at a wipe was republished by the reconciler');
    assert.equal(
      (await knex('jobs').where({ state: 'pending' }).count({ n: '*' }).first())?.n,
      0,
      'pending jobs left behind',
    );
    const failedJobs = await knex('jobs').where({ state: 'failed' }).select('id', 'kind', 'last_error');
    assert.deepEqual(failedJobs, [], 'jobs failed');
    assert.deepEqual(await knex('incidents').select('id', 'element_id', 'message'), [], 'incidents');

    // and each service step ran for every instance (at least once: a lost active job may run twice)
    for (const id of ids)
      for (const step of SERVICE_STEPS)
        assert.ok((handlerRuns.get(`${id}/${step}`) ?? 0) >= 1, `${step} of ${id} never ran`);
    const reruns = [...handlerRuns.values()].filter((n) => n > 1).length;

    // and the invariant checker is clean (I6: nothing left unpublished past the horizon)
    const results = await checkInvariants(knex, { horizonMs: HORIZON_MS });
    assert.deepEqual(
      results
        .filter((r) => !r.ok)
        .map((r) => ({ invariant: r.invariant, violations: r.violations.slice(0, 5) })),
      [],
    );
    assert.deepEqual(unhandled.map(String), [], 'unhandled rejections');

    console.log(
      `      seed ${seed}: ${INSTANCES} instances; wipes at ${wipes.map((w) => `${w.at} ms (down ${w.downMs} ms, ${w.pendingJobs.length} jobs pending)`).join(', ')}; ` +
        `${republished}/${pendingAtWipes} jobs pending at a wipe were republished; all completed ${settledMs} ms after ` +
        `the last restart; ${reruns} service steps ran twice or more; ${clientErrors.length} client 5xx retries; ` +
        `run ${Date.now() - runStarted} ms`,
    );
  });
});
