/**
 * Lock expiry through an event-loop stall (reliability.md §6.8, §2): a service handler busy-waits 3 s, three times
 * Bull's 1 s `lockDuration`, in one of two worker processes. The blocked process cannot renew its lock, the other
 * worker's stalled checker re-queues the job and runs it again while the first run is still going: a real duplicate
 * delivery, counted in the handler's side table and in Bull's `stalled` counter. The handler reserves money the way
 * processes/treasury-payment does (IndicatorLedger, effect key `<instance>:<job>:reserve`), so the effect is applied
 * once whichever run gets there first, and the engine's job attempt guard lets only one run advance the instance.
 *
 * Two orders are exercised, alternating per round: the re-run finishes first (`fast`), or the stalled first run
 * finishes first and the re-run comes after it (`afterFirst`). Each round starts one instance once two of the three
 * workers take jobs (each takes one at a time), so a free worker is always there to take over. Measured on the way:
 * the stalled worker's late completion fails with "Missing lock", after which Bull keeps that worker from taking
 * jobs for `retryProcessDelay` (5 s); a worker with a second concurrency slot gets the re-queued job itself, after
 * its stall. Ends with the invariant checker (I1–I6) clean.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Bull from 'bull';
import { checkInvariants } from '../../server/check/index.js';
import { IndicatorLedger } from '../../processes/treasury-payment/indicator-ledger.js';
import { createTestEngine, REDIS_URL, type TestEngine, waitFor } from '../helpers/engine-harness.js';
import { serviceChain } from '../helpers/bpmn-builder.js';
import { TEST_INDICATOR_LINE } from '../helpers/indicator-line.js';

const WORKER = fileURLToPath(new URL('./stall-worker-process.ts', import.meta.url));
const LOCK_MS = 1000;
const STALL_MS = 3 * LOCK_MS;
const ROUNDS = 4;
/** Bull's `retryProcessDelay` (default): after a processing error a worker takes no job for this long. */
const RETRY_PROCESS_DELAY_MS = 5000;
const AMOUNT_FEN = 12_345;

interface StallWorker {
  readonly child: ChildProcess;
  readonly name: string;
  /** Bull's stalled counter as last reported by the process. */
  stalled: number;
  /** Bull's error counter as last reported, and when it last grew (epoch ms). */
  errors: number;
  lastErrorAt: number;
}

function startWorker(t: TestEngine, name: string): Promise<StallWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: {
      ...process.env,
      DATABASE_URL: t.databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: t.queuePrefix,
      WORKER_NAME: name,
      STALL_MS: String(STALL_MS),
      LOCK_MS: String(LOCK_MS),
      STALLED_INTERVAL_MS: '300',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const worker: StallWorker = { child, name, stalled: 0, errors: 0, lastErrorAt: 0 };
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`worker ${name} exited early (${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line === 'ready') resolve(worker);
        const stalled = /^stalled (\d+)$/.exec(line);
        if (stalled) worker.stalled = Number(stalled[1]);
        const error = /^error (\d+) (\d+)$/.exec(line);
        if (error) [worker.errors, worker.lastErrorAt] = [Number(error[1]), Number(error[2])];
      }
    });
  });
}

async function stopWorker(worker: StallWorker): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = new Promise((r) => worker.child.once('exit', r));
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

describe('chaos/lock expiry through an event-loop stall [MariaDB + Bull, three worker processes]', function () {
  let t: TestEngine;
  const workers: StallWorker[] = [];
  let indicatorId: string;

  before(async function () {
    this.timeout(30_000);
    t = await createTestEngine('mysql');
    await t.infrastructure.knex.schema.createTable('stall_handler_runs', (table) => {
      table.increments('id');
      table.string('job_id', 64).notNullable().index();
      table.string('worker', 32).notNullable();
      table.bigInteger('started_at').notNullable();
      table.bigInteger('finished_at');
      table.boolean('applied');
    });
    const ledger = new IndicatorLedger(t.infrastructure.knex);
    indicatorId = (
      await ledger.register({
        ...TEST_INDICATOR_LINE,
        allocatedFen: 10_000_000,
      })
    ).id;
    await t.engine.deploy(serviceChain('stallReserve', 1, 'stall.reserve'));
    workers.push(...(await Promise.all([startWorker(t, 'A'), startWorker(t, 'B'), startWorker(t, 'C')])));
  });

  after(async function () {
    this.timeout(20_000);
    await Promise.all(workers.map(stopWorker));
    await t?.close();
  });

  it(`should run a job stalled past its lock twice, apply its effect once and advance the instance once (${ROUNDS} rounds)`, async function () {
    this.timeout(50_000);
    const knex = t.infrastructure.knex;
    const jobIds: string[] = [];
    const instanceIds: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const secondRun = round % 2 === 0 ? 'fast' : 'afterFirst';
      // two workers must be taking jobs: one to stall, one to take over (the stalled one of the previous round
      // sits out Bull's retryProcessDelay after its "Missing lock")
      await waitFor(
        () => workers.filter((w) => Date.now() > w.lastErrorAt + RETRY_PROCESS_DELAY_MS + 200).length >= 2,
        'two workers out of their retry delay',
        RETRY_PROCESS_DELAY_MS + 2000,
      );
      // given a job whose first run blocks the event loop for 3 × lockDuration
      const instance = await t.engine.startInstance('stallReserve', {
        variables: { indicatorId, amountFen: AMOUNT_FEN, secondRun },
      });
      instanceIds.push(instance.id);
      const [job] = await knex('jobs').where({ instance_id: instance.id, element_id: 's1' });
      jobIds.push(String(job.id));

      // when the other worker takes the job over and both runs finish
      await waitFor(
        async () =>
          (await t.engine.getInstance(instance.id)).status === 'completed' &&
          Number(
            (
              await knex('stall_handler_runs')
                .where({ job_id: job.id })
                .whereNotNull('finished_at')
                .count({ n: '*' })
                .first()
            )?.n,
          ) >= 2,
        `round ${round} (${secondRun}): the instance to complete and two handler runs to finish`,
        20_000,
        50,
      );

      // then the handler ran twice, in two workers, and exactly one run applied the reservation
      const runs = await knex('stall_handler_runs').where({ job_id: job.id }).orderBy('id');
      assert.ok(runs.length >= 2, `round ${round}: expected a duplicate delivery, got ${runs.length} run(s)`);
      assert.equal(
        new Set(runs.map((r: { worker: string }) => r.worker)).size,
        2,
        `round ${round}: the re-run must come from another worker: ${JSON.stringify(runs)}`,
      );
      const applied = runs.filter((r: { applied: unknown }) => Boolean(r.applied));
      assert.equal(applied.length, 1, `round ${round}: runs that applied the effect`);
      // the run that finished first applied it: the re-run in 'fast', the stalled first run in 'afterFirst'
      assert.equal(
        applied[0].id,
        runs[secondRun === 'fast' ? 1 : 0].id,
        `round ${round} (${secondRun}): the wrong run applied the effect`,
      );
    }

    // and Bull saw the stalls
    await waitFor(
      () => workers.reduce((n, w) => n + w.stalled, 0) >= ROUNDS,
      'the stalled counters to reach the rounds',
      5000,
    );

    // and each job's effect is in the ledger once, each instance advanced past the service task once
    const entries = await knex('treasury_ledger_entries').where({ kind: 'reserve' }).select('effect_key');
    assert.deepEqual(
      entries.map((e: { effect_key: string }) => e.effect_key).sort(),
      instanceIds.map((id, i) => `${id}:${jobIds[i]}:reserve`).sort(),
    );
    const indicator = await new IndicatorLedger(knex).get(indicatorId);
    assert.equal(indicator?.reservedFen, ROUNDS * AMOUNT_FEN);
    for (const type of ['JOB_COMPLETED', 'ELEMENT_COMPLETED']) {
      const perInstance = await knex('history_events')
        .where({ type, element_id: 's1' })
        .whereIn('instance_id', instanceIds)
        .select('instance_id')
        .count({ n: '*' })
        .groupBy('instance_id');
      assert.equal(perInstance.length, ROUNDS, `${type} rows for s1`);
      assert.ok(
        perInstance.every((r) => Number(r.n) === 1),
        `${type} of s1 written twice: ${JSON.stringify(perInstance)}`,
      );
    }
    const jobStates = await knex('jobs').whereIn('id', jobIds).select('state');
    assert.ok(
      jobStates.every((j: { state: string }) => j.state === 'done'),
      JSON.stringify(jobStates),
    );

    // and no job ended failed without an incident: in the database, and in Bull (a job Bull failed after the
    // stall must be one the engine finished)
    const failedWithoutIncident = await knex('jobs as j')
      .leftJoin('incidents as i', 'i.job_id', 'j.id')
      .where('j.state', 'failed')
      .whereNull('i.id')
      .select('j.id');
    assert.deepEqual(failedWithoutIncident, []);
    const bull = new Bull('service', { prefix: t.queuePrefix, redis: REDIS_URL });
    try {
      for (const failed of await bull.getFailed()) {
        const dbJob = await knex('jobs')
          .where({ id: String(failed.data.jobId) })
          .first();
        const incident = await knex('incidents')
          .where({ job_id: String(failed.data.jobId) })
          .first();
        assert.ok(
          dbJob?.state === 'done' || incident,
          `Bull failed job ${String(failed.id)} (${failed.failedReason}) whose engine job is ${dbJob?.state} with no incident`,
        );
      }
    } finally {
      await bull.close();
    }

    const results = await checkInvariants(knex);
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
    );
    const runsTotal = Number((await knex('stall_handler_runs').count({ n: '*' }).first())?.n);
    console.log(
      `      lock expiry: ${ROUNDS} jobs, ${runsTotal} handler runs, stalled events ${workers.map((w) => w.stalled).join('+')}, effects applied ${entries.length}`,
    );
  });
});
