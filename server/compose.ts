/**
 * Builds the AppServices for a runtime: authentication, the inbox event bus, idempotency. Shared by main.ts
 * and the test harness so tests run the same wiring as production.
 */
import { OrgDirectory } from '../processes/org/org-directory.js';
import { TokenAuthenticator, cookieNames } from './auth/authenticator.js';
import { PrincipalLoader } from './auth/principal-loader.js';
import { openAccounts } from './auth/accounts.js';
import { TokenService } from './auth/tokens.js';
import type { Config } from './config.js';
import { openInboxEventBus } from './events/bus.js';
import { KnexIdempotencyStore } from './http/idempotency.js';
import { openRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
import type { AppServices, InboxEventBus } from './services.js';

export interface ServerRuntime {
  readonly runtime: Runtime;
  readonly services: AppServices;
  readonly tokens: TokenService;
  readonly principals: PrincipalLoader;
  close(): Promise<void>;
}

/** Opens DB + queue + engine and the server's services, wiring engine inbox events into the bus. */
export async function openServerRuntime(
  config: Config,
  options: Omit<RuntimeOptions, 'onInboxEvents'> & { now?: () => number } = {},
): Promise<ServerRuntime> {
  // Redis pub/sub when REDIS_URL is set, so every API process streams every user's events
  const bus: InboxEventBus = await openInboxEventBus(config);
  const runtime = await openRuntime(config, {
    ...options,
    onInboxEvents: (events) => void bus.publish(events).catch(() => undefined),
  }).catch(async (err: unknown) => {
    await bus.close();
    throw err;
  });
  const now = options.now ?? (() => (options.clock ? options.clock.now() : Date.now()));
  const tokens = new TokenService({
    secret: config.AUTH_JWT_SECRET,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    ttlSeconds: config.AUTH_TOKEN_TTL_S,
  });
  const principals = new PrincipalLoader(runtime.infrastructure.knex);
  const { knex } = runtime.infrastructure;
  const accounts = openAccounts({ config, knex, tokens, principals, now, logger: runtime.logger });
  const services: AppServices = {
    config,
    engine: runtime.engine,
    knex: runtime.infrastructure.knex,
    infrastructure: runtime.infrastructure,
    logger: runtime.logger,
    orgs: new OrgDirectory(runtime.infrastructure.knex),
    auth: new TokenAuthenticator(tokens, principals, cookieNames(config.COOKIE_SECURE), now),
    principals,
    accounts,
    events: bus,
    idempotency: new KnexIdempotencyStore(runtime.infrastructure.knex, now, {
      pendingTimeoutMs: config.IDEMPOTENCY_PENDING_TIMEOUT_MS,
    }),
    now,
  };
  return {
    runtime,
    services,
    tokens,
    principals,
    async close() {
      await accounts.close();
      await services.events.close();
      await runtime.close();
    },
  };
}
