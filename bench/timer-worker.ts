/**
 * A worker process of the timer scenario: an engine with its workers running (Bull consumer, outbox relay,
 * reconciler), as `npm run worker` runs them, against the bench database and Redis. It fires whatever timers
 * fall due; the parent only starts it, waits, and stops it. On stop it reports what its Bull adapter counted
 * (stalled re-runs, errors), then finishes the jobs in flight and exits. Between 'measure' and 'measured' it
 * counts the SQL statements it sends.
 */
import { createEngine } from '../engine/index.js';
import { openInfrastructure } from '../engine/adapters/index.js';
import type { BullWorkQueue } from '../engine/adapters/bull/bull-work-queue.js';
import { exitWithParent, finishChild, fromParent, sendToParent } from './lib/child.js';
import { SqlCounter } from './lib/sql-counter.js';

exitWithParent();
try {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`timer-worker needs ${name}`);
    return value;
  };
  const infrastructure = await openInfrastructure({
    databaseUrl: env('BENCH_DATABASE_URL'),
    redisUrl: env('BENCH_REDIS_URL'),
    queuePrefix: env('BENCH_QUEUE_PREFIX'),
    poolMax: Number(env('BENCH_CHILD_POOL')),
    migrate: false,
  });
  // the server's defaults: relay every 1 s, reconcile horizon 60 s, 8 concurrent timer handlers
  const engine = createEngine({ store: infrastructure.store, queue: infrastructure.queue });
  await engine.startWorkers({ timerConcurrency: Number(env('BENCH_TIMER_CONCURRENCY')) });
  const counter = new SqlCounter(infrastructure.knex);
  await sendToParent({ type: 'ready' });

  // statements sent while the window runs (timer firings and the relay's polls), counted without attribution
  await fromParent('measure');
  counter.reset();
  await fromParent('measured');
  counter.stop();
  await sendToParent({ type: 'statements', ...counter.snapshot() });

  await fromParent('stop');
  const queue = infrastructure.queue as Partial<BullWorkQueue>;
  const counts = { stalledCount: queue.stalledCount ?? null, errorCount: queue.errorCount ?? null };
  await engine.stop();
  await infrastructure.close();
  await sendToParent({ type: 'stopped', ...counts });
  finishChild();
} catch (err) {
  await sendToParent({ type: 'error', message: String((err as Error)?.stack ?? err) });
  process.exitCode = 1;
  finishChild();
}
