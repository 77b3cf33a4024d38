/**
 * Reliability plan §6 item 5, short version: an engine (MariaDB + Bull workers) whose every database connection
 * goes through the fault proxy, running 200 instances of a small approval (user task → service task → user task)
 * while the proxy resets a seeded 5 % of client chunks (statements) mid-stream, half before the server sees them
 * and half after it ran them. Clients retry failed calls as a real client would, looking the outcome up first.
 * With the faults off, every command must have committed whole or not at all: every instance completed, its
 * history holds each step exactly once and agrees with its tasks, jobs and version, and the pool works again.
 */
import assert from 'node:assert/strict';
import { createEngine, EngineError, type Engine } from '../../engine/index.js';
import {
  connectDatabase,
  dropMysqlDatabase,
  ensureMysqlDatabase,
  migrateLatest,
  obliterateBullPrefix,
  openInfrastructure,
  type Infrastructure,
} from '../../engine/adapters/index.js';
import { mapLimit } from '../helpers/bpmn-builder.js';
import { countRows, MYSQL_ROOT_URL, REDIS_URL, uniqueName, waitFor } from '../helpers/engine-harness.js';
import { FaultProxy } from './fault-proxy.js';
import Bull from 'bull';
import type { Knex } from 'knex';

const INSTANCES = 200;
const RESET_PROBABILITY = 0.05;
const POOL_MAX = 10;

const PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="chaosApproval" isExecutable="true">
<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
<bpmn:userTask id="review" name="审核" />
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="book" />
<bpmn:serviceTask id="book" fiscal:taskType="chaos.book" fiscal:retries="10" fiscal:retryBackoff="PT0.2S" />
<bpmn:sequenceFlow id="f3" sourceRef="book" targetRef="approve" />
<bpmn:userTask id="approve" name="审批" />
<bpmn:sequenceFlow id="f4" sourceRef="approve" targetRef="end" />
<bpmn:endEvent id="end" />
</bpmn:process>
</bpmn:definitions>`;

/** What each instance's history must hold exactly once, in a completed run. */
const ONCE: ReadonlyArray<readonly [string, string | null]> = [
  ['INSTANCE_STARTED', null],
  ['TASK_CREATED', 'review'],
  ['TASK_COMPLETED', 'review'],
  ['JOB_CREATED', 'book'],
  ['JOB_COMPLETED', 'book'],
  ['TASK_CREATED', 'approve'],
  ['TASK_COMPLETED', 'approve'],
  ['INSTANCE_COMPLETED', null],
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The client-visible name of an error: the engine's code, or `raw:` and the driver's code for anything else. */
function errorName(err: unknown): string {
  if (err instanceof EngineError) return err.code;
  const e = err as { code?: string; name?: string };
  return `raw:${e?.code ?? e?.name ?? String(err)}`;
}

/** What Bull says of one message (state, deliveries, last failure), for the diagnosis below. */
type BullJobState = { state: string; attemptsMade: number; failedReason?: string; stacktrace?: string[] };

describe('chaos/MySQL connection resets under load [MariaDB + Bull, through the fault proxy]', function () {
  const name = uniqueName('fbpm_rst');
  const directUrl = `${MYSQL_ROOT_URL}/${name}`;
  let proxy: FaultProxy;
  let direct: Knex;
  let infrastructure: Infrastructure;
  let engine: Engine;
  const handlerCalls = new Map<string, number>();
  const unhandled: unknown[] = [];
  let poolAcquireErrors = 0;
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  /**
   * Where a service job that did not finish stands (read directly, faults off): its outbox row, its message in
   * Bull, the instance's last history events and the engine's pool, so a failure of this test can be diagnosed.
   */
  const whereIsTheJob = async (instanceId: string): Promise<string> => {
    const jobs = await direct('jobs')
      .where({ instance_id: instanceId })
      .select(
        'id',
        'kind',
        'state',
        'attempt',
        'retries_left',
        'publish_seq',
        'published_at',
        'due_at',
        'last_error',
      );
    const bull = new Bull('service', { prefix: name, redis: REDIS_URL });
    try {
      const messages: Record<string, BullJobState | null> = {};
      for (const job of jobs) {
        for (let seq = 0; seq <= Number(job.publish_seq); seq++) {
          const id = `job-${job.id}-${job.attempt}-${seq}`;
          const found = await bull.getJob(id);
          messages[id] = found
            ? {
                state: await found.getState(),
                attemptsMade: found.attemptsMade,
                failedReason: found.failedReason,
                stacktrace: found.stacktrace?.slice(-1),
              }
            : null;
        }
      }
      const history = (await direct('history_events').where({ instance_id: instanceId }).orderBy('seq'))
        .slice(-6)
        .map((h: { type: string; element_id: string | null }) => `${h.type}:${h.element_id ?? ''}`);
      const pool = (infrastructure.knex.client as { pool: Record<string, () => number> }).pool;
      const poolState = ['numUsed', 'numFree', 'numPendingAcquires', 'numPendingCreates'].map(
        (k) => `${k}=${pool[k]!.call(pool)}`,
      );
      return JSON.stringify({ jobs, messages, history, pool: poolState.join(' ') });
    } finally {
      await bull.close();
    }
  };

  before(async function () {
    this.timeout(30_000);
    await ensureMysqlDatabase(directUrl);
    direct = connectDatabase({ url: directUrl, poolMax: 4 });
    await migrateLatest(direct);
    proxy = await FaultProxy.startForMysql(MYSQL_ROOT_URL);
    infrastructure = await openInfrastructure({
      databaseUrl: proxy.urlThrough(directUrl),
      redisUrl: REDIS_URL,
      queuePrefix: name,
      poolMax: POOL_MAX,
      migrate: false,
      bull: { lockDurationMs: 5000, stalledIntervalMs: 2000 },
    });
    // knex logs every failed pool acquisition (a reset during connect) as a warning with a stack: count them instead
    (infrastructure.knex.client as { logger: { _warn?: (message: string) => void } }).logger._warn = () => {
      poolAcquireErrors++;
    };
    engine = createEngine({
      store: infrastructure.store,
      queue: infrastructure.queue,
      relay: { intervalMs: 200, graceMs: 500, horizonMs: 5000 },
      handlers: {
        'chaos.book': async (job) => {
          handlerCalls.set(job.instanceId, (handlerCalls.get(job.instanceId) ?? 0) + 1);
          return { bookedFen: 100 };
        },
      },
    });
    await engine.deploy(PROCESS);
    await engine.startWorkers({ serviceConcurrency: 8 });
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`    fault proxy: ${proxy.describe()}`);
  });
  after(async function () {
    this.timeout(30_000);
    process.off('unhandledRejection', onUnhandled);
    proxy?.heal();
    await engine?.stop();
    await infrastructure?.store.close();
    await direct?.destroy();
    await proxy?.close();
    await dropMysqlDatabase(directUrl);
    await obliterateBullPrefix(REDIS_URL, name);
  });

  it('should commit each command whole or not at all while 5 % of statements lose their connection', async function () {
    this.timeout(90_000);
    const clientErrors = new Map<string, number>();
    const samples = new Map<string, string>();
    const count = (err: unknown) => {
      const key = errorName(err);
      clientErrors.set(key, (clientErrors.get(key) ?? 0) + 1);
      if (!samples.has(key)) samples.set(key, String((err as Error)?.message ?? err).slice(0, 120));
    };
    /** A client call retried until `settled` says it took effect (checked first, as a client would look it up). */
    const untilSettled = async <T>(
      what: string,
      settled: () => Promise<T | undefined>,
      act: () => Promise<unknown>,
    ) => {
      for (let attempt = 1; attempt <= 40; attempt++) {
        try {
          const done = await settled();
          if (done !== undefined) return done;
          await act();
        } catch (err) {
          count(err);
          await sleep(Math.min(200, 10 * attempt));
        }
      }
      throw new Error(`${what} did not take effect after 40 tries (${proxy.describe()})`);
    };
    const completeStep = (instanceId: string, elementId: string) =>
      untilSettled(
        `completing ${elementId} of ${instanceId}`,
        async () =>
          (await engine.history(instanceId)).some(
            (h) => h.type === 'TASK_COMPLETED' && h.elementId === elementId,
          ) || undefined,
        async () => {
          const task = (await engine.listTasks({ instanceId })).find((x) => x.elementId === elementId);
          if (task) await engine.completeTask(task.id, { actor: 'zhongmou.treasury.reviewer' });
        },
      );

    // given faults on: a seeded 5 % of statements reset their connection
    proxy.resetProbability(RESET_PROBABILITY);

    // when 200 clients each start an instance and complete its two user tasks, retrying what fails
    const runs = await mapLimit(
      Array.from({ length: INSTANCES }, (_, i) => i),
      20,
      async (i) => {
        const businessKey = `chaos-${i}`;
        const instanceId = await untilSettled(
          `starting ${businessKey}`,
          async () => (await engine.listInstances({ businessKey }))[0]?.id,
          () => engine.startInstance('chaosApproval', { businessKey, variables: { amountFen: 100 + i } }),
        );
        await completeStep(instanceId, 'review');
        await waitFor(
          async () => {
            try {
              return (await engine.listTasks({ instanceId })).some((x) => x.elementId === 'approve');
            } catch (err) {
              count(err);
              return false;
            }
          },
          `the service task of ${instanceId} to finish`,
          60_000,
          100,
        ).catch(async (err: Error) => {
          throw new Error(`${err.message}; ${await whereIsTheJob(instanceId)}`);
        });
        await completeStep(instanceId, 'approve');
        return instanceId;
      },
    );
    const faultsInjected = proxy.stats.resetsBefore + proxy.stats.resetsAfter;
    proxy.heal();
    const failedRuns = runs.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.deepEqual(
      failedRuns.map((r) => String(r.reason)),
      [],
      proxy.describe(),
    );
    const ids = runs.map((r) => (r as PromiseFulfilledResult<string>).value);

    // then every instance completed, once per business key
    const instances = await direct('process_instances').select('id', 'business_key', 'status', 'version');
    assert.equal(instances.length, INSTANCES, 'one instance per business key, no duplicate start');
    assert.equal(new Set(instances.map((r: { business_key: string }) => r.business_key)).size, INSTANCES);
    assert.deepEqual(new Set(ids), new Set(instances.map((r: { id: string }) => r.id)));
    assert.deepEqual(
      instances.filter((r: { status: string }) => r.status !== 'completed'),
      [],
      'instances left half-way',
    );

    // and each history holds every step exactly once, in versions the instance really committed
    const history = await direct('history_events').select('instance_id', 'type', 'element_id', 'seq');
    const versionOf = new Map(
      instances.map((r: { id: string; version: number }) => [r.id, Number(r.version)]),
    );
    const problems: string[] = [];
    const byInstance = new Map<string, typeof history>();
    for (const h of history) {
      const list = byInstance.get(h.instance_id) ?? [];
      list.push(h);
      byInstance.set(h.instance_id, list);
    }
    for (const id of ids) {
      const rows = byInstance.get(id) ?? [];
      for (const [type, element] of ONCE) {
        const n = rows.filter(
          (h) => h.type === type && (element === null || h.element_id === element),
        ).length;
        if (n !== 1) problems.push(`${id}: ${type} ${element ?? ''} ×${n}`);
      }
      const maxSeq = Math.max(...rows.map((h) => Number(h.seq)));
      if (maxSeq > versionOf.get(id)!)
        problems.push(`${id}: history seq ${maxSeq} > version ${versionOf.get(id)}`);
    }
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} history problems`);

    // and tasks, tokens, jobs and incidents agree with "completed"
    const openTasks = await direct('user_tasks').whereNot({ state: 'completed' }).count({ n: '*' }).first();
    assert.equal(Number(openTasks?.n), 0, 'tasks left open or half-closed');
    const tasks = countRows(
      await direct('user_tasks').select('element_id').count({ n: '*' }).groupBy('element_id'),
      'element_id',
    );
    assert.deepEqual(tasks.map((t) => [t.element_id, t.n]).sort(), [
      ['approve', INSTANCES],
      ['review', INSTANCES],
    ]);
    const jobs = countRows(await direct('jobs').select('state').count({ n: '*' }).groupBy('state'), 'state');
    assert.deepEqual(
      jobs.map((j) => [j.state, j.n]),
      [['done', INSTANCES]],
      'one service job per instance, all done',
    );
    const incidents = await direct('incidents').select('instance_id', 'element_id', 'message');
    assert.deepEqual(incidents, [], 'incidents raised by connection resets');
    const duplicates = await direct('history_events')
      .select('instance_id', 'seq', 'idx')
      .count({ n: '*' })
      .groupBy('instance_id', 'seq', 'idx')
      .having(direct.raw('count(*) > 1'));
    assert.deepEqual(duplicates, []);

    // and the pool through the proxy works again, with no more connections than it may hold
    await waitFor(async () => {
      try {
        await infrastructure.knex.raw('select 1');
        return true;
      } catch (err) {
        count(err);
        return false;
      }
    }, 'a query through the healed proxy to succeed');
    assert.equal((await engine.getInstance(ids[0]!)).status, 'completed');
    assert.ok(proxy.stats.open <= POOL_MAX, `${proxy.stats.open} connections open through the proxy`);
    assert.deepEqual(unhandled.map(String), [], 'unhandled rejections');

    // the figures: faults, what clients saw, how often the service handler re-ran, job failures from store errors
    const repeated = [...handlerCalls.values()].filter((n) => n > 1).length;
    const mostRuns = Math.max(...handlerCalls.values());
    const storeJobFailures = (
      await direct('history_events').where({ type: 'JOB_FAILED' }).select('data_json')
    ).filter((r: { data_json: string }) => r.data_json.includes('Database unavailable')).length;
    console.log(
      `      ${faultsInjected} resets over ${proxy.stats.connections} connections (${poolAcquireErrors} failed ` +
        `pool acquisitions); client-visible errors: ${JSON.stringify(Object.fromEntries(clientErrors))}; ` +
        `service handler re-ran for ${repeated}/${INSTANCES} instances (at most ${mostRuns} runs); ` +
        `${storeJobFailures} JOB_FAILED from store errors; ${proxy.describe()}`,
    );
    for (const [key, message] of samples)
      if (key.startsWith('raw:')) console.log(`      e.g. ${key}: ${message}`);
    assert.ok(faultsInjected > 0, 'no fault was injected');
    // a lost connection is a retryable store error for the client, never a raw one (a 500 over HTTP), and never a
    // business failure of a service task
    assert.deepEqual(
      [...clientErrors.keys()].filter((key) => key.startsWith('raw:')),
      [],
      `raw errors reached the client: ${JSON.stringify(Object.fromEntries(samples))}`,
    );
    assert.equal(storeJobFailures, 0, 'database errors counted as service-task failures');
  });
});
