/**
 * Scenario 2: the ceiling of this box. Commits/s of a transaction shaped like one engine step — insert,
 * insert, update, insert, insert, each its own round trip (as knex sends them), then COMMIT — through mysql2
 * directly on scratch tables in the bench database, at the same connection count as the throughput scenario
 * (and, for calibration against issue 8's anchor figures, at 1 connection). Then the engine's figures from
 * this same run as shares of that ceiling.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import mysql from 'mysql2/promise';
import { cpuBetween, noiseWarning, sampleCpu, standardGroups, type CpuUsage } from '../lib/cpu.js';
import { metric } from '../lib/goals.js';
import { ratio, sleep, summarize, nowMs, type LatencySummary } from '../lib/stats.js';
import type { BenchContext, Metric, ScenarioResult } from '../lib/types.js';

interface CeilingRun {
  readonly connections: number;
  readonly measuredS: number;
  readonly commits: number;
  readonly commitsPerS: number;
  readonly latencyMs: LatencySummary;
  readonly errors: number;
  readonly cpu: CpuUsage;
}

const TABLES = [
  `CREATE TABLE bench_ceiling_instances (id VARCHAR(36) PRIMARY KEY, version INT NOT NULL,
     status VARCHAR(16) NOT NULL, updated_at DATETIME(3) NOT NULL)`,
  `CREATE TABLE bench_ceiling_tokens (id VARCHAR(36) PRIMARY KEY, instance_id VARCHAR(36) NOT NULL,
     element_id VARCHAR(255) NOT NULL, state VARCHAR(16) NOT NULL, created_at DATETIME(3) NOT NULL, INDEX (instance_id))`,
  `CREATE TABLE bench_ceiling_tasks (id VARCHAR(36) PRIMARY KEY, instance_id VARCHAR(36) NOT NULL,
     element_id VARCHAR(255) NOT NULL, state VARCHAR(16) NOT NULL, created_at DATETIME(3) NOT NULL, INDEX (instance_id))`,
  `CREATE TABLE bench_ceiling_history (id BIGINT AUTO_INCREMENT PRIMARY KEY, instance_id VARCHAR(36) NOT NULL,
     seq INT NOT NULL, idx INT NOT NULL, type VARCHAR(64) NOT NULL, element_id VARCHAR(255),
     payload_json TEXT, created_at DATETIME(3) NOT NULL, UNIQUE (instance_id, seq, idx))`,
];

export async function run(context: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const { config } = context;
  const admin = await connect(context.databaseUrl);
  try {
    for (const sql of TABLES) await admin.query(sql);
  } finally {
    await admin.end();
  }

  const runs: CeilingRun[] = [];
  const counts = config.clients === 1 ? [1] : [config.clients, 1];
  for (const connections of counts) {
    const measureS = connections === config.clients ? config.durationS : Math.min(10, config.durationS);
    const warmS = connections === config.clients ? Math.min(5, config.warmupS) : 2;
    context.log(`${connections} connection(s): ${warmS} s warm-up, ${measureS} s measured`);
    const r = await ceilingRun(context.databaseUrl, connections, warmS, measureS);
    context.log(
      `  ${r.commitsPerS.toFixed(0)} commits/s, p50 ${r.latencyMs.p50?.toFixed(1)} ms, p99 ${r.latencyMs.p99?.toFixed(1)} ms`,
    );
    runs.push(r);
  }
  const main = runs[0]!;
  const single = runs.find((r) => r.connections === 1 && r !== main);

  const stepsPerS = metric(context.results, 'engine-throughput', 'p1.stepsPerS');
  const instancesPerS = metric(context.results, 'engine-throughput', 'p1.instancesPerS');
  const txPerInstance = metric(context.results, 'engine-throughput', 'p1.transactionsPerInstance');
  const instanceCeiling = txPerInstance ? main.commitsPerS / txPerInstance : null;

  const metrics: Metric[] = [
    {
      key: 'commitsPerS',
      label: `5-statement transaction commits/s, ${main.connections} connections`,
      value: main.commitsPerS,
      digits: 0,
      note: `mysql2 directly; p50 ${main.latencyMs.p50?.toFixed(1)} ms, p99 ${main.latencyMs.p99?.toFixed(1)} ms; issue-8 anchor 1,495${main.errors ? `; ${main.errors} ERRORS` : ''}`,
    },
    {
      key: 'cpuMariadbCores',
      label: `CPU mariadbd at the ceiling`,
      value: main.cpu.cores.mariadbd ?? null,
      unit: 'cores',
      digits: 2,
      note: `node ${main.cpu.cores.node?.toFixed(2) ?? '–'} cores; kernel interrupts ${main.cpu.interruptCores?.toFixed(2) ?? '–'} cores; box ${main.cpu.boxBusy === null ? '–' : (main.cpu.boxBusy * 100).toFixed(0)} % busy, other processes ${main.cpu.otherCores?.toFixed(2) ?? '–'} cores`,
    },
  ];
  if (single) {
    metrics.push({
      key: 'commitsPerS1',
      label: '5-statement transaction commits/s, 1 connection',
      value: single.commitsPerS,
      digits: 0,
      note: `p50 ${single.latencyMs.p50?.toFixed(1)} ms; issue-8 anchor 365`,
    });
  }
  metrics.push(
    {
      key: 'stepsOverCeiling',
      label: 'engine steps/s ÷ ceiling commits/s',
      value: ratio(stepsPerS, main.commitsPerS),
      digits: 2,
      note:
        stepsPerS === null
          ? 'engine-throughput did not run'
          : `${stepsPerS.toFixed(0)} steps/s (in-process run); goal ≥ 0.50`,
    },
    {
      key: 'instancesOverCeiling',
      label: 'engine instances/s ÷ (ceiling ÷ transactions per instance)',
      value: ratio(instancesPerS, instanceCeiling),
      digits: 2,
      note:
        instanceCeiling === null
          ? 'engine-throughput did not run'
          : `ceiling ${instanceCeiling.toFixed(0)} instances/s at ${txPerInstance!.toFixed(2)} transactions each`,
    },
  );
  return {
    name: 'db-ceiling',
    title: 'MariaDB ceiling: 5-statement transactions through mysql2',
    metrics,
    details: { runs },
    warnings: runs
      .map((r) => noiseWarning(`ceiling, ${r.connections} connection(s)`, r.cpu))
      .filter((w): w is string => w !== undefined),
    wallS: (performance.now() - started) / 1000,
  };
}

async function connect(databaseUrl: string): Promise<mysql.Connection> {
  const url = new URL(databaseUrl.replace(/^(mysql2|mariadb):/, 'mysql:'));
  const conn = await mysql.createConnection({
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: url.pathname.replace(/^\//, ''),
    timezone: 'Z',
    charset: 'utf8mb4',
  });
  // the engine's session settings (engine/adapters/knex/connect.ts)
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  await conn.query("SET time_zone = '+00:00'");
  return conn;
}

async function ceilingRun(
  databaseUrl: string,
  connections: number,
  warmupS: number,
  measureS: number,
): Promise<CeilingRun> {
  const conns = await Promise.all(Array.from({ length: connections }, () => connect(databaseUrl)));
  let measuring = false;
  let stopping = false;
  let commits = 0;
  let errors = 0;
  const latencies: number[] = [];
  const loop = async (conn: mysql.Connection) => {
    // each connection moves its own instance row, as each engine client moves its own instance
    const instanceId = randomUUID();
    await conn.query(
      'INSERT INTO bench_ceiling_instances (id, version, status, updated_at) VALUES (?, 0, ?, ?)',
      [instanceId, 'running', new Date()],
    );
    let seq = 0;
    while (!stopping) {
      const t0 = nowMs();
      const now = new Date();
      seq++;
      try {
        await conn.query('BEGIN');
        await conn.query(
          'INSERT INTO bench_ceiling_tokens (id, instance_id, element_id, state, created_at) VALUES (?, ?, ?, ?, ?)',
          [randomUUID(), instanceId, 'budgetCountersign', 'waiting', now],
        );
        await conn.query(
          'INSERT INTO bench_ceiling_tasks (id, instance_id, element_id, state, created_at) VALUES (?, ?, ?, ?, ?)',
          [randomUUID(), instanceId, 'budgetCountersign', 'created', now],
        );
        await conn.query(
          'UPDATE bench_ceiling_instances SET version = version + 1, updated_at = ? WHERE id = ?',
          [now, instanceId],
        );
        await conn.query(
          'INSERT INTO bench_ceiling_history (instance_id, seq, idx, type, element_id, payload_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [instanceId, seq, 0, 'TASK_COMPLETED', 'divisionReview', '{"variables":["opinion"]}', now],
        );
        await conn.query(
          'INSERT INTO bench_ceiling_history (instance_id, seq, idx, type, element_id, payload_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [instanceId, seq, 1, 'ELEMENT_ACTIVATED', 'budgetCountersign', null, now],
        );
        await conn.query('COMMIT');
        if (measuring) {
          commits++;
          latencies.push(nowMs() - t0);
        }
      } catch {
        if (measuring) errors++;
        await conn.query('ROLLBACK').catch(() => undefined);
      }
    }
  };
  const loops = conns.map(loop);
  try {
    await sleep(warmupS * 1000);
    const groups = standardGroups([process.pid]);
    const before = sampleCpu(groups);
    const t0 = nowMs();
    measuring = true;
    await sleep(measureS * 1000);
    measuring = false;
    const measuredS = (nowMs() - t0) / 1000;
    const after = sampleCpu(groups);
    return {
      connections,
      measuredS,
      commits,
      commitsPerS: commits / measuredS,
      latencyMs: summarize(latencies),
      errors,
      cpu: cpuBetween(before, after, cpus().length),
    };
  } finally {
    stopping = true;
    await Promise.allSettled(loops);
    await Promise.allSettled(conns.map((c) => c.end()));
  }
}
