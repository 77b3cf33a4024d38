/**
 * A worker process for the lock-expiry test (test/chaos/lock-expiry-stall.test.ts, reliability.md §6.8): runs the
 * `stall.reserve` service handler with a short Bull lock until killed or sent SIGTERM.
 *
 * The handler reserves money on an indicator the way processes/treasury-payment does (IndicatorLedger with the
 * effect key `<instance>:<job>:reserve`), and records each run in `stall_handler_runs` (created by the test) so the
 * test can count deliveries that reached the handler. The first run of a job busy-waits `STALL_MS` (the event loop
 * is blocked, so Bull cannot renew the lock, exactly as a CPU-bound handler would); a later run either goes straight
 * on (`secondRun: 'fast'`, it finishes first) or waits, without blocking, for the first run to finish
 * (`secondRun: 'afterFirst'`, the first one wins).
 *
 * Env: DATABASE_URL, REDIS_URL, QUEUE_PREFIX, WORKER_NAME, STALL_MS, LOCK_MS, STALLED_INTERVAL_MS. Prints `ready`,
 * then `stalled <n>` each time Bull's stalled counter of this process grows, and `error <n> <epoch ms>` each time
 * its error counter grows (after a stall: "Missing lock" when the blocked run tries to complete; Bull then waits
 * `retryProcessDelay`, 5 s, before this process takes another job).
 */
import { createEngine } from '../../engine/index.js';
import { BullWorkQueue, openInfrastructure } from '../../engine/adapters/index.js';
import { IndicatorLedger } from '../../processes/treasury-payment/indicator-ledger.js';

const workerName = process.env.WORKER_NAME ?? `w${process.pid}`;
const stallMs = Number(process.env.STALL_MS ?? 3000);
const infrastructure = await openInfrastructure({
  databaseUrl: process.env.DATABASE_URL!,
  redisUrl: process.env.REDIS_URL!,
  queuePrefix: process.env.QUEUE_PREFIX!,
  migrate: false,
  poolMax: 4,
  bull: {
    lockDurationMs: Number(process.env.LOCK_MS ?? 1000),
    stalledIntervalMs: Number(process.env.STALLED_INTERVAL_MS ?? 300),
  },
});
const knex = infrastructure.knex;
const ledger = new IndicatorLedger(knex);

function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // the event loop is blocked on purpose: no timer, no lock renewal, no I/O
  }
}

const engine = createEngine({
  store: infrastructure.store,
  queue: infrastructure.queue,
  relay: { intervalMs: 200, graceMs: 500, horizonMs: 30_000 },
  handlers: {
    'stall.reserve': async (job) => {
      const [runId] = await knex('stall_handler_runs').insert({
        job_id: job.jobId,
        worker: workerName,
        started_at: Date.now(),
      });
      const earlier = Number(
        (
          await knex('stall_handler_runs')
            .where({ job_id: job.jobId })
            .andWhere('id', '<', runId!)
            .count({ n: '*' })
            .first()
        )?.n,
      );
      if (earlier === 0) {
        busyWait(stallMs);
      } else if (job.variables.secondRun === 'afterFirst') {
        const until = Date.now() + 20_000;
        while (Date.now() < until) {
          const first = await knex('stall_handler_runs')
            .where({ job_id: job.jobId })
            .andWhere('id', '<', runId!)
            .whereNotNull('finished_at')
            .first();
          if (first) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const result = await ledger.reserve({
        indicatorId: String(job.variables.indicatorId),
        amountFen: Number(job.variables.amountFen),
        paymentRef: job.instanceId,
        effectKey: `${job.instanceId}:${job.jobId}:reserve`,
      });
      await knex('stall_handler_runs')
        .where({ id: runId })
        .update({ finished_at: Date.now(), applied: result.applied });
      return { reserved: true };
    },
  },
});
// one service job at a time: a second slot would have a BRPOPLPUSH outstanding while the handler blocks, and Redis
// would hand the re-queued job to the blocked process itself (it then runs twice in the same process, later)
await engine.startWorkers({ serviceConcurrency: 1 });
process.stdout.write('ready\n');

const queue = infrastructure.queue as BullWorkQueue;
let reportedStalled = 0;
let reportedErrors = 0;
setInterval(() => {
  if (queue.stalledCount !== reportedStalled) {
    reportedStalled = queue.stalledCount;
    process.stdout.write(`stalled ${reportedStalled}\n`);
  }
  if (queue.errorCount !== reportedErrors) {
    reportedErrors = queue.errorCount;
    process.stdout.write(`error ${reportedErrors} ${Date.now()}\n`);
  }
}, 20).unref();

process.on('SIGTERM', async () => {
  await engine.stop();
  await infrastructure.store.close();
  process.exit(0);
});
