/**
 * The worker of the memory scenario: an engine with its workers running (Bull consumer, outbox relay and
 * reconciler) against the bench database, started after the waiting instances exist. It completes the tasks
 * it is given (so the command path has run against the full tables), lets the worker loop run a little,
 * then reports its memory after a full GC. Run with --expose-gc.
 */
import { readFileSync } from 'node:fs';
import { createEngine } from '../engine/index.js';
import { openInfrastructure } from '../engine/adapters/index.js';
import { exitWithParent, finishChild, fromParent, sendToParent, type BenchMessage } from './lib/child.js';
import { sleep } from './lib/stats.js';

exitWithParent();
const gc = (globalThis as { gc?: () => void }).gc;
try {
  if (!gc) throw new Error('memory-worker needs --expose-gc');
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`memory-worker needs ${name}`);
    return value;
  };
  const infrastructure = await openInfrastructure({
    databaseUrl: env('BENCH_DATABASE_URL'),
    redisUrl: env('BENCH_REDIS_URL'),
    queuePrefix: env('BENCH_QUEUE_PREFIX'),
    poolMax: 10,
    migrate: false,
  });
  const engine = createEngine({
    store: infrastructure.store,
    queue: infrastructure.queue,
    relay: { intervalMs: 250 },
  });
  await engine.startWorkers();
  await sendToParent({ type: 'ready' });

  const { taskIds, settleMs } = await fromParent<BenchMessage & { taskIds: string[]; settleMs: number }>(
    'run',
  );
  const rssStarted = process.memoryUsage().rss;
  let next = 0;
  let completed = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < taskIds.length) {
        const id = taskIds[next++]!;
        await engine.completeTask(id, { variables: { opinion: '同意' }, actor: 'memory-bench' });
        completed++;
      }
    }),
  );
  await sleep(settleMs);
  gc();
  await sleep(50);
  gc();
  const usage = process.memoryUsage();
  const peakKb = Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
  await sendToParent({
    type: 'result',
    completed,
    rssStarted,
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    peakRss: peakKb * 1024,
  });
  await fromParent('stop');
  await engine.stop();
  await infrastructure.close();
  await sendToParent({ type: 'stopped' });
  finishChild();
} catch (err) {
  await sendToParent({ type: 'error', message: String((err as Error)?.stack ?? err) });
  process.exitCode = 1;
  finishChild();
}
