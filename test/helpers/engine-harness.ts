/**
 * Test engines on the real parts: MariaDB + Bull/Redis, and SQLite + the in-process queue. Each harness
 * gets its own database and queue prefix, so runs never collide; `close()` drops them.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createEngine,
  type Clock,
  type Engine,
  type EngineOptions,
  type ServiceHandler,
  type TaskRecord,
} from '../../engine/index.js';
import {
  dropMysqlDatabase,
  obliterateBullPrefix,
  openInfrastructure,
  type Infrastructure,
} from '../../engine/adapters/index.js';

export type Backend = 'mysql' | 'sqlite';

export const MYSQL_ROOT_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  constructor(public current = Date.parse('2026-03-02T01:00:00.000Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface TestEngine {
  readonly backend: Backend;
  readonly engine: Engine;
  readonly infrastructure: Infrastructure;
  readonly databaseUrl: string;
  readonly queuePrefix: string | undefined;
  /** Reads a fixture file next to the calling test. */
  fixtureText(meta: ImportMeta, name: string): string;
  /** Deploys a fixture file (relative to the calling test file's folder) and returns its process key. */
  deployFixture(meta: ImportMeta, name: string): Promise<string>;
  /** The open tasks of an instance, ordered by element id. */
  openTasks(instanceId: string): Promise<TaskRecord[]>;
  /** Runs every pending non-timer job that is due (service, call, child, throw …) until none is left; returns how many ran. */
  runPendingJobs(): Promise<number>;
  /** Completes the open task at `elementId` of an instance. */
  complete(instanceId: string, elementId: string, variables?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface TestEngineOptions {
  readonly handlers?: Record<string, ServiceHandler>;
  readonly clock?: Clock;
  readonly workers?: boolean;
  readonly serviceConcurrency?: number;
  readonly engine?: Partial<EngineOptions>;
  readonly poolMax?: number;
}

/** Unique name for this run's databases and queue prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function createTestEngine(
  backend: Backend,
  options: TestEngineOptions = {},
): Promise<TestEngine> {
  const name = uniqueName('fbpm_t');
  const databaseUrl = backend === 'mysql' ? `${MYSQL_ROOT_URL}/${name}` : ':memory:';
  const queuePrefix = backend === 'mysql' ? name : undefined;
  const infrastructure = await openInfrastructure({
    databaseUrl,
    redisUrl: backend === 'mysql' ? REDIS_URL : undefined,
    queuePrefix,
    poolMax: options.poolMax ?? 10,
    bull: { lockDurationMs: 5000, stalledIntervalMs: 2000 },
  });
  const engine = createEngine({
    store: infrastructure.store,
    queue: infrastructure.queue,
    handlers: options.handlers,
    clock: options.clock,
    relay: { intervalMs: 200, graceMs: 500, horizonMs: 5000 },
    ...options.engine,
  });
  if (options.workers) await engine.startWorkers({ serviceConcurrency: options.serviceConcurrency ?? 4 });
  return {
    backend,
    engine,
    infrastructure,
    databaseUrl,
    queuePrefix,
    fixtureText(meta, file) {
      return readFileSync(join(dirname(fileURLToPath(meta.url)), file), 'utf8');
    },
    async deployFixture(meta, file) {
      const [deployed] = await engine.deploy(readFileSync(join(dirname(fileURLToPath(meta.url)), file)));
      return deployed!.processKey;
    },
    async openTasks(instanceId) {
      const tasks = await engine.listTasks({ instanceId });
      return tasks.sort((a, b) => (a.elementId < b.elementId ? -1 : a.elementId > b.elementId ? 1 : 0));
    },
    async runPendingJobs() {
      let ran = 0;
      for (let round = 0; round < 50; round++) {
        const now = (options.clock ?? { now: () => Date.now() }).now();
        const due = (await engine.listJobs({ state: 'pending' })).filter(
          (j) => j.kind !== 'timer' && j.kind !== 'start-timer' && j.dueAt <= now,
        );
        if (due.length === 0) return ran;
        for (const job of due) {
          await engine.handleJob(job.id, job.attempt);
          ran++;
        }
      }
      throw new Error('jobs kept coming after 50 rounds');
    },
    async complete(instanceId, elementId, variables) {
      const task = (await engine.listTasks({ instanceId })).find((x) => x.elementId === elementId);
      if (!task) throw new Error(`no open task at ${elementId} in ${instanceId}`);
      await engine.completeTask(task.id, { variables });
    },
    async close() {
      await engine.stop();
      await infrastructure.store.close();
      if (backend === 'mysql') {
        await dropMysqlDatabase(databaseUrl);
        await obliterateBullPrefix(REDIS_URL, queuePrefix!);
      }
    },
  };
}

/** Runs `define` once per backend, each inside its own describe block. */
export function forEachBackend(
  title: string,
  define: (backend: Backend) => void,
  backends: Backend[] = ['mysql', 'sqlite'],
): void {
  for (const backend of backends) {
    describe(`${title} [${backend === 'mysql' ? 'MariaDB + Bull' : 'SQLite + in-process queue'}]`, function () {
      define(backend);
    });
  }
}

/** Polls `check` until it returns a truthy value (returned) or the time is up (throws with `what`). */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, undefined | null | false | 0 | ''>;
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Reads a fixture next to the calling test. */
export function fixture(meta: ImportMeta, file: string): string {
  return readFileSync(join(dirname(fileURLToPath(meta.url)), file), 'utf8');
}

/** Rows of an aggregate query as plain objects with numbers (MySQL returns counts as strings, SQLite as numbers). */
export function countRows<K extends string>(
  rows: unknown,
  ...keys: K[]
): Array<Record<K, string> & { n: number }> {
  return (rows as Array<Record<string, unknown>>).map((r) => {
    const out: Record<string, unknown> = { n: Number(r.n) };
    for (const k of keys) out[k] = String(r[k]);
    return out as Record<K, string> & { n: number };
  });
}
