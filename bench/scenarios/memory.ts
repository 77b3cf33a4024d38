/**
 * Scenario 4 (issue 8 item 7): worker memory against the number of waiting instances. Instances of the
 * reference approval are started through the engine and left waiting at their first user task; at each
 * count a fresh worker process (bench/memory-worker.ts) starts its engine workers, completes a fixed number
 * of those tasks, and reports RSS and heap after a full GC. State lives in the database, so RSS should not
 * grow with the number of waiting instances.
 */
import { createEngine } from '../../engine/index.js';
import { connectDatabase, openInfrastructure } from '../../engine/adapters/index.js';
import { BENCH_AMOUNT_FEN } from '../lib/approval-load.js';
import { startChild, type BenchMessage } from '../lib/child.js';
import { metric } from '../lib/goals.js';
import { ratio } from '../lib/stats.js';
import type { BenchContext, Metric, ScenarioResult } from '../lib/types.js';

interface MemoryPoint {
  readonly waiting: number;
  readonly completed: number;
  readonly rss: number;
  readonly rssStarted: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly peakRss: number;
  readonly dbBytes: number | null;
}

const MB = 2 ** 20;
const BUSINESS_KEY_PREFIX = 'mem-';

export async function run(context: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const { config } = context;
  const counts = [...config.memoryCounts].sort((a, b) => a - b);
  const infrastructure = await openInfrastructure({
    databaseUrl: context.databaseUrl,
    redisUrl: context.redisUrl,
    queuePrefix: context.queuePrefix,
    poolMax: 16,
    migrate: false,
  });
  const engine = createEngine({ store: infrastructure.store, queue: infrastructure.queue });
  const knex = infrastructure.knex;
  const points: MemoryPoint[] = [];
  let created = 0;
  let startS = 0;
  try {
    for (const target of counts) {
      const t0 = performance.now();
      context.log(`starting instances up to ${target.toLocaleString('en-US')} waiting`);
      let next = created;
      let lastLog = performance.now();
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < target) {
            const i = next++;
            await engine.startInstance(context.processKey, {
              variables: { amountFen: BENCH_AMOUNT_FEN },
              businessKey: `${BUSINESS_KEY_PREFIX}${i}`,
              initiator: 'memory-bench',
            });
            if (performance.now() - lastLog > 15_000) {
              lastLog = performance.now();
              context.log(`  ${next.toLocaleString('en-US')} started`);
            }
          }
        }),
      );
      created = target;
      startS += (performance.now() - t0) / 1000;
      const waiting = Number(
        (
          await knex('process_instances')
            .where({ status: 'running' })
            .andWhere('business_key', 'like', `${BUSINESS_KEY_PREFIX}%`)
            .count({ n: '*' })
        )[0]!.n,
      );
      const taskIds = (
        await knex('user_tasks')
          .where({ state: 'created', element_id: 'divisionReview' })
          .orderByRaw('RAND()')
          .limit(config.memoryTouches)
          .select('id')
      ).map((r: { id: string }) => r.id);
      context.log(`${waiting.toLocaleString('en-US')} waiting: measuring a fresh worker process`);
      const point = await measureWorker(context, taskIds);
      const dbBytes = await databaseBytes(context);
      points.push({ waiting, ...point, dbBytes });
      context.log(
        `  RSS ${(point.rss / MB).toFixed(1)} MB, heap ${(point.heapUsed / MB).toFixed(1)} MB after GC (${point.completed} tasks completed)`,
      );
    }
  } finally {
    await engine.stop();
    await infrastructure.close();
  }

  const first = points[0];
  const last = points[points.length - 1];
  const peerKb = metric(context.results, 'bpmn-engine-peer', 'heapPerWaitingKb');
  const metrics: Metric[] = [];
  for (const p of points) {
    const n = p.waiting.toLocaleString('en-US');
    metrics.push({
      key: `rssMb.${p.waiting}`,
      label: `worker RSS after GC, ${n} waiting`,
      value: p.rss / MB,
      unit: 'MB',
      digits: 1,
      note: `heap used ${(p.heapUsed / MB).toFixed(1)} MB; peak RSS ${(p.peakRss / MB).toFixed(1)} MB; ${p.completed} tasks completed first${
        peerKb === null
          ? ''
          : `; bpmn-engine would hold ≈ ${((peerKb * 1024 * p.waiting) / 2 ** 30).toFixed(2)} GiB`
      }`,
    });
  }
  metrics.push(
    {
      key: 'rssRatio',
      label: `RSS ${last?.waiting.toLocaleString('en-US')} ÷ RSS ${first?.waiting.toLocaleString('en-US')} waiting`,
      value: first && last && points.length > 1 ? ratio(last.rss, first.rss) : null,
      digits: 2,
      unit: '×',
      note: 'goal: flat, within ± 10 %',
    },
    {
      key: 'heapRatio',
      label: `heap used ${last?.waiting.toLocaleString('en-US')} ÷ ${first?.waiting.toLocaleString('en-US')} waiting`,
      value: first && last && points.length > 1 ? ratio(last.heapUsed, first.heapUsed) : null,
      digits: 2,
      unit: '×',
    },
    {
      key: 'dbBytesPerWaiting',
      label: 'database growth per waiting instance',
      value:
        first && last && last.waiting > first.waiting && first.dbBytes !== null && last.dbBytes !== null
          ? (last.dbBytes - first.dbBytes) / (last.waiting - first.waiting) / 1024
          : null,
      unit: 'KB',
      digits: 1,
      note: 'InnoDB data + index, between the first and last count (where the state lives instead)',
    },
    {
      key: 'startsPerS',
      label: 'instances started for this scenario, per second',
      value: startS > 0 ? created / startS : null,
      digits: 0,
      note: `${created.toLocaleString('en-US')} startInstance calls, 16 concurrent`,
    },
  );
  return {
    name: 'memory',
    title: 'Worker memory against waiting instances',
    metrics,
    details: { points },
    wallS: (performance.now() - started) / 1000,
  };
}

async function measureWorker(
  context: BenchContext,
  taskIds: string[],
): Promise<Omit<MemoryPoint, 'waiting' | 'dbBytes'>> {
  const child = startChild(
    'memory-worker.ts',
    {
      BENCH_DATABASE_URL: context.databaseUrl,
      BENCH_REDIS_URL: context.redisUrl,
      BENCH_QUEUE_PREFIX: context.queuePrefix,
    },
    ['--expose-gc'],
  );
  try {
    await child.next('ready');
    child.send({ type: 'run', taskIds, settleMs: 2000 });
    const result = await child.next<BenchMessage & Omit<MemoryPoint, 'waiting' | 'dbBytes'>>(
      'result',
      300_000,
    );
    child.send({ type: 'stop' });
    await child.next('stopped');
    await child.exited;
    return {
      completed: result.completed,
      rss: result.rss,
      rssStarted: result.rssStarted,
      heapUsed: result.heapUsed,
      external: result.external,
      peakRss: result.peakRss,
    };
  } finally {
    child.kill();
  }
}

/** InnoDB data + index bytes of the bench database, after ANALYZE so the estimates are current. */
async function databaseBytes(context: BenchContext): Promise<number | null> {
  const name = new URL(context.databaseUrl.replace(/^(mysql2|mariadb):/, 'mysql:')).pathname.replace(
    /^\//,
    '',
  );
  const knex = connectDatabase({ url: context.databaseUrl, poolMax: 1 });
  try {
    const [tables] = (await knex.raw(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [name],
    )) as [{ name: string }[]];
    for (const t of tables) await knex.raw('ANALYZE TABLE ??', [t.name]);
    const [rows] = (await knex.raw(
      'SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables WHERE table_schema = ?',
      [name],
    )) as [{ bytes: string | number | null }[]];
    const bytes = rows[0]?.bytes;
    return bytes === null || bytes === undefined ? null : Number(bytes);
  } catch {
    return null;
  } finally {
    await knex.destroy();
  }
}
