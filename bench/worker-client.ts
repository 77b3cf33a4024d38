/**
 * A worker process of the throughput scenario: an engine with its workers (Bull consumer, outbox relay) and
 * `BENCH_CHILD_CLIENTS` approval clients, against the database and Redis the parent gives. Driven over IPC:
 * start → (warm-up) → measure → end (replies with the measured snapshot) → stop (finishes and exits).
 */
import { createEngine } from '../engine/index.js';
import { openInfrastructure } from '../engine/adapters/index.js';
import { ApprovalLoad } from './lib/approval-load.js';
import { exitWithParent, finishChild, fromParent, sendToParent } from './lib/child.js';
import { SqlCounter } from './lib/sql-counter.js';

exitWithParent();
try {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`worker-client needs ${name}`);
    return value;
  };
  const clients = Number(env('BENCH_CHILD_CLIENTS'));
  const infrastructure = await openInfrastructure({
    databaseUrl: env('BENCH_DATABASE_URL'),
    redisUrl: env('BENCH_REDIS_URL'),
    queuePrefix: env('BENCH_QUEUE_PREFIX'),
    poolMax: Number(env('BENCH_CHILD_POOL')),
    migrate: false,
  });
  const engine = createEngine({ store: infrastructure.store, queue: infrastructure.queue });
  await engine.startWorkers();
  const counter = new SqlCounter(infrastructure.knex);
  const load = new ApprovalLoad(engine, env('BENCH_PROCESS_KEY'), counter, clients, env('BENCH_CHILD_LABEL'));
  await sendToParent({ type: 'ready' });

  await fromParent('start');
  load.start();
  await fromParent('measure');
  load.beginMeasure();
  await fromParent('end');
  await sendToParent({ type: 'result', snapshot: load.endMeasure() });
  await fromParent('stop');
  await load.stop();
  await engine.stop();
  await infrastructure.close();
  await sendToParent({ type: 'stopped' });
  finishChild();
} catch (err) {
  await sendToParent({ type: 'error', message: String((err as Error)?.stack ?? err) });
  process.exitCode = 1;
  finishChild();
}
