/**
 * Scenario 6 (issue 8): timers at scale. N instances of bench/timer-wait.bpmn (start → timer catch event due at
 * the ISO date in `dueAt` → end) are started ahead of time, their due times spread evenly over a window (10,000
 * over 60 s by default, 100,000 over 5 minutes at full scale), then a burst of timers all due at one instant after
 * the window. The timers are fired by worker processes running the engine's workers (bench/timer-worker.ts: Bull
 * consumer, outbox relay, reconciler), as in production; the bench process only starts the instances and waits.
 *
 * Lateness is the engine's fire time minus the due time, both from the TIMER_FIRED history row (`firedAt` is the
 * time of the command that fired it). It is split with Bull's own timestamps of the delivery that fired it: due →
 * Bull moved the job to active (`processedOn`: the delayed set's promotion plus the wait for a free handler) →
 * the command began (`firedAt`: taken once the instance with its job is loaded) → the command committed and the handler returned (`finishedOn`).
 * Also reported: timers fired early (0 expected), timers fired more than once (0 expected), firing rate, CPU of
 * the workers, mariadbd and redis-server per timer, and how long starting the instances took.
 */
import { readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createEngine } from '../../engine/index.js';
import { connectDatabase, openInfrastructure } from '../../engine/adapters/index.js';
import { BENCH_DIR, startChild, type BenchChild, type BenchMessage } from '../lib/child.js';
import { cpuBetween, noiseWarning, sampleCpu, standardGroups, type CpuUsage } from '../lib/cpu.js';
import { mergeCounts, totalOf, type StatementCounts } from '../lib/sql-counter.js';
import { sleep, summarize, type LatencySummary } from '../lib/stats.js';
import type { BenchContext, ExtraTable, Metric, ScenarioResult } from '../lib/types.js';

/** Business-key prefixes: the spread timers, the burst, and the calibration starts (due in a day, never fired). */
const SPREAD_KEY = 'tspread-';
const BURST_KEY = 'tburst-';
const CALIBRATION_KEY = 'tcalib-';
const START_CONCURRENCY = 16;
/** The burst falls due this long after the last timer of the window. */
const BURST_GAP_MS = 5_000;
/** Calibration: starts timed to choose the lead, and the margin added to the estimated start time. */
const CALIBRATION_STARTS = 600;
const LEAD_SAFETY = 1.15;
const LEAD_MARGIN_S = 10;
/** Pool of each worker process: the server's default DB_POOL_MAX. */
const WORKER_POOL = 10;
/** Slices of the window in the lateness-over-time table. */
const SLICES = 6;

/** A timer of the spread or the burst: fired, or still pending when the bench stopped waiting (censored). */
interface FiredTimer {
  readonly group: 'spread' | 'burst';
  readonly dueAt: number;
  /** When it fired; for a timer still pending at the end, the end (its lateness is then a lower bound). */
  readonly firedAt: number;
  readonly pending: boolean;
  /** Bull: when the delivery that fired it became active, and when its handler returned. */
  readonly activeAt: number | null;
  readonly finishedAt: number | null;
  readonly republished: boolean;
}

interface CpuWindow {
  readonly usage: CpuUsage;
  readonly timers: number;
}

export async function run(context: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const { config } = context;
  const n = config.timers;
  const burst = config.timerBurst;
  const windowMs = config.timerWindowS * 1000;
  const warnings: string[] = [];
  const profileDir = config.timerCpuProfile ? join(tmpdir(), `fbpm-timer-profiles-${Date.now()}`) : null;

  const infrastructure = await openInfrastructure({
    databaseUrl: context.databaseUrl,
    redisUrl: context.redisUrl,
    queuePrefix: context.queuePrefix,
    poolMax: START_CONCURRENCY,
    migrate: false,
  });
  const creator = createEngine({ store: infrastructure.store, queue: infrastructure.queue });
  const workers: BenchChild[] = [];
  let creatorOpen = true;
  const closeCreator = async () => {
    if (!creatorOpen) return;
    creatorOpen = false;
    await creator.stop();
    await infrastructure.close();
  };
  try {
    const [deployed] = await creator.deploy(readFileSync(join(BENCH_DIR, 'timer-wait.bpmn'), 'utf8'), {
      deployedBy: 'bench',
    });
    const processKey = deployed!.processKey;

    // the workers run from the start, as in production; they have nothing due until the window
    for (let i = 0; i < config.timerProcesses; i++) {
      workers.push(
        startChild(
          'timer-worker.ts',
          {
            BENCH_DATABASE_URL: context.databaseUrl,
            BENCH_REDIS_URL: context.redisUrl,
            BENCH_QUEUE_PREFIX: context.queuePrefix,
            BENCH_CHILD_POOL: String(WORKER_POOL),
            BENCH_TIMER_CONCURRENCY: String(config.timerConcurrency),
          },
          profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
        ),
      );
    }
    await Promise.all(workers.map((w) => w.next('ready')));
    context.log(
      `${workers.length} worker process(es) running, ${config.timerConcurrency} timer handlers each`,
    );

    const startOne = (businessKey: string, dueAt: number) =>
      creator.startInstance(processKey, {
        variables: { dueAt: new Date(dueAt).toISOString() },
        businessKey,
        initiator: 'timer-bench',
      });

    // the lead (first start → first due time) from the start rate of this box, now
    let leadS = config.timerLeadS;
    let calibrationPerS: number | null = null;
    if (leadS === undefined) {
      const far = Date.now() + 86_400_000;
      const t0 = performance.now();
      const result = await startAll(CALIBRATION_STARTS, (i) => startOne(`${CALIBRATION_KEY}${i}`, far));
      if (result.failed > 0) throw new Error(`calibration: ${result.failed} starts failed: ${result.sample}`);
      calibrationPerS = CALIBRATION_STARTS / ((performance.now() - t0) / 1000);
      leadS = ((n + burst) / calibrationPerS) * LEAD_SAFETY + LEAD_MARGIN_S;
    }
    const windowStart = Date.now() + Math.round(leadS * 1000);
    const windowEnd = windowStart + windowMs;
    const burstDue = windowEnd + BURST_GAP_MS;
    const dueOf = (i: number) => (i < n ? windowStart + Math.floor((i * windowMs) / n) : burstDue);
    context.log(
      `starting ${n.toLocaleString('en-US')} timers due over ${config.timerWindowS} s from ${new Date(windowStart).toISOString()}` +
        `${burst > 0 ? ` and ${burst.toLocaleString('en-US')} all due 5 s after` : ''}` +
        ` (lead ${leadS.toFixed(0)} s${calibrationPerS === null ? ', BENCH_TIMERS_LEAD_S' : `, from ${calibrationPerS.toFixed(0)} starts/s calibrated`})`,
    );

    // created in due order, so that a start rate below the estimate only shortens the lead of the last ones
    const createT0 = performance.now();
    let lastLog = performance.now();
    const created = await startAll(n + burst, async (i, done) => {
      await startOne(i < n ? `${SPREAD_KEY}${i}` : `${BURST_KEY}${i - n}`, dueOf(i));
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        context.log(`  ${done().toLocaleString('en-US')} started`);
      }
    });
    const createS = (performance.now() - createT0) / 1000;
    const createdAt = Date.now();
    const aheadS = (windowStart - createdAt) / 1000;
    if (created.failed > 0)
      warnings.push(`timers: ${created.failed} starts failed (first: ${created.sample})`);
    if (aheadS < 0)
      warnings.push(
        `timers: the starts ended ${(-aheadS).toFixed(1)} s into the window; its first part ran with the start load`,
      );
    context.log(
      `${(n + burst - created.failed).toLocaleString('en-US')} started in ${createS.toFixed(1)} s (${((n + burst) / createS).toFixed(0)}/s), ${aheadS.toFixed(1)} s before the first due time`,
    );
    await closeCreator();

    // the window: nothing in the bench process runs until it ends
    const groups = {
      ...standardGroups(workers.map((w) => w.pid)),
      'redis-server': await redisServerPid(context.redisUrl),
      bench: [process.pid],
    };
    await sleepUntil(windowStart);
    for (const w of workers) w.send({ type: 'measure' });
    const windowBefore = sampleCpu(groups);
    await sleepUntil(windowEnd);
    const windowAfter = sampleCpu(groups);
    for (const w of workers) w.send({ type: 'measured' });
    const statements: StatementCounts = {};
    for (const w of workers)
      mergeCounts(
        statements,
        (await w.next<BenchMessage & { counts: StatementCounts }>('statements')).counts,
      );
    const spreadUsage = cpuBetween(windowBefore, windowAfter, cpus().length);
    const spreadNoise = noiseWarning('timers, the window', spreadUsage);
    if (spreadNoise) warnings.push(spreadNoise);

    // then the burst, and every timer fired (or a deadline)
    const knex = connectDatabase({ url: context.databaseUrl, poolMax: 2 });
    try {
      const expected = n + burst - created.failed;
      const firedCount = async () =>
        Number(
          (await knex('history_events').where({ type: 'TIMER_FIRED' }).count({ n: '*' }).first())?.n ?? 0,
        );
      await sleepUntil(burstDue);
      const burstBefore = sampleCpu(groups);
      // a backlog drains at the firing rate: wait while timers keep firing, within a bound
      const deadline = Date.now() + Math.max(120_000, windowMs / 2);
      let fired = await firedCount();
      let lastProgress = Date.now();
      let burstAfter = burstBefore;
      while (fired < expected && Date.now() < deadline && Date.now() - lastProgress < 30_000) {
        await sleep(500);
        const now = await firedCount();
        burstAfter = sampleCpu(groups);
        if (now > fired) lastProgress = Date.now();
        fired = now;
      }
      const burstUsage = cpuBetween(burstBefore, burstAfter, cpus().length);
      const burstNoise = noiseWarning('timers, the burst', burstUsage);
      if (burst > 0 && burstNoise) warnings.push(burstNoise);
      await sleep(1000); // a late second firing, if any, shows up in the counts below

      const workerCounts = await stopWorkers(workers);
      const stoppedAt = Date.now();
      const analysis = await analyse(context, knex, processKey, n, dueOf, stoppedAt);
      if (analysis.stillPending > 0)
        warnings.push(
          `timers: ${analysis.stillPending} of ${expected} not fired when the bench stopped waiting (${((stoppedAt - burstDue) / 1000).toFixed(0)} s after the burst was due); the lateness figures are lower bounds`,
        );
      const firedBetween = (from: number, to: number) =>
        analysis.timers.filter((t) => !t.pending && t.firedAt >= from && t.firedAt <= to).length;
      const spread = analysis.timers.filter((t) => t.group === 'spread');
      const burstTimers = analysis.timers.filter((t) => t.group === 'burst');
      return report({
        context,
        started,
        n,
        burst,
        leadS,
        calibrationPerS,
        createS,
        aheadS,
        createdFailed: created.failed,
        windowStart,
        burstDue,
        spread,
        burstTimers,
        analysis,
        spreadCpu: { usage: spreadUsage, timers: firedBetween(windowStart, windowEnd) },
        statements,
        burstCpu: {
          usage: burstUsage,
          timers: firedBetween(burstDue, burstDue + burstUsage.wallS * 1000),
        },
        workerCounts,
        warnings,
        profileDir,
      });
    } finally {
      await knex.destroy();
    }
  } finally {
    for (const w of workers) w.kill();
    await closeCreator();
  }
}

// creating //////

/** Runs `count` starts, START_CONCURRENCY at a time; a failed start is counted, not thrown. */
async function startAll(
  count: number,
  startOne: (i: number, done: () => number) => Promise<unknown>,
): Promise<{ failed: number; sample: string }> {
  let next = 0;
  let done = 0;
  let failed = 0;
  let sample = '';
  await Promise.all(
    Array.from({ length: START_CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        try {
          await startOne(i, () => done);
        } catch (err) {
          failed++;
          sample ||= String(err);
        }
        done++;
      }
    }),
  );
  return { failed, sample };
}

/** The pid of the Redis server the bench uses (other redis-server processes on the box are not ours). */
async function redisServerPid(redisUrl: string): Promise<number[]> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    return Number.isInteger(pid) && pid > 0 ? [pid] : [];
  } catch {
    return [];
  } finally {
    redis.disconnect();
  }
}

async function sleepUntil(epochMs: number): Promise<void> {
  const wait = epochMs - Date.now();
  if (wait > 0) await sleep(wait);
}

async function stopWorkers(
  workers: readonly BenchChild[],
): Promise<{ stalled: number | null; errors: number | null }> {
  let stalled: number | null = 0;
  let errors: number | null = 0;
  for (const w of workers) w.send({ type: 'stop' });
  for (const w of workers) {
    const m = await w.next<BenchMessage & { stalledCount: number | null; errorCount: number | null }>(
      'stopped',
    );
    stalled = stalled === null || m.stalledCount === null ? null : stalled + m.stalledCount;
    errors = errors === null || m.errorCount === null ? null : errors + m.errorCount;
    await w.exited;
  }
  return { stalled, errors };
}

// measuring //////

interface Analysis {
  readonly timers: FiredTimer[];
  /** Instances whose timer element completed more than once / whose timer fired more than once. */
  readonly completedTwice: number;
  /** Instances whose timer element completed at all (the check above is not vacuous). */
  readonly completedAtAll: number;
  readonly firedTwice: number;
  /** Timer jobs of the spread and burst still pending at the end. */
  readonly stillPending: number;
  /** Fired timers without Bull timestamps (the delivery's Bull job was not found). */
  readonly withoutBullTimes: number;
  /** Bull deliveries of the timer queue that completed (one per timer, plus any republished or repeated). */
  readonly bullCompleted: number;
}

async function analyse(
  context: BenchContext,
  knex: ReturnType<typeof connectDatabase>,
  processKey: string,
  n: number,
  dueOf: (i: number) => number,
  stoppedAt: number,
): Promise<Analysis> {
  const rows = (await knex('history_events as h')
    .join('process_instances as i', 'i.id', 'h.instance_id')
    .where('h.type', 'TIMER_FIRED')
    .andWhere('i.process_key', processKey)
    .select('i.business_key as businessKey', 'h.data_json as data')) as {
    businessKey: string;
    data: string;
  }[];
  const jobs = (await knex('jobs as j')
    .join('process_instances as i', 'i.id', 'j.instance_id')
    .where('j.kind', 'timer')
    .andWhere('i.process_key', processKey)
    .andWhere('i.business_key', 'not like', `${CALIBRATION_KEY}%`)
    .select('j.id', 'j.attempt', 'j.publish_seq as publishSeq', 'j.state')) as {
    id: string;
    attempt: number;
    publishSeq: number;
    state: string;
  }[];
  const jobsById = new Map(jobs.map((j) => [j.id, j]));
  const twice = async (type: string, elementId: string) =>
    Number(
      (
        (await knex.raw(
          'SELECT COUNT(*) AS n FROM (SELECT instance_id FROM history_events WHERE type = ? AND element_id = ? GROUP BY instance_id HAVING COUNT(*) > 1) x',
          [type, elementId],
        )) as [{ n: number | string }[]]
      )[0][0]?.n ?? 0,
    );

  const parsed = rows.map((r) => ({
    businessKey: r.businessKey,
    ...(JSON.parse(r.data) as { jobId: string; dueAt: number; firedAt: number }),
  }));
  const redis = new Redis(context.redisUrl);
  const timers: FiredTimer[] = [];
  let withoutBullTimes = 0;
  let bullCompleted = 0;
  try {
    const prefix = `${context.queuePrefix}:timer:`;
    for (let from = 0; from < parsed.length; from += 1000) {
      const batch = parsed.slice(from, from + 1000);
      const pipeline = redis.pipeline();
      for (const p of batch) {
        const job = jobsById.get(p.jobId);
        pipeline.hmget(
          `${prefix}job-${p.jobId}-${job?.attempt ?? 1}-${job?.publishSeq ?? 0}`,
          'processedOn',
          'finishedOn',
        );
      }
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach((p, k) => {
        const [processedOn, finishedOn] = (replies[k]?.[1] ?? [null, null]) as (string | null)[];
        if (!processedOn) withoutBullTimes++;
        timers.push({
          group: p.businessKey.startsWith(BURST_KEY) ? 'burst' : 'spread',
          dueAt: p.dueAt,
          firedAt: p.firedAt,
          pending: false,
          activeAt: processedOn ? Number(processedOn) : null,
          finishedAt: finishedOn ? Number(finishedOn) : null,
          republished: (jobsById.get(p.jobId)?.publishSeq ?? 0) > 0,
        });
      });
    }
    bullCompleted = await redis.zcard(`${prefix}completed`);
    // timers not fired by the end count as late by at least (end − due); their due time is their position
    const pendingKeys = (await knex('process_instances')
      .where({ process_key: processKey, status: 'running' })
      .andWhere('business_key', 'not like', `${CALIBRATION_KEY}%`)
      .pluck('business_key')) as string[];
    for (const key of pendingKeys) {
      const burst = key.startsWith(BURST_KEY);
      const dueAt = burst ? dueOf(n) : dueOf(Number(key.slice(SPREAD_KEY.length)));
      timers.push({
        group: burst ? 'burst' : 'spread',
        dueAt,
        firedAt: Math.max(stoppedAt, dueAt),
        pending: true,
        activeAt: null,
        finishedAt: null,
        republished: false,
      });
    }
  } finally {
    redis.disconnect();
  }
  return {
    timers,
    completedTwice: await twice('ELEMENT_COMPLETED', 'wait'),
    completedAtAll: Number(
      (
        await knex('history_events')
          .where({ type: 'ELEMENT_COMPLETED', element_id: 'wait' })
          .countDistinct({ n: 'instance_id' })
          .first()
      )?.n ?? 0,
    ),
    firedTwice: await twice('TIMER_FIRED', 'wait'),
    stillPending: jobs.filter((j) => j.state === 'pending').length,
    withoutBullTimes,
    bullCompleted,
  };
}

// reporting //////

interface ReportInput {
  readonly context: BenchContext;
  readonly started: number;
  readonly n: number;
  readonly burst: number;
  readonly leadS: number;
  readonly calibrationPerS: number | null;
  readonly createS: number;
  readonly aheadS: number;
  readonly createdFailed: number;
  readonly windowStart: number;
  readonly burstDue: number;
  readonly spread: readonly FiredTimer[];
  readonly burstTimers: readonly FiredTimer[];
  readonly analysis: Analysis;
  readonly spreadCpu: CpuWindow;
  readonly burstCpu: CpuWindow;
  /** Statements the workers sent in the window. */
  readonly statements: StatementCounts;
  readonly workerCounts: { stalled: number | null; errors: number | null };
  readonly warnings: string[];
  readonly profileDir: string | null;
}

/** Lateness and its parts, in ms, of a set of fired timers. */
function parts(timers: readonly FiredTimer[]) {
  const withBull = timers.filter((t) => t.activeAt !== null && t.finishedAt !== null);
  return {
    lateness: summarize(timers.map((t) => t.firedAt - t.dueAt)),
    early: timers.filter((t) => !t.pending && t.firedAt < t.dueAt).length,
    pending: timers.filter((t) => t.pending).length,
    republished: timers.filter((t) => t.republished).length,
    toActive: summarize(withBull.map((t) => t.activeAt! - t.dueAt)),
    toCommand: summarize(withBull.map((t) => t.firedAt - t.activeAt!)),
    toCommitted: summarize(withBull.map((t) => t.finishedAt! - t.firedAt)),
    toFinished: summarize(withBull.map((t) => t.finishedAt! - t.dueAt)),
  };
}

const ms = (v: number | null) => (v === null ? '–' : `${Math.round(v).toLocaleString('en-US')} ms`);
const pq = (s: LatencySummary) => `p50 ${ms(s.p50)} · p99 ${ms(s.p99)} · max ${ms(s.max)}`;

function statementNote(counts: StatementCounts, timers: number): string {
  const byKind: Record<string, number> = {};
  for (const bucket of Object.values(counts))
    for (const [kind, v] of Object.entries(bucket)) byKind[kind] = (byKind[kind] ?? 0) + (v ?? 0);
  return Object.entries(byKind)
    .filter(([, v]) => v > 0)
    .map(([kind, v]) => `${kind} ${timers > 0 ? (v / timers).toFixed(2) : '–'}`)
    .join(', ');
}

function cpuNote(w: CpuWindow): string {
  const c = w.usage.cores;
  const per = (name: string) =>
    w.timers > 0 && w.usage.seconds[name] !== null && w.usage.seconds[name] !== undefined
      ? ((w.usage.seconds[name]! * 1000) / w.timers).toFixed(1)
      : '–';
  const cores = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));
  return (
    `workers ${cores(c.node)} · mariadbd ${cores(c.mariadbd)} · redis ${cores(c['redis-server'])} · bench ${cores(c.bench)} cores; ` +
    `${per('node')} / ${per('mariadbd')} / ${per('redis-server')} ms CPU per timer; kernel interrupts ${cores(w.usage.interruptCores)} cores; ` +
    `box ${((w.usage.boxBusy ?? 0) * 100).toFixed(0)} % busy, other processes ${cores(w.usage.otherCores)} cores`
  );
}

function report(input: ReportInput): ScenarioResult {
  const { n, burst, analysis, spread, burstTimers, context } = input;
  const s = parts(spread);
  const b = parts(burstTimers);
  const burstFired = burstTimers.filter((t) => !t.pending);
  const burstDrainS =
    burstFired.length === burstTimers.length && burstFired.length > 0
      ? (Math.max(...burstFired.map((t) => t.firedAt)) - input.burstDue) / 1000
      : null;
  const windowS = context.config.timerWindowS;
  const processes = context.config.timerProcesses;
  const handlers = `${processes} worker process${processes === 1 ? '' : 'es'} × ${context.config.timerConcurrency} timer handlers`;
  const cores = (u: CpuUsage, name: string) => u.cores[name] ?? null;

  const metrics: Metric[] = [
    {
      key: 'createPerS',
      label: `instances started ahead (${(n + burst).toLocaleString('en-US')}), per second`,
      value: (n + burst) / input.createS,
      digits: 0,
      note: `${input.createS.toFixed(1)} s, ${START_CONCURRENCY} concurrent startInstance; ended ${input.aheadS.toFixed(1)} s before the first due time (lead ${input.leadS.toFixed(0)} s${input.calibrationPerS === null ? '' : `, ${input.calibrationPerS.toFixed(0)} starts/s calibrated`})${input.createdFailed > 0 ? `; ${input.createdFailed} failed` : ''}`,
    },
    {
      key: 'latenessP99S',
      label: `lateness p99, ${n.toLocaleString('en-US')} timers due over ${context.config.timerWindowS} s`,
      value: s.lateness.p99 === null ? null : s.lateness.p99 / 1000,
      unit: 's',
      digits: 3,
      note: `fire time − due time: p50 ${ms(s.lateness.p50)}, p90 ${ms(s.lateness.p90)}, max ${ms(s.lateness.max)}; ${(spread.length - s.pending).toLocaleString('en-US')} fired${s.pending > 0 ? `, ${s.pending.toLocaleString('en-US')} still pending at the end (counted as late by at least end − due: the figures are lower bounds)` : ''}; ${handlers}`,
    },
    {
      key: 'latenessP50Ms',
      label: 'lateness p50',
      value: s.lateness.p50,
      unit: 'ms',
      digits: 0,
      print: false,
    },
    {
      key: 'latenessMaxMs',
      label: 'lateness max',
      value: s.lateness.max,
      unit: 'ms',
      digits: 0,
      print: false,
    },
    {
      key: 'latenessParts',
      label: 'lateness split: due → Bull active → command → committed',
      value: s.toActive.p99,
      unit: 'ms',
      digits: 0,
      note: `due → active (delayed-set promotion + wait for a free handler) ${pq(s.toActive)}; active → command (instance load) ${pq(s.toCommand)}; command → committed ${pq(s.toCommitted)}; due → committed ${pq(s.toFinished)}`,
    },
    {
      key: 'early',
      label: 'timers fired before their due time',
      value: s.early + b.early,
      digits: 0,
      note: `expected 0; ${s.republished + b.republished} timers' wake-ups were republished (early delivery or reconciler)`,
    },
    {
      key: 'firedTwice',
      label: 'timers whose catch event completed more than once',
      value: analysis.completedTwice,
      digits: 0,
      note: `expected 0, of ${analysis.completedAtAll.toLocaleString('en-US')} completed; TIMER_FIRED more than once: ${analysis.firedTwice}; Bull stalled re-runs ${input.workerCounts.stalled ?? '–'}, errors ${input.workerCounts.errors ?? '–'}; ${analysis.bullCompleted.toLocaleString('en-US')} Bull deliveries completed`,
    },
    {
      key: 'notFired',
      label: 'timers not fired at the end',
      value: analysis.stillPending,
      digits: 0,
      note: analysis.withoutBullTimes > 0 ? `${analysis.withoutBullTimes} fired without Bull timestamps` : '',
    },
    {
      key: 'firedPerS',
      label: 'timers fired per second in the window',
      value: input.spreadCpu.timers / windowS,
      unit: '/s',
      digits: 0,
      note: `the due rate is ${(n / windowS).toFixed(0)}/s`,
    },
    {
      key: 'statementsPerTimer',
      label: 'DB round trips per timer fired (window)',
      value: input.spreadCpu.timers > 0 ? totalOf(input.statements) / input.spreadCpu.timers : null,
      digits: 1,
      note: `every query the workers sent in the window, relay polls included (a commit's writes go as one multi-statement query, counted by its first word): ${statementNote(input.statements, input.spreadCpu.timers)}`,
    },
    {
      key: 'spreadCpuCores',
      label: 'CPU in the window: workers / mariadbd / redis',
      value: cores(input.spreadCpu.usage, 'node'),
      unit: 'cores',
      digits: 2,
      note: cpuNote(input.spreadCpu),
    },
  ];
  if (burst > 0) {
    metrics.push(
      {
        key: 'burstPerS',
        label: `burst: ${burst.toLocaleString('en-US')} timers due at one instant, then timers fired per second`,
        value: input.burstCpu.usage.wallS > 0 ? input.burstCpu.timers / input.burstCpu.usage.wallS : null,
        unit: '/s',
        digits: 0,
        note: `the firing capacity (every timer fired from the burst's due time until all fired or the bench stopped waiting, ${input.burstCpu.usage.wallS.toFixed(0)} s; a backlog of the window included); ${burstDrainS === null ? `${b.pending.toLocaleString('en-US')} of the burst still pending at the end` : `the burst all fired ${burstDrainS.toFixed(1)} s after due`}; burst lateness ${pq(b.lateness)}`,
      },
      {
        key: 'burstParts',
        label: 'burst lateness split: due → Bull active → command → committed',
        value: b.toActive.p99,
        unit: 'ms',
        digits: 0,
        note: `due → active ${pq(b.toActive)}; active → command ${pq(b.toCommand)}; command → committed ${pq(b.toCommitted)}`,
      },
      {
        key: 'burstCpuCores',
        label: 'CPU in the burst: workers / mariadbd / redis',
        value: cores(input.burstCpu.usage, 'node'),
        unit: 'cores',
        digits: 2,
        note: cpuNote(input.burstCpu),
      },
    );
  }
  if (input.profileDir) context.log(`CPU profiles of the workers: ${input.profileDir}`);
  return {
    name: 'timers',
    title: 'Timers at scale',
    metrics,
    tables: [overTime(spread, input.windowStart, context.config.timerWindowS)],
    warnings: input.warnings,
    details: {
      timers: n,
      burst,
      windowS: context.config.timerWindowS,
      leadS: input.leadS,
      windowStart: new Date(input.windowStart).toISOString(),
      spread: s,
      burstParts: b,
      spreadCpu: input.spreadCpu,
      statements: input.statements,
      burstCpu: input.burstCpu,
      workerCounts: input.workerCounts,
      profileDir: input.profileDir,
    },
    wallS: (performance.now() - input.started) / 1000,
  };
}

/** Lateness by slice of the window (by due time): a backlog shows as lateness growing slice by slice. */
function overTime(spread: readonly FiredTimer[], windowStart: number, windowS: number): ExtraTable {
  const sliceMs = (windowS * 1000) / SLICES;
  const rows: (string | number | null)[][] = [];
  for (let k = 0; k < SLICES; k++) {
    const from = windowStart + k * sliceMs;
    const inSlice = spread.filter((t) => t.dueAt >= from && t.dueAt < from + sliceMs);
    const p = parts(inSlice);
    rows.push([
      `${((k * sliceMs) / 1000).toFixed(0)}–${(((k + 1) * sliceMs) / 1000).toFixed(0)} s`,
      inSlice.length,
      p.lateness.p50,
      p.lateness.p99,
      p.lateness.max,
      p.toActive.p99,
      p.toCommand.p99,
      p.toCommitted.p99,
    ]);
  }
  return {
    title: 'Timer lateness by due time in the window (ms)',
    headers: [
      'due',
      'timers',
      'lateness p50',
      'p99',
      'max',
      'due → active p99',
      'active → command p99',
      'command → committed p99',
    ],
    rows,
  };
}
