/**
 * The server runtime the Redis chaos tests run (reliability.md §6 scenarios 3 and 4): the same wiring as
 * `fiscal-bpm start` (server/compose.ts, the koa app, the engine workers, the demo org directory) on MariaDB, but
 * with the Redis URL the test chooses (a private redis-server, or the fault proxy in front of it) and test
 * service handlers. Short relay, reconcile and Bull lock settings keep the scenarios within seconds.
 * Its own database and queue prefix; `close()` drops the database.
 */
import type Koa from 'koa';
import supertest from 'supertest';
import type { ServiceHandler } from '../../engine/index.js';
import { dropMysqlDatabase } from '../../engine/adapters/index.js';
import { seedOrgDirectory } from '../../processes/org/seed-org-directory.js';
import { createApp } from '../../server/app.js';
import { openServerRuntime, type ServerRuntime } from '../../server/compose.js';
import { loadConfig, type Config } from '../../server/config.js';
import { MYSQL_ROOT_URL, uniqueName } from '../helpers/engine-harness.js';

export interface RedisChaosServer {
  readonly config: Config;
  readonly server: ServerRuntime;
  readonly app: Koa;
  readonly http: ReturnType<typeof supertest>;
  /** A bearer header value for the user. */
  bearer(userId: string): Promise<string>;
  close(): Promise<void>;
}

export interface RedisChaosServerOptions {
  readonly redisUrl: string;
  readonly handlers?: Record<string, ServiceHandler>;
  /** Extra environment for loadConfig (overrides the defaults below). */
  readonly env?: Record<string, string>;
  readonly serviceConcurrency?: number;
}

export async function openRedisChaosServer(options: RedisChaosServerOptions): Promise<RedisChaosServer> {
  const name = uniqueName('fbpm_redis');
  const databaseUrl = `${MYSQL_ROOT_URL}/${name}`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: name,
    LOG_LEVEL: 'silent',
    DB_POOL_MAX: '10',
    RELAY_INTERVAL_MS: '200',
    RECONCILE_HORIZON_MS: '3000',
    BULL_LOCK_DURATION_MS: '5000',
    BULL_STALLED_INTERVAL_MS: '2000',
    AUTH_JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
    ...options.env,
  });
  const server = await openServerRuntime(config, { extraHandlers: options.handlers });
  try {
    await seedOrgDirectory(server.services.knex, { demo: true });
    await server.runtime.engine.startWorkers({ serviceConcurrency: options.serviceConcurrency ?? 4 });
  } catch (err) {
    await server.close();
    await dropMysqlDatabase(databaseUrl);
    throw err;
  }
  const app = createApp(server.services);
  return {
    config,
    server,
    app,
    http: supertest(app.callback()),
    async bearer(userId) {
      return `Bearer ${(await server.tokens.issue(userId, server.services.now())).token}`;
    },
    async close() {
      await server.close();
      await dropMysqlDatabase(databaseUrl);
    },
  };
}
