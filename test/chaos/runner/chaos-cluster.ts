/**
 * The chaos runner's system under test (reliability.md §6): a private MariaDB database and queue prefix, a private
 * `redis-server`, the fault proxy in front of each store, and N API processes (`fiscal-bpm start`) and M worker
 * processes (`fiscal-bpm worker`) as children, talking to the stores only through the proxies. It injects the
 * faults of the plan on command, each written to the fault log: SIGKILL of a worker or an API (then respawn),
 * Redis restart without save, MySQL connection resets, added latency, SIGSTOP for a while then SIGCONT. At the
 * end `settle()` waits for the system to drain and `check()` runs the invariant checker (I1–I6).
 */
import type { Knex } from 'knex';
import { connectDatabase, dropMysqlDatabase } from '../../../engine/adapters/index.js';
import { checkInvariants, type InvariantResult } from '../../../server/check/index.js';
import { MYSQL_ROOT_URL, uniqueName } from '../../helpers/engine-harness.js';
import { FaultProxy } from '../fault-proxy.js';
import { freePort, PrivateRedis } from '../private-redis.js';
import { countStalledDeliveries } from './duplicate-deliveries.js';
import { FaultLog } from './fault-log.js';
import { FiscalChild } from './fiscal-child.js';
import { between, randomStream } from './chaos-seed.js';

export interface ChaosClusterOptions {
  readonly seed: number;
  readonly apis: number;
  readonly workers: number;
  /** Prints fault log lines and progress (default: nothing). */
  readonly log?: (line: string) => void;
  /**
   * Demo logins (password sign-in for the demo users, and the 15 DEMO-… instances). Off by default: the API
   * start is much faster without them, and tests mint tokens with `jwtSecret` instead.
   */
  readonly demoLogins?: boolean;
  /** Extra environment for every child (overrides the chaos defaults below). */
  readonly env?: Record<string, string>;
}

/** The HS256 secret every API process of a cluster shares, so a token works on all of them. */
export const CHAOS_JWT_SECRET = 'chaos-runner-secret-chaos-runner-secret-0123';

/** Short locks and horizons, so lost work is found again within seconds rather than minutes. */
const CHAOS_ENV: Record<string, string> = {
  AUTH_JWT_SECRET: CHAOS_JWT_SECRET,
  BULL_LOCK_DURATION_MS: '3000',
  BULL_STALLED_INTERVAL_MS: '1500',
  RELAY_INTERVAL_MS: '250',
  RECONCILE_HORIZON_MS: '5000',
  DB_POOL_MAX: '5',
  SERVICE_CONCURRENCY: '4',
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
  LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
};

export class ChaosCluster {
  readonly faults: FaultLog;
  readonly apis: FiscalChild[] = [];
  readonly workers: FiscalChild[] = [];
  /** Re-deliveries Bull made (stalled jobs), summed over samples taken before each Redis wipe and at the end. */
  stalledDeliveries = 0;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private knexDirect: Knex | undefined;

  private constructor(
    readonly options: ChaosClusterOptions,
    readonly name: string,
    readonly redis: PrivateRedis,
    readonly mysqlProxy: FaultProxy,
    readonly redisProxy: FaultProxy,
  ) {
    this.log = options.log ?? (() => {});
    this.faults = new FaultLog(this.log);
    this.random = randomStream(options.seed, 'cluster');
  }

  /** The database as the runner sees it, directly (not through the proxy). */
  get databaseUrl(): string {
    return `${MYSQL_ROOT_URL}/${this.name}`;
  }

  get knex(): Knex {
    this.knexDirect ??= connectDatabase({ url: this.databaseUrl, poolMax: 4 });
    return this.knexDirect;
  }

  /** Base URLs of every API slot (a killed one comes back on the same port). */
  get apiUrls(): string[] {
    return this.apis.map((a) => a.baseUrl);
  }

  get reconcileHorizonMs(): number {
    return Number(this.childEnv().RECONCILE_HORIZON_MS);
  }

  /**
   * Starts Redis, the proxies, the first API (it migrates, seeds the demo directory and deploys processes/), then
   * the other APIs and the workers.
   */
  static async start(options: ChaosClusterOptions): Promise<ChaosCluster> {
    const name = uniqueName('fbpm_chaos');
    const redis = await PrivateRedis.start();
    const mysqlProxy = await FaultProxy.startForMysql(MYSQL_ROOT_URL, { seed: options.seed });
    const redisProxy = await FaultProxy.start({
      targetPort: redis.port,
      protocol: 'raw',
      name: 'redis',
      seed: options.seed + 1,
    });
    const cluster = new ChaosCluster(options, name, redis, mysqlProxy, redisProxy);
    try {
      for (let i = 1; i <= options.apis; i++) cluster.apis.push(await cluster.slot('api', i));
      for (let i = 1; i <= options.workers; i++) cluster.workers.push(await cluster.slot('worker', i));
      const began = Date.now();
      await cluster.apis[0]!.start(240_000);
      await Promise.all([...cluster.apis.slice(1), ...cluster.workers].map((c) => c.start()));
      cluster.log(
        `[chaos] ${options.apis} API + ${options.workers} worker processes ready in ${Date.now() - began} ms ` +
          `(database ${name}, redis :${redis.port}, proxies mariadb :${mysqlProxy.port} redis :${redisProxy.port})`,
      );
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  private childEnv(): Record<string, string> {
    return {
      ...CHAOS_ENV,
      DATABASE_URL: `mysql://root@127.0.0.1:${this.mysqlProxy.port}/${this.name}`,
      REDIS_URL: `redis://127.0.0.1:${this.redisProxy.port}`,
      QUEUE_PREFIX: this.name,
      DEMO_LOGINS: this.options.demoLogins ? 'true' : 'false',
      ...this.options.env,
    };
  }

  private async slot(role: 'api' | 'worker', n: number): Promise<FiscalChild> {
    return new FiscalChild({
      role,
      name: `${role}-${n}`,
      env: this.childEnv(),
      ...(role === 'api' ? { port: await freePort() } : {}),
    });
  }

  // faults //////

  /** SIGKILLs a worker (random when not given) and starts it again. */
  async killWorker(target?: FiscalChild): Promise<void> {
    const child = target ?? this.pick(this.workers);
    if (!child) return;
    this.faults.add('kill-worker', child.name, `pid=${child.pid}`);
    await child.kill();
    await child.start();
  }

  /** SIGKILLs an API process (random when not given) and starts it again on the same port. */
  async killApi(target?: FiscalChild): Promise<void> {
    const child = target ?? this.pick(this.apis);
    if (!child) return;
    this.faults.add('kill-api', child.name, `pid=${child.pid}`);
    await child.kill();
    await child.start();
  }

  /** SHUTDOWN NOSAVE of the private Redis and a start on the same port: every queue, job and lock is gone. */
  async restartRedis(): Promise<void> {
    this.stalledDeliveries += await countStalledDeliveries(this.redis.url, this.name);
    this.faults.add('redis-restart', `redis:${this.redis.port}`);
    await this.redis.restart();
  }

  /** Resets (TCP RST) every open MariaDB connection of every process, mid-statement or mid-transaction. */
  resetMysqlConnections(): void {
    this.faults.add('mysql-reset', 'mariadb', `open=${this.mysqlProxy.stats.open}`);
    this.mysqlProxy.resetAll();
  }

  /** Adds `ms` of latency to every chunk through one proxy for `durationMs`. */
  async addLatency(store: 'mariadb' | 'redis', ms: number, durationMs: number): Promise<void> {
    const proxy = store === 'mariadb' ? this.mysqlProxy : this.redisProxy;
    this.faults.add('latency', store, `+${ms}ms for ${durationMs}ms`);
    proxy.latency(ms);
    await sleep(durationMs);
    proxy.latency(0);
  }

  /** SIGSTOP a process (random API or worker when not given) for `seconds`, then SIGCONT. */
  async pause(seconds: number, target?: FiscalChild): Promise<void> {
    const child = target ?? this.pick([...this.apis, ...this.workers]);
    if (!child) return;
    this.faults.add('pause', child.name, `SIGSTOP ${seconds}s pid=${child.pid}`);
    child.pause();
    await sleep(seconds * 1000);
    child.resume();
  }

  private pick(children: FiscalChild[]): FiscalChild | undefined {
    const candidates = children.filter((c) => c.running && !c.isPaused);
    if (candidates.length === 0) return undefined;
    return candidates[between(this.random, 0, candidates.length - 1)];
  }

  // the end //////

  /** Brings every process back (running, not paused) and heals the proxies. */
  async heal(): Promise<void> {
    this.mysqlProxy.heal();
    this.redisProxy.heal();
    if (!this.redis.running) await this.redis.restart();
    for (const child of [...this.apis, ...this.workers]) {
      if (child.isPaused) child.resume();
      if (!child.running) await child.start();
    }
  }

  /**
   * Waits until the system has drained: no due job pending (service, routing, call …; timers may wait for their
   * time) and no task still being routed, seen on three polls in a row. Returns how long it took.
   */
  async settle(timeoutMs: number): Promise<number> {
    const began = Date.now();
    let quiet = 0;
    for (;;) {
      const busy = await this.busyWork();
      quiet = busy.jobs === 0 && busy.routing === 0 ? quiet + 1 : 0;
      if (quiet >= 3) return Date.now() - began;
      if (Date.now() - began > timeoutMs)
        throw new Error(
          `the system did not settle within ${timeoutMs} ms: ${busy.jobs} due jobs pending, ` +
            `${busy.routing} tasks routing (seed ${this.options.seed})`,
        );
      await sleep(500);
    }
  }

  /** Due non-timer jobs still pending, and tasks still being routed. */
  async busyWork(): Promise<{ jobs: number; routing: number }> {
    const [jobs] = (await this.knex('jobs')
      .where('state', 'pending')
      .whereNotIn('kind', ['timer', 'start-timer', 'task-deadline'])
      .andWhere('due_at', '<=', new Date())
      .count({ n: '*' })) as Array<{ n: number | string }>;
    const [routing] = (await this.knex('user_tasks').where('state', 'routing').count({ n: '*' })) as Array<{
      n: number | string;
    }>;
    return { jobs: Number(jobs?.n ?? 0), routing: Number(routing?.n ?? 0) };
  }

  /** Runs I1–I6 against the database; returns the results and one line per violation (with its ids). */
  async check(): Promise<{ results: InvariantResult[]; violations: string[] }> {
    const results = await checkInvariants(this.knex, { horizonMs: this.reconcileHorizonMs });
    const violations: string[] = [];
    for (const r of results)
      for (const v of r.violations)
        violations.push(`${r.invariant} ${v.message} ${JSON.stringify(v.ids)} (seed ${this.options.seed})`);
    return { results, violations };
  }

  /** Adds the stalled counts still in Redis to `stalledDeliveries` and returns the total. */
  async sampleStalledDeliveries(): Promise<number> {
    this.stalledDeliveries += await countStalledDeliveries(this.redis.url, this.name);
    return this.stalledDeliveries;
  }

  /** The last lines of every process, for a failure message. */
  tails(): string {
    return [...this.apis, ...this.workers].flatMap((c) => c.tail().slice(-15)).join('\n');
  }

  /** Kills every child, closes the proxies, stops Redis and drops the database. */
  async close(): Promise<void> {
    await Promise.all([...this.apis, ...this.workers].map((c) => c.kill()));
    await this.knexDirect?.destroy();
    await this.mysqlProxy.close();
    await this.redisProxy.close();
    await this.redis.stop();
    await dropMysqlDatabase(this.databaseUrl).catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
