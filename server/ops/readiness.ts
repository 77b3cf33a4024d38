/**
 * Readiness of an API process (GET /readyz): can it serve requests now? Checks, each bounded by a timeout:
 *
 * - `database`: `select 1` on the pool;
 * - `migrations`: every migration of migrations/index.ts applied (knex migrate status), none unknown;
 * - `redis` (only with REDIS_URL): PING on the inbox event bus's command connection;
 * - `queue`: the work queue accepts messages (no I/O: the adapter's own connection state).
 *
 * `ready` when all pass; `unavailable` when the database does not answer (nothing can be served); `degraded`
 * otherwise. Failures name a short reason, never a host or credentials; details go to the log.
 */
import type { Knex } from 'knex';
import { migrationSource } from '../../migrations/index.js';
import { RedisInboxEventBus } from '../events/redis-bus.js';
import type { AppServices } from '../services.js';

export interface CheckResult {
  readonly ok: boolean;
  readonly ms?: number;
  readonly error?: string;
  readonly pending?: readonly string[];
}

export interface Readiness {
  readonly status: 'ready' | 'degraded' | 'unavailable';
  readonly checks: Record<string, CheckResult>;
}

const CHECK_TIMEOUT_MS = 2000;

export async function checkReadiness(services: AppServices): Promise<Readiness> {
  const bus = services.events;
  const [database, migrations, redis] = await Promise.all([
    timed(() => services.knex.raw('select 1').then(() => ({}))),
    timed(() => pendingMigrations(services.knex)),
    services.config.REDIS_URL
      ? timed(async () => {
          if (!(bus instanceof RedisInboxEventBus)) throw new Error('no Redis connection to probe');
          await bus.ping();
          return {};
        })
      : undefined,
  ]);
  const checks: Record<string, CheckResult> = {
    database,
    migrations,
    ...(redis ? { redis } : {}),
    queue: { ok: services.infrastructure.queue.isReady() },
  };
  for (const [name, check] of Object.entries(checks))
    if (!check.ok) services.logger.warn({ check: name, error: check.error }, 'readiness check failed');
  const status = !database.ok
    ? 'unavailable'
    : Object.values(checks).every((c) => c.ok)
      ? 'ready'
      : 'degraded';
  return { status, checks };
}

async function pendingMigrations(knex: Knex): Promise<{ ok: boolean; pending: string[] }> {
  const [, pending] = (await knex.migrate.list({ migrationSource })) as [unknown, unknown[]];
  const names = pending.map((m) => migrationSource.getMigrationName(m as never));
  return { ok: names.length === 0, pending: names };
}

/** Runs a check with a timeout; `ok` unless it throws, times out, or returns `ok: false`. */
async function timed(check: () => Promise<{ ok?: boolean; pending?: string[] }>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError()), CHECK_TIMEOUT_MS);
      }),
    ]);
    return {
      ok: result.ok ?? true,
      ms: elapsed(started),
      ...(result.pending ? { pending: result.pending } : {}),
    };
  } catch (err) {
    return { ok: false, ms: elapsed(started), error: reasonOf(err) };
  } finally {
    clearTimeout(timer);
  }
}

class TimeoutError extends Error {}

function reasonOf(err: unknown): string {
  if (err instanceof TimeoutError) return `no answer within ${CHECK_TIMEOUT_MS} ms`;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return code;
  const message = err instanceof Error ? err.message : String(err);
  // ioredis without an offline queue: "Stream isn't writeable and enableOfflineQueue options is false"
  if (/writeable|Connection is closed/i.test(message)) return 'not connected';
  return 'failed';
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
