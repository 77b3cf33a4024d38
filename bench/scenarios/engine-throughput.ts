/**
 * Scenario 1: the reference approval completed through the engine API by N concurrent clients, first in one
 * process (this one), then spread over 2 and 4 worker processes (bench/worker-client.ts) against the same
 * database and Redis. Each process runs the engine's workers (Bull consumer, outbox relay) as `npm run worker`
 * would. Reports instances/s, steps/s, step latency, transactions and statements per instance, and the CPU
 * split between node, mariadbd and redis-server.
 *
 * Measured windows count statements without attributing them (no AsyncLocalStorage hook on the engine's
 * promises); after the in-process window, an unmeasured census attributes statements to each engine call.
 */
import { cpus } from 'node:os';
import { createEngine } from '../../engine/index.js';
import { openInfrastructure } from '../../engine/adapters/index.js';
import { ApprovalLoad, TASKS_PER_INSTANCE, type LoadSnapshot } from '../lib/approval-load.js';
import { startChild, type BenchChild, type BenchMessage } from '../lib/child.js';
import { cpuBetween, noiseWarning, sampleCpu, standardGroups, type CpuUsage } from '../lib/cpu.js';
import {
  kindOf,
  mergeCounts,
  SqlCounter,
  totalOf,
  type StatementCounts,
  type StatementKind,
} from '../lib/sql-counter.js';
import { ratio, sleep, summarize, type LatencySummary } from '../lib/stats.js';
import type { BenchContext, ExtraTable, Metric, ScenarioResult } from '../lib/types.js';

const STEPS_PER_INSTANCE = 1 + TASKS_PER_INSTANCE;
/** Length of the attribution census after the in-process window, seconds. */
const CENSUS_S = 3;

export interface ThroughputRun {
  /** The run in the bench process itself (the 1-process baseline); the others run in worker processes. */
  readonly inProcess: boolean;
  readonly processes: number;
  readonly clients: number;
  readonly poolPerProcess: number[];
  readonly measuredS: number;
  readonly instances: number;
  readonly steps: number;
  readonly stepsByKind: { start: number; complete: number };
  readonly instancesPerS: number;
  readonly stepsPerS: number;
  readonly latencyMs: LatencySummary;
  readonly commits: number;
  readonly rollbacks: number;
  /** COMMITs per step × steps per instance. */
  readonly transactionsPerInstance: number | null;
  /** Every statement of the window (commands, the clients' listTasks, the relay) per step × steps per instance. */
  readonly statementsPerInstance: number | null;
  /** Queries sent per instance (a statement batch is one round trip). */
  readonly roundTripsPerInstance: number | null;
  readonly statements: StatementCounts;
  readonly errors: number;
  readonly errorSamples: string[];
  readonly unexpectedPaths: number;
  readonly cpu: CpuUsage;
}

export interface Census {
  readonly seconds: number;
  readonly instances: number;
  readonly stepsByKind: { start: number; complete: number };
  readonly statements: StatementCounts;
}

export async function run(context: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const { config } = context;
  const runs: ThroughputRun[] = [];
  context.log(
    `in-process, ${config.clients} clients: ${config.warmupS} s warm-up, ${config.durationS} s measured`,
  );
  const { run: base, census } = await inProcessRun(context);
  runs.push(base);
  context.log(`  ${describeRun(base)}`);
  for (const processes of config.processCounts) {
    if (processes > config.clients) {
      context.log(`skipping ${processes} processes: fewer clients (${config.clients}) than processes`);
      continue;
    }
    context.log(`${processes} worker processes, ${config.clients} clients in all`);
    const result = await multiProcessRun(context, processes);
    runs.push(result);
    context.log(`  ${describeRun(result)}`);
  }

  const metrics: Metric[] = [];
  for (const r of runs) {
    const tag = r.inProcess
      ? '1 process (in-process)'
      : `${r.processes} worker process${r.processes > 1 ? 'es' : ''}`;
    const key = r.inProcess ? 'p1' : `w${r.processes}`;
    const cores = (name: string) => r.cpu.cores[name] ?? null;
    const msPerInstance = (name: string) => {
      const s = r.cpu.seconds[name];
      return s === null || s === undefined || r.instances === 0 ? null : (s * 1000) / r.instances;
    };
    const problems = [
      r.errors ? `${r.errors} ERRORS (${r.errorSamples[0]})` : '',
      r.unexpectedPaths ? `${r.unexpectedPaths} instances took another path` : '',
    ].filter(Boolean);
    metrics.push(
      {
        key: `${key}.instancesPerS`,
        label: `${tag}: instances/s`,
        value: r.instancesPerS,
        digits: 1,
        note: [
          `${r.clients} clients, ${r.inProcess ? `pool ${r.poolPerProcess[0]}` : `pools ${r.poolPerProcess.join('+')}`}; ${r.instances} instances in ${r.measuredS.toFixed(1)} s`,
          ...problems,
        ].join('; '),
      },
      {
        key: `${key}.stepsPerS`,
        label: `${tag}: steps/s`,
        value: r.stepsPerS,
        digits: 0,
        note: `step = one start or complete command, ${STEPS_PER_INSTANCE} per instance`,
      },
      {
        key: `${key}.stepP50Ms`,
        label: `${tag}: step latency p50 / p99`,
        value: r.latencyMs.p50,
        unit: 'ms',
        digits: 1,
        note: `p99 ${r.latencyMs.p99?.toFixed(1)} ms, max ${r.latencyMs.max?.toFixed(0)} ms`,
      },
      {
        key: `${key}.stepP99Ms`,
        label: `${tag}: step latency p99`,
        value: r.latencyMs.p99,
        unit: 'ms',
        print: false,
      },
    );
    if (r.inProcess) {
      metrics.push(
        {
          key: `${key}.transactionsPerInstance`,
          label: `${tag}: DB transactions/instance`,
          value: r.transactionsPerInstance,
          digits: 2,
          note: `COMMITs; ${r.rollbacks} rollbacks`,
        },
        {
          key: `${key}.statementsPerInstance`,
          label: `${tag}: DB statements/instance`,
          value: r.statementsPerInstance,
          digits: 1,
          note: `everything sent: ${censusNote(census)}`,
        },
        {
          key: `${key}.roundTripsPerInstance`,
          label: `${tag}: DB round trips/instance`,
          value: r.roundTripsPerInstance,
          digits: 1,
          note: 'queries sent; a batch of statements is one',
        },
      );
    } else {
      metrics.push({
        key: `${key}.ratioTo1`,
        label: `${tag}: instances/s ÷ in-process run`,
        value: ratio(r.instancesPerS, base.instancesPerS),
        digits: 2,
        unit: '×',
      });
    }
    const perInstance = ['node', 'mariadbd', 'redis-server'].map((n) => fmt(msPerInstance(n), 1)).join(' / ');
    metrics.push(
      {
        key: `${key}.cpuNodeCores`,
        label: `${tag}: CPU cores node / mariadbd / redis`,
        value: cores('node'),
        unit: 'cores',
        digits: 2,
        note: `node ${fmt(cores('node'))} · mariadbd ${fmt(cores('mariadbd'))} · redis ${fmt(cores('redis-server'))} cores; ${perInstance} ms CPU per instance; kernel interrupts ${fmt(r.cpu.interruptCores)} cores; box ${fmt(r.cpu.boxBusy === null ? null : r.cpu.boxBusy * 100, 0)} % busy, other processes ${fmt(r.cpu.otherCores)} cores`,
      },
      {
        key: `${key}.cpuMariadbCores`,
        label: `${tag}: CPU mariadbd`,
        value: cores('mariadbd'),
        unit: 'cores',
        print: false,
      },
      {
        key: `${key}.cpuRedisCores`,
        label: `${tag}: CPU redis-server`,
        value: cores('redis-server'),
        unit: 'cores',
        print: false,
      },
      {
        key: `${key}.cpuNodeMsPerInstance`,
        label: `${tag}: node CPU per instance`,
        value: msPerInstance('node'),
        unit: 'ms',
        print: false,
      },
      {
        key: `${key}.cpuMariadbMsPerInstance`,
        label: `${tag}: mariadbd CPU per instance`,
        value: msPerInstance('mariadbd'),
        unit: 'ms',
        print: false,
      },
      {
        key: `${key}.boxBusy`,
        label: `${tag}: box CPU busy`,
        value: r.cpu.boxBusy === null ? null : r.cpu.boxBusy * 100,
        unit: '%',
        print: false,
      },
      {
        key: `${key}.interruptCores`,
        label: `${tag}: kernel interrupts (irq + softirq)`,
        value: r.cpu.interruptCores,
        unit: 'cores',
        print: false,
      },
      {
        key: `${key}.otherCores`,
        label: `${tag}: other processes`,
        value: r.cpu.otherCores,
        unit: 'cores',
        print: false,
      },
    );
  }

  return {
    name: 'engine-throughput',
    title: 'Engine throughput (reference approval through the engine API)',
    metrics,
    tables: [statementTable(census)],
    warnings: runs
      .map((r) =>
        noiseWarning(
          r.inProcess ? 'throughput, in-process run' : `throughput, ${r.processes} worker processes`,
          r.cpu,
        ),
      )
      .filter((w): w is string => w !== undefined),
    details: { runs, census },
    wallS: (performance.now() - started) / 1000,
  };
}

function fmt(v: number | null, digits = 2): string {
  return v === null ? '–' : v.toFixed(digits);
}

function describeRun(r: ThroughputRun): string {
  return `${r.instancesPerS.toFixed(1)} instances/s, ${r.stepsPerS.toFixed(0)} steps/s, p50 ${fmt(r.latencyMs.p50, 1)} ms, p99 ${fmt(r.latencyMs.p99, 1)} ms, errors ${r.errors}`;
}

function perCall(census: Census, who: string): number | null {
  const per =
    who === 'start'
      ? census.stepsByKind.start
      : who === 'complete'
        ? census.stepsByKind.complete
        : census.instances;
  return per > 0 ? totalOf(census.statements, [who]) / per : null;
}

function censusNote(census: Census): string {
  return `startInstance ${fmt(perCall(census, 'start'), 1)}, each completeTask ${fmt(perCall(census, 'complete'), 1)}, listTasks ${fmt(perCall(census, 'list'), 1)} per instance (census)`;
}

/** Statements per call of each kind (the census): where a step's database round trips go. */
function statementTable(census: Census): ExtraTable {
  const kinds: StatementKind[] = [
    'select',
    'insert',
    'update',
    'delete',
    'begin',
    'commit',
    'rollback',
    'other',
  ];
  const row = (label: string, who: readonly string[] | undefined, per: number) => [
    label,
    ...kinds.map((k) => (per > 0 ? kindOf(census.statements, k, who) / per : null)),
    per > 0 ? totalOf(census.statements, who) / per : null,
  ];
  return {
    title: `Statements per engine call (census: ${census.instances} instances in ${census.seconds.toFixed(0)} s after the in-process window, attributed with AsyncLocalStorage)`,
    headers: ['call', ...kinds, 'total'],
    rows: [
      row('startInstance, per call', ['start'], census.stepsByKind.start),
      row('completeTask, per call', ['complete'], census.stepsByKind.complete),
      row('listTasks (4 calls), per instance', ['list'], census.instances),
      row('outbox relay, per instance', ['background'], census.instances),
      row('everything, per instance', undefined, census.instances),
    ],
  };
}

async function inProcessRun(context: BenchContext): Promise<{ run: ThroughputRun; census: Census }> {
  const { config } = context;
  const pool = config.poolMax ?? config.clients;
  const infrastructure = await openInfrastructure({
    databaseUrl: context.databaseUrl,
    redisUrl: context.redisUrl,
    queuePrefix: context.queuePrefix,
    poolMax: pool,
    migrate: false,
  });
  const engine = createEngine({ store: infrastructure.store, queue: infrastructure.queue });
  await engine.startWorkers();
  const counter = new SqlCounter(infrastructure.knex);
  const load = new ApprovalLoad(engine, context.processKey, counter, config.clients, 'in');
  const censusCounter = new SqlCounter(infrastructure.knex, true);
  const censusLoad = new ApprovalLoad(engine, context.processKey, censusCounter, config.clients, 'census');
  try {
    load.start();
    await sleep(config.warmupS * 1000);
    const groups = standardGroups([process.pid]);
    const before = sampleCpu(groups);
    load.beginMeasure();
    await sleep(config.durationS * 1000);
    const snapshot = load.endMeasure();
    const after = sampleCpu(groups);
    await load.stop();
    counter.detach();
    const run = summarizeRun(
      true,
      1,
      config.clients,
      [pool],
      [snapshot],
      cpuBetween(before, after, cpus().length),
    );

    censusLoad.start();
    censusLoad.beginMeasure();
    await sleep(CENSUS_S * 1000);
    const c = censusLoad.endMeasure();
    await censusLoad.stop();
    const census: Census = {
      seconds: c.measuredMs / 1000,
      instances: c.instances,
      stepsByKind: c.stepsByKind,
      statements: c.statements,
    };
    return { run, census };
  } finally {
    await load.stop();
    await censusLoad.stop();
    counter.detach();
    censusCounter.detach();
    await engine.stop();
    await infrastructure.close();
  }
}

async function multiProcessRun(context: BenchContext, processes: number): Promise<ThroughputRun> {
  const { config } = context;
  const clientsPer = Array.from(
    { length: processes },
    (_, i) => Math.floor(config.clients / processes) + (i < config.clients % processes ? 1 : 0),
  );
  const pools = clientsPer.map((c) => config.poolMax ?? c);
  const children: BenchChild[] = clientsPer.map((clients, i) =>
    startChild('worker-client.ts', {
      BENCH_DATABASE_URL: context.databaseUrl,
      BENCH_REDIS_URL: context.redisUrl,
      BENCH_QUEUE_PREFIX: context.queuePrefix,
      BENCH_PROCESS_KEY: context.processKey,
      BENCH_CHILD_CLIENTS: String(clients),
      BENCH_CHILD_POOL: String(pools[i]),
      BENCH_CHILD_LABEL: `w${processes}.${i}-`,
    }),
  );
  try {
    await Promise.all(children.map((c) => c.next('ready')));
    for (const c of children) c.send({ type: 'start' });
    await sleep(config.warmupS * 1000);
    const groups = standardGroups([...children.map((c) => c.pid), process.pid]);
    const before = sampleCpu(groups);
    for (const c of children) c.send({ type: 'measure' });
    await sleep(config.durationS * 1000);
    for (const c of children) c.send({ type: 'end' });
    const after = sampleCpu(groups);
    const results = await Promise.all(
      children.map((c) => c.next<BenchMessage & { snapshot: LoadSnapshot }>('result')),
    );
    for (const c of children) c.send({ type: 'stop' });
    await Promise.all(children.map((c) => c.next('stopped')));
    await Promise.all(children.map((c) => c.exited));
    return summarizeRun(
      false,
      processes,
      config.clients,
      pools,
      results.map((r) => r.snapshot),
      cpuBetween(before, after, cpus().length),
    );
  } finally {
    for (const c of children) c.kill();
  }
}

function summarizeRun(
  inProcess: boolean,
  processes: number,
  clients: number,
  pools: number[],
  snapshots: LoadSnapshot[],
  cpu: CpuUsage,
): ThroughputRun {
  const measuredS = snapshots.reduce((a, s) => a + s.measuredMs, 0) / snapshots.length / 1000;
  const instances = snapshots.reduce((a, s) => a + s.instances, 0);
  const steps = snapshots.reduce((a, s) => a + s.steps, 0);
  const stepsByKind = {
    start: snapshots.reduce((a, s) => a + s.stepsByKind.start, 0),
    complete: snapshots.reduce((a, s) => a + s.stepsByKind.complete, 0),
  };
  const statements: StatementCounts = {};
  for (const s of snapshots) mergeCounts(statements, s.statements);
  const latencies: number[] = [];
  for (const s of snapshots) for (const v of s.stepLatenciesMs) latencies.push(v);
  const commits = kindOf(statements, 'commit');
  const perInstance = (n: number) => (steps > 0 ? (n / steps) * STEPS_PER_INSTANCE : null);
  return {
    inProcess,
    processes,
    clients,
    poolPerProcess: pools,
    measuredS,
    instances,
    steps,
    stepsByKind,
    instancesPerS: instances / measuredS,
    stepsPerS: steps / measuredS,
    latencyMs: summarize(latencies),
    commits,
    rollbacks: kindOf(statements, 'rollback'),
    transactionsPerInstance: perInstance(commits),
    statementsPerInstance: perInstance(totalOf(statements)),
    roundTripsPerInstance: perInstance(
      snapshots.reduce((a, s) => a + Object.values(s.roundTrips).reduce((x, y) => x + y, 0), 0),
    ),
    statements,
    errors: snapshots.reduce((a, s) => a + s.errors, 0),
    errorSamples: snapshots.flatMap((s) => s.errorSamples).slice(0, 5),
    unexpectedPaths: snapshots.reduce((a, s) => a + s.unexpectedPaths, 0),
    cpu,
  };
}
