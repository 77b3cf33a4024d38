/**
 * A test server on the real parts: the koa app (not listening; supertest drives `app.callback()`), with its own
 * database and queue prefix, the demo org directory seeded and the engine workers running. `as(userId)` gives a
 * request helper that sends that user's bearer token.
 */
import type Koa from 'koa';
import supertest from 'supertest';
import { loadConfig, type Config } from '../../server/config.js';
import { openServerRuntime, type ServerRuntime } from '../../server/compose.js';
import { createApp } from '../../server/app.js';
import type { AppServices } from '../../server/services.js';
import type { Clock, Engine } from '../../engine/index.js';
import { dropMysqlDatabase, obliterateBullPrefix } from '../../engine/adapters/index.js';
import { seedOrgDirectory } from '../../processes/org/seed-org-directory.js';
import { MYSQL_ROOT_URL, REDIS_URL, uniqueName, type Backend } from './engine-harness.js';

export interface TestServer {
  readonly backend: Backend;
  readonly app: Koa;
  readonly server: ServerRuntime;
  readonly services: AppServices;
  readonly engine: Engine;
  readonly config: Config;
  /** supertest on the app, no credentials. */
  readonly http: ReturnType<typeof supertest>;
  /** A bearer token for the user. */
  tokenFor(userId: string): Promise<string>;
  /** Requests as this user (bearer token). */
  as(userId: string): Promise<UserAgent>;
  close(): Promise<void>;
}

export interface UserAgent {
  get(path: string): supertest.Test;
  post(path: string): supertest.Test;
  put(path: string): supertest.Test;
  patch(path: string): supertest.Test;
  delete(path: string): supertest.Test;
}

export interface TestServerOptions {
  readonly clock?: Clock;
  /** Extra environment for loadConfig (e.g. AUTH_TOKEN_TTL_S). */
  readonly env?: Record<string, string>;
  /** Seed the demo org directory and users (default true). */
  readonly demo?: boolean;
  /** Run the engine workers (default true: routing, timers and service tasks run as in production). */
  readonly workers?: boolean;
}

export async function createTestServer(
  backend: Backend,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const name = uniqueName('fbpm_s');
  const databaseUrl = backend === 'mysql' ? `${MYSQL_ROOT_URL}/${name}` : ':memory:';
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    ...(backend === 'mysql' ? { REDIS_URL, QUEUE_PREFIX: name } : {}),
    LOG_LEVEL: 'silent',
    DB_POOL_MAX: '10',
    RELAY_INTERVAL_MS: '200',
    BULL_LOCK_DURATION_MS: '5000',
    BULL_STALLED_INTERVAL_MS: '2000',
    AUTH_JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
    ...options.env,
  });
  const server = await openServerRuntime(config, { clock: options.clock });
  const { services } = server;
  if (options.demo !== false) await seedOrgDirectory(services.knex, { demo: true });
  if (options.workers !== false) await services.engine.startWorkers({ serviceConcurrency: 4 });
  const app = createApp(services);
  const http = supertest(app.callback());
  const tokenFor = async (userId: string) => (await server.tokens.issue(userId, services.now())).token;
  return {
    backend,
    app,
    server,
    services,
    engine: services.engine,
    config,
    http,
    tokenFor,
    async as(userId) {
      const auth = `Bearer ${await tokenFor(userId)}`;
      return {
        get: (p) => http.get(p).set('Authorization', auth),
        post: (p) => http.post(p).set('Authorization', auth),
        put: (p) => http.put(p).set('Authorization', auth),
        patch: (p) => http.patch(p).set('Authorization', auth),
        delete: (p) => http.delete(p).set('Authorization', auth),
      };
    },
    async close() {
      await server.close();
      if (backend === 'mysql') {
        await dropMysqlDatabase(databaseUrl);
        await obliterateBullPrefix(REDIS_URL, name);
      }
    },
  };
}
