/**
 * Prometheus metrics of an API process (GET /metrics): Node's default process metrics, an HTTP request duration
 * histogram, queue state, open and overdue tasks per org level, and open event streams. Names are listed in
 * docs/operations.md.
 *
 * The default metrics describe the process, so they live in one registry per process; everything else is per
 * AppServices (tests run several apps in one process). Database and Redis reads happen only when scraped, at most
 * once per second whatever the number of scrapers; a failed read leaves its metric empty for that scrape (the
 * readiness probe is where failures show).
 */
import type Koa from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RedisInboxEventBus } from '../events/redis-bus.js';
import { sseHubOf } from '../events/sse-hub.js';
import type { AppServices } from '../services.js';
import { queueInspectorOf, type JobCounts } from './queue-inspector.js';
import { countTasksByLevel, type TaskCountsByLevel } from './task-counts.js';

let processRegistry: Registry | undefined;

function defaultMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'paused'] as const;

export class OpsMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly tasks: () => Promise<TaskCountsByLevel[]>;

  constructor(services: AppServices) {
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'fiscal_bpm_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status (for event streams: until the stream opened)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });

    this.tasks = cachedFor(1000, () => countTasksByLevel(services.knex, services.now()));
    const tasks = this.tasks;
    new Gauge({
      name: 'fiscal_bpm_tasks_open',
      help: 'User tasks not ended (routing, created or suspended), by the org level of their instance',
      labelNames: ['level'],
      registers,
      async collect() {
        this.reset();
        for (const row of await tasks().catch(() => [])) this.set({ level: row.level }, row.open);
      },
    });
    new Gauge({
      name: 'fiscal_bpm_tasks_overdue',
      help: 'Open user tasks past their due time, by the org level of their instance',
      labelNames: ['level'],
      registers,
      async collect() {
        this.reset();
        for (const row of await tasks().catch(() => [])) this.set({ level: row.level }, row.overdue);
      },
    });

    const queue = services.infrastructure.queue as typeof services.infrastructure.queue & {
      stalledCount?: number;
      errorCount?: number;
    };
    const kind = services.config.REDIS_URL ? 'bull' : 'in-process';
    new Gauge({
      name: 'fiscal_bpm_queue_ready',
      help: 'Whether the work queue accepts messages (1) or not (0, e.g. Redis unreachable)',
      labelNames: ['kind'],
      registers,
      collect() {
        this.set({ kind }, queue.isReady() ? 1 : 0);
      },
    });
    new Counter({
      name: 'fiscal_bpm_queue_stalled_total',
      help: 'Jobs re-queued because their lock lapsed (each is a duplicate delivery); 0 for the in-process queue',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        this.inc({ kind }, queue.stalledCount ?? 0);
      },
    });
    new Counter({
      name: 'fiscal_bpm_queue_errors_total',
      help: 'Queue adapter errors (Bull or Redis error events)',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        this.inc({ kind }, queue.errorCount ?? 0);
      },
    });

    const inspector = queueInspectorOf(services);
    if (inspector) {
      const counts = cachedFor(1000, () => inspector.counts());
      new Gauge({
        name: 'fiscal_bpm_queue_jobs',
        help: 'Bull jobs per queue and state (getJobCounts); only when the queue is Bull',
        labelNames: ['queue', 'state'],
        registers,
        async collect() {
          this.reset();
          for (const { queue: name, counts: c } of await counts().catch(() => []))
            for (const state of JOB_STATES) this.set({ queue: name, state }, (c as JobCounts)[state] ?? 0);
        },
      });
    }

    const hub = sseHubOf(services);
    new Gauge({
      name: 'fiscal_bpm_sse_connections',
      help: 'Open event streams (GET /api/events) in this process',
      registers,
      collect() {
        this.set(hub.connectionCount);
      },
    });
    const bus = services.events;
    if (bus instanceof RedisInboxEventBus)
      new Counter({
        name: 'fiscal_bpm_event_bus_errors_total',
        help: 'Redis errors and unreadable messages of the inbox event bus',
        registers,
        collect() {
          this.reset();
          this.inc(bus.errorCount);
        },
      });
  }

  /** Koa middleware timing every request; the route label is the matched pattern, never the raw path. */
  middleware(): Koa.Middleware {
    return async (ctx, next) => {
      const end = this.httpDuration.startTimer();
      try {
        await next();
      } finally {
        const matched = (ctx as Koa.Context & { _matchedRoute?: string | RegExp })._matchedRoute;
        end({
          method: ctx.method,
          route: matched === undefined ? 'unmatched' : String(matched),
          status: String(ctx.status),
        });
      }
    };
  }

  /** The exposition text of the process metrics and these. */
  async render(): Promise<string> {
    const [process, own] = await Promise.all([defaultMetrics().metrics(), this.registry.metrics()]);
    return `${process.trimEnd()}\n${own}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Shares one run of `load` between callers within `ms`; a failure is not cached. */
function cachedFor<T>(ms: number, load: () => Promise<T>): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at >= ms) {
      const value = load();
      cached = { at: now, value };
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}

const all = new WeakMap<AppServices, OpsMetrics>();

/** The metrics of these services, created on first use (by the request middleware or /metrics). */
export function opsMetricsOf(services: AppServices): OpsMetrics {
  let metrics = all.get(services);
  if (!metrics) {
    metrics = new OpsMetrics(services);
    all.set(services, metrics);
  }
  return metrics;
}

/** The HTTP request histogram middleware for app.ts (first, so it sees the final status). */
export function requestMetrics(services: AppServices): Koa.Middleware {
  return opsMetricsOf(services).middleware();
}
