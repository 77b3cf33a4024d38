/**
 * `npm run bench`: runs every scenario in bench/scenarios/ against a fresh MariaDB database and Redis key prefix
 * (both unique to this run, removed at the end), prints one table and writes bench/results/<timestamp>.json.
 * Knobs are environment variables (bench/README.md); BENCH_SCALE=full runs the issue-8 sizes.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../engine/index.js';
import {
  connectDatabase,
  dropMysqlDatabase,
  obliterateBullPrefix,
  openInfrastructure,
} from '../engine/adapters/index.js';
import { Redis } from 'ioredis';
import { BENCH_DIR } from './lib/child.js';
import { readConfig } from './lib/config.js';
import { checkGoals } from './lib/goals.js';
import { extraTables, goalsTable, metricsTable } from './lib/report.js';
import type { BenchContext, Scenario, ScenarioResult } from './lib/types.js';
import { run as engineThroughput } from './scenarios/engine-throughput.js';
import { run as dbCeiling } from './scenarios/db-ceiling.js';
import { run as bpmnEnginePeer } from './scenarios/bpmn-engine-peer.js';
import { run as httpLoad } from './scenarios/http.js';
import { run as memory } from './scenarios/memory.js';
import { run as inboxScale } from './scenarios/inbox-scale.js';
import { run as timers } from './scenarios/timers.js';

/** In run order. A later scenario may use the results of an earlier one (ratios). */
const SCENARIOS: readonly { name: string; run: Scenario }[] = [
  { name: 'engine-throughput', run: engineThroughput },
  { name: 'db-ceiling', run: dbCeiling },
  { name: 'bpmn-engine-peer', run: bpmnEnginePeer },
  { name: 'http', run: httpLoad },
  { name: 'memory', run: memory },
  { name: 'inbox-scale', run: inboxScale },
  { name: 'timers', run: timers },
];

const MYSQL_ROOT_URL = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const benchStarted = performance.now();
const startedAt = new Date();
const log = (message: string) =>
  process.stdout.write(
    `[bench ${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
  );

const config = readConfig();
const runName = `fbpm_bench_${startedAt.getTime().toString(36)}_${randomBytes(3).toString('hex')}`;
const databaseUrl = `${MYSQL_ROOT_URL}/${runName}`;
const queuePrefix = runName;
const bpmnPath = join(BENCH_DIR, 'reference-approval.bpmn');
const bpmnXml = readFileSync(bpmnPath, 'utf8');

let cleaned = false;
async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  if (config.keepDatabase) {
    log(`keeping database ${runName} and Redis prefix ${queuePrefix} (BENCH_KEEP_DB=1)`);
    return;
  }
  await dropMysqlDatabase(databaseUrl).catch((err) => log(`could not drop ${runName}: ${String(err)}`));
  await obliterateBullPrefix(REDIS_URL, queuePrefix).catch((err) =>
    log(`could not clean Redis prefix ${queuePrefix}: ${String(err)}`),
  );
}
process.once('SIGINT', () => {
  log('interrupted; cleaning up');
  void cleanUp().finally(() => process.exit(130));
});

const results = new Map<string, ScenarioResult>();
const failures: { name: string; error: string }[] = [];
let environment: Record<string, unknown> = {};
try {
  log(`scale ${config.scale}; database ${runName}; Redis prefix ${queuePrefix}`);
  environment = await describeEnvironment();
  const processKey = await setUp();
  const context: BenchContext = {
    config,
    databaseUrl,
    redisUrl: REDIS_URL,
    queuePrefix,
    bpmnXml,
    bpmnPath,
    processKey,
    results,
    log: (m) => log(`  ${m}`),
  };
  for (const scenario of SCENARIOS) {
    if (config.scenarios && !config.scenarios.includes(scenario.name)) continue;
    log(`scenario ${scenario.name}`);
    try {
      const result = await scenario.run(context);
      results.set(scenario.name, result);
      log(`scenario ${scenario.name} done in ${result.wallS.toFixed(0)} s`);
    } catch (err) {
      const error = String((err as Error)?.stack ?? err);
      failures.push({ name: scenario.name, error });
      log(`scenario ${scenario.name} FAILED: ${error}`);
    }
  }
} finally {
  await cleanUp();
}

const goals = checkGoals(results);
const runtimeS = (performance.now() - benchStarted) / 1000;
const all = [...results.values()];
const warnings = all.flatMap((r) => r.warnings ?? []);
const report = [
  `fiscal-bpm bench, ${startedAt.toISOString()}, scale ${config.scale}, ${runtimeS.toFixed(0)} s in all`,
  `${String(environment.cpu)} × ${String(environment.cores)}; ${String(environment.database)}; ${String(environment.redis)}; Node ${process.version}`,
  '',
  metricsTable(all),
  '',
  extraTables(all),
  '',
  goalsTable(goals),
  ...(warnings.length > 0 ? ['', 'Warnings:', ...warnings.map((w) => `- ${w}`)] : []),
  ...(failures.length > 0 ? ['', ...failures.map((f) => `FAILED ${f.name}: ${f.error.split('\n')[0]}`)] : []),
].join('\n');

const resultsDir = join(BENCH_DIR, 'results');
mkdirSync(resultsDir, { recursive: true });
const file = join(
  resultsDir,
  `${startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z')}.json`,
);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      runtimeS,
      config,
      environment,
      scenarios: Object.fromEntries(results),
      goals,
      failures,
      report,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`\n${report}\n\nresults: ${file}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;

// helpers //////

/** Creates the database (migrated) and deploys the reference approval; returns its process key. */
async function setUp(): Promise<string> {
  const infrastructure = await openInfrastructure({
    databaseUrl,
    redisUrl: REDIS_URL,
    queuePrefix,
    poolMax: 2,
  });
  try {
    const engine = createEngine({ store: infrastructure.store, queue: infrastructure.queue });
    const [deployed] = await engine.deploy(bpmnXml, { deployedBy: 'bench' });
    await engine.stop();
    return deployed!.processKey;
  } finally {
    await infrastructure.close();
  }
}

/** What the numbers depend on: the box, MariaDB's durability settings, Redis persistence. */
async function describeEnvironment(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
  const admin = connectDatabase({ url: `${MYSQL_ROOT_URL}/`, poolMax: 1 });
  try {
    const [rows] = (await admin.raw(
      "SHOW VARIABLES WHERE Variable_name IN ('version', 'innodb_flush_log_at_trx_commit', 'sync_binlog', 'log_bin', 'innodb_buffer_pool_size', 'innodb_flush_method')",
    )) as [{ Variable_name: string; Value: string }[]];
    const v = Object.fromEntries(rows.map((r) => [r.Variable_name, r.Value]));
    out.mariadb = v;
    out.database = `MariaDB ${v.version}, innodb_flush_log_at_trx_commit=${v.innodb_flush_log_at_trx_commit}, log_bin=${v.log_bin}`;
  } catch (err) {
    out.database = `database unknown (${String(err)})`;
  } finally {
    await admin.destroy();
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    out.redis = `Redis ${version}, appendonly ${appendonly}`;
  } catch (err) {
    out.redis = `Redis unknown (${String(err)})`;
  } finally {
    redis.disconnect();
  }
  return out;
}
