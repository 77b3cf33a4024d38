/**
 * Reliability plan §6 scenario 1 scaled down, worker SIGKILL storm: instances of the chaos test process (two
 * async service tasks and two user tasks around a parallel split/join, test/fixtures/chaos-storm.bpmn) run on one
 * API process and three `fiscal-bpm worker` processes while a seeded storm SIGKILLs a random worker every
 * 0.3–1.5 s (the first within 0.6 s, so a fast load still meets kills) and starts it again. Clients start the instances and complete their tasks through the API meanwhile.
 *
 * After the storm and a settle: every instance is COMPLETED (those whose last task was completed) or waiting at
 * its `confirm` user task with nothing else pending; no task or job was lost; each task was completed exactly
 * once; the invariant checker (I1–I6) is clean. Duplicate deliveries (jobs Bull re-delivered after their
 * worker died) are allowed, counted and printed. CHAOS_SEED replays a run; CHAOS_STORM_INSTANCES sets the count
 * (default 40).
 */
import assert from 'node:assert/strict';
import { ChaosCluster, CHAOS_JWT_SECRET } from './runner/chaos-cluster.js';
import { ChaosApiClient } from './runner/api-client.js';
import { between, chaosSeed, randomStream } from './runner/chaos-seed.js';
import type { FiscalChild } from './runner/fiscal-child.js';
import {
  deployStormProcess,
  startStormInstance,
  STORM_PROCESS_KEY,
  STORM_USER,
  waitForOpenTask,
} from './runner/storm-process.js';

const INSTANCES = Number(process.env.CHAOS_STORM_INSTANCES ?? 40);
const CONCURRENCY = 6;

describe('chaos/worker SIGKILL storm [1 API + 3 worker processes, MariaDB + Redis through the fault proxy]', function () {
  const seed = chaosSeed();
  let cluster: ChaosCluster;
  let api: ChaosApiClient;

  before(async function () {
    this.timeout(300_000);
    console.log(`      chaos seed ${seed} (CHAOS_SEED=${seed} replays it)`);
    cluster = await ChaosCluster.start({ seed, apis: 1, workers: 3 });
    api = new ChaosApiClient(() => cluster.apiUrls, { jwtSecret: CHAOS_JWT_SECRET });
    await deployStormProcess(api);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && cluster) {
      console.log(`      seed ${seed} (CHAOS_SEED=${seed}); faults:\n${cluster.faults.tail().join('\n')}`);
      console.log(cluster.tails());
    }
  });

  after(async function () {
    this.timeout(60_000);
    await cluster?.close();
  });

  it(`should bring ${INSTANCES} instances to their end or a user task while workers are SIGKILLed, invariants intact`, async function () {
    this.timeout(600_000);
    // the storm: a random running worker SIGKILLed every 0.3–1.5 s (the first within 0.6 s), started again at once
    const random = randomStream(seed, 'storm');
    const respawns = new Set<Promise<void>>();
    let storming = true;
    let first = true;
    const storm = (async () => {
      while (storming) {
        await sleep(first ? between(random, 200, 600) : between(random, 300, 1500));
        first = false;
        if (!storming) break;
        const running = cluster.workers.filter((w) => w.running);
        if (running.length === 0) continue;
        const victim: FiscalChild = running[between(random, 0, running.length - 1)]!;
        cluster.faults.add('kill-worker', victim.name, `pid=${victim.pid}`);
        await victim.kill();
        const respawn = victim.start().finally(() => respawns.delete(respawn));
        respawns.add(respawn);
      }
    })();

    // the load: start each instance, complete `fill`, and for every other instance `confirm` too
    const instances: string[] = [];
    const finished = new Set<string>();
    let next = 0;
    const client = async () => {
      while (next < INSTANCES) {
        const n = next++;
        const instanceId = await startStormInstance(api, `storm-${seed}-${n}`);
        instances.push(instanceId);
        const fill = await waitForOpenTask(cluster.knex, instanceId, 'fill', 120_000);
        const filled = await api.as(STORM_USER, 'POST', `/api/task/${fill}/complete`, { body: {} });
        assert.equal(filled.status, 200, `complete fill of ${instanceId}: ${JSON.stringify(filled.body)}`);
        if (n % 2 === 0) {
          const confirm = await waitForOpenTask(cluster.knex, instanceId, 'confirm', 120_000);
          const done = await api.as(STORM_USER, 'POST', `/api/task/${confirm}/complete`, { body: {} });
          assert.equal(done.status, 200, `complete confirm of ${instanceId}: ${JSON.stringify(done.body)}`);
          finished.add(instanceId);
        }
      }
    };
    const began = Date.now();
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, client));
    } finally {
      storming = false;
      await storm;
      await Promise.all(respawns);
    }
    const loadMs = Date.now() - began;
    const settleMs = await cluster.settle(90_000);

    // then every instance is completed, or waits at `confirm` with nothing else pending
    const rows = (await cluster
      .knex('process_instances')
      .where({ process_key: STORM_PROCESS_KEY })
      .select('id', 'status')) as Array<{ id: string; status: string }>;
    assert.equal(rows.length, INSTANCES, 'instances started');
    const problems: string[] = [];
    for (const row of rows) {
      const open = (await cluster
        .knex('user_tasks')
        .where({ instance_id: row.id })
        .whereIn('state', ['created', 'routing'])
        .select('element_id', 'state')) as Array<{ element_id: string; state: string }>;
      const pendingJobs = (await cluster
        .knex('jobs')
        .where({ instance_id: row.id, state: 'pending' })
        .select('kind', 'element_id')) as Array<{ kind: string; element_id: string }>;
      const expected = finished.has(row.id) ? 'completed' : 'waiting at confirm';
      const actual =
        row.status === 'completed' && open.length === 0 && pendingJobs.length === 0
          ? 'completed'
          : row.status === 'running' &&
              open.length === 1 &&
              open[0]!.element_id === 'confirm' &&
              open[0]!.state === 'created' &&
              pendingJobs.every((j) => j.kind === 'task-deadline')
            ? 'waiting at confirm'
            : `${row.status}, open ${JSON.stringify(open)}, pending jobs ${JSON.stringify(pendingJobs)}`;
      if (actual !== expected) problems.push(`${row.id}: expected ${expected}, found ${actual}`);
    }
    assert.deepEqual(problems, [], `instances not where they should be (seed ${seed})`);

    // and each task was completed once: one TASK_COMPLETED row per completed task
    const completions = (await cluster
      .knex('history_events as h')
      .join('process_instances as i', 'i.id', 'h.instance_id')
      .where({ 'i.process_key': STORM_PROCESS_KEY, 'h.type': 'TASK_COMPLETED' })
      .select('h.task_id')
      .count({ n: '*' })
      .groupBy('h.task_id')) as Array<{ task_id: string; n: number | string }>;
    assert.equal(completions.length, INSTANCES + finished.size, 'tasks completed');
    assert.deepEqual(
      completions.filter((c) => Number(c.n) !== 1),
      [],
      'a task completed more than once',
    );

    // and the invariants hold
    const { violations } = await cluster.check();
    assert.deepEqual(violations, [], `invariant violations (seed ${seed})`);

    const duplicates = await cluster.sampleStalledDeliveries();
    const kills = cluster.faults.counts()['kill-worker'] ?? 0;
    console.log(
      `      ${INSTANCES} instances (${finished.size} completed, ${INSTANCES - finished.size} at confirm) in ` +
        `${loadMs} ms under ${kills} worker SIGKILLs; settled in ${settleMs} ms; duplicate deliveries ` +
        `(Bull stalled re-deliveries) ${duplicates}; client retries ${api.retries}`,
    );
    assert.ok(kills > 0, 'the storm killed no worker');
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
