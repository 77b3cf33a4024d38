/**
 * `npm run soak` (reliability.md §6 scenario 29, run on demand, not in `npm test`): SOAK_MINUTES (default 20) of
 * chaos on a cluster of 2 API processes and 2 worker processes (test/chaos/runner/), under steady load from the
 * fiscal load driver (test/chaos/fiscal-load.ts: 国库集中支付, 预算编制, 非税收入 driven through the API as the
 * demo users). A seeded schedule injects every fault type the runner has, one after another, for the whole run:
 * worker and API SIGKILL (and respawn), Redis restart without save, MariaDB connection resets, +500 ms latency,
 * SIGSTOP 10 s. Then the faults stop, the load drains, the system settles, and the invariant checker runs.
 *
 * Prints the seed (CHAOS_SEED=<seed> replays the schedule), the fault log as it happens, a progress line a minute,
 * and the figures: instances started and completed per process, faults by type, duplicate deliveries (Bull
 * stalled re-deliveries counted from the job hashes, sampled before each Redis wipe), client retries and errors,
 * and the checker's violations with their ids. Writes them to test/soak/results/<time>.json. Exit 1 when an
 * invariant is violated, the system does not settle, a fault cannot be injected, or the load saw a 4xx it did
 * not expect (5xx answers during faults are retried by the driver with the same key, and reported).
 *
 * Environment: SOAK_MINUTES, CHAOS_SEED, SOAK_CONCURRENCY (instances in flight per process, default 4),
 * SOAK_INTERVAL_MS (pause between faults, "min-max", default 8000-25000).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChaosCluster } from '../chaos/runner/chaos-cluster.js';
import { chaosSeed } from '../chaos/runner/chaos-seed.js';
import { ALL_FAULTS, runFaultSchedule } from '../chaos/runner/fault-schedule.js';
import { startFiscalLoad, type FiscalLoadStats } from '../chaos/fiscal-load.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 20);
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 4);
const [intervalMin, intervalMax] = (process.env.SOAK_INTERVAL_MS ?? '8000-25000').split('-').map(Number);
const seed = chaosSeed();
const out = (line: string) => process.stdout.write(`${line}\n`);

/** The process keys each load kind starts (its instances; called children are counted separately). */
const PROCESS_KEYS = {
  treasuryPayment: 'treasuryPayment',
  budgetPreparation: 'budgetPreparation',
  nonTaxRevenue: 'nonTaxCollection',
} as const;

out(
  `soak: ${minutes} min, seed ${seed} (CHAOS_SEED=${seed} replays the fault schedule), concurrency ${concurrency}`,
);
const began = Date.now();
const cluster = await ChaosCluster.start({ seed, apis: 2, workers: 2, demoLogins: true, log: out }).catch(
  (err: unknown) => {
    out(`soak: FAIL the cluster did not start (seed ${seed}): ${String(err)}`);
    process.exit(1);
  },
);
let exitCode = 0;
try {
  const load = startFiscalLoad({
    baseUrls: cluster.apiUrls,
    seed,
    concurrency,
    log: (line) => {
      // a retried call is routine under faults (counted in the figures); anything else worth a look is printed
      if (!/retrying/.test(line) && /error|unexpected|5\d\d|stopped/i.test(line)) out(`[load] ${line}`);
    },
  });
  const schedule = runFaultSchedule(cluster, {
    seed,
    kinds: ALL_FAULTS,
    intervalMs: [intervalMin ?? 8000, intervalMax ?? 25_000],
    latencyMs: 500,
    pauseSeconds: 10,
  });
  const chaosBegan = Date.now();
  const until = chaosBegan + minutes * 60_000;
  let scheduleError: unknown;
  schedule.done.catch((err: unknown) => (scheduleError = err));
  while (Date.now() < until && scheduleError === undefined) {
    await sleep(Math.min(60_000, until - Date.now()));
    const s = load.stats();
    const busy = await cluster.busyWork().catch(() => ({ jobs: -1, routing: -1 }));
    out(
      `[soak +${Math.round((Date.now() - chaosBegan) / 60_000)} min] started ${JSON.stringify(s.started)} ` +
        `completed ${JSON.stringify(s.completed)} requests ${s.requests} retries ${s.retries} 5xx ${s.errors5xx} ` +
        `faults ${JSON.stringify(cluster.faults.counts())} due jobs ${busy.jobs} routing ${busy.routing}`,
    );
  }
  await schedule.stop().catch((err: unknown) => (scheduleError ??= err));
  out('[soak] faults stopped; healing, draining the load and settling');
  await cluster.heal();
  const stats: FiscalLoadStats = await load.stop(180_000);
  let settleMs: number | string;
  try {
    settleMs = await cluster.settle(180_000);
  } catch (err) {
    settleMs = String(err);
    exitCode = 1;
  }
  const { results, violations } = await cluster.check();
  const duplicates = await cluster.sampleStalledDeliveries();

  const instances: Record<string, { started: number; completed: number; running: number; other: number }> =
    {};
  for (const [kind, key] of Object.entries(PROCESS_KEYS)) {
    const rows = (await cluster
      .knex('process_instances')
      .where({ process_key: key })
      // the DEMO-… instances `fiscal-bpm start` seeds are not the load's
      .andWhere((q) => q.whereNull('business_key').orWhere('business_key', 'not like', 'DEMO-%'))
      .select('status')
      .count({ n: '*' })
      .groupBy('status')) as Array<{ status: string; n: number | string }>;
    const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    const total = rows.reduce((sum, r) => sum + Number(r.n), 0);
    instances[kind] = {
      started: total,
      completed: by.completed ?? 0,
      running: by.running ?? 0,
      other: total - (by.completed ?? 0) - (by.running ?? 0),
    };
  }
  const figures = {
    seed,
    minutes,
    concurrency,
    startedAt: new Date(began).toISOString(),
    durationMs: Date.now() - began,
    load: stats,
    instancesInDatabase: instances,
    faults: cluster.faults.counts(),
    faultLog: cluster.faults.entries,
    duplicateDeliveries: { bullStalledRedeliveries: duplicates },
    settleMs,
    scheduleError: scheduleError === undefined ? null : String(scheduleError),
    invariants: results.map((r) => ({ invariant: r.invariant, ok: r.ok, violations: r.violations.length })),
    violations,
    proxies: { mariadb: cluster.mysqlProxy.describe(), redis: cluster.redisProxy.describe() },
  };
  if (violations.length > 0 || scheduleError !== undefined) exitCode = 1;
  // a 5xx while a store is down is retried by the driver with the same key and reported, not a failure; a 4xx
  // the driver did not expect is a failure
  if (stats.unexpected4xx.length > 0) exitCode = 1;

  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date(began).toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);

  out('');
  out(`soak results (seed ${seed}, CHAOS_SEED=${seed} replays the schedule) → ${file}`);
  for (const [kind, n] of Object.entries(instances))
    out(
      `  ${kind.padEnd(18)} started ${n.started}, completed ${n.completed}, running ${n.running}, other ${n.other}` +
        ` (load driver: started ${stats.started[kind as keyof typeof stats.started]}, completed ${stats.completed[kind as keyof typeof stats.completed]})`,
    );
  out(`  faults             ${JSON.stringify(cluster.faults.counts())}`);
  out(`  duplicate deliveries (Bull stalled re-deliveries seen): ${duplicates}`);
  out(
    `  requests ${stats.requests}, retries ${stats.retries}, 5xx ${stats.errors5xx}, unexpected 4xx ${stats.unexpected4xx.length}` +
      (stats.unexpected4xx.length > 0 ? `: ${stats.unexpected4xx.slice(0, 10).join('; ')}` : ''),
  );
  out(`  settled: ${typeof settleMs === 'number' ? `${settleMs} ms` : settleMs}`);
  for (const r of results) out(`  ${r.ok ? 'OK  ' : 'FAIL'} ${r.invariant} ${r.title}`);
  for (const v of violations.slice(0, 50)) out(`    ${v}`);
  if (scheduleError !== undefined) out(`  fault schedule failed: ${String(scheduleError)}`);
  out(exitCode === 0 ? 'soak: PASS' : 'soak: FAIL');
} catch (err) {
  exitCode = 1;
  out(`soak: FAIL ${String(err)}\n${cluster.tails()}`);
} finally {
  await cluster.close();
}
process.exit(exitCode);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
