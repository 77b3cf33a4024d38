/**
 * Composition root shared by `start`, `worker` and the CLI: config → database → queue → engine.
 * Service-task handlers come from processes/ (the fiscal content) through its registry.
 */
import pino from 'pino';
import {
  createEngine,
  type Clock,
  type Engine,
  type InboxEvent,
  type ServiceHandler,
} from '../engine/index.js';
import { openInfrastructure, type Infrastructure } from '../engine/adapters/index.js';
import type { Config } from './config.js';
import { currentRequest } from './http/request-context.js';
import { createServiceHandlers } from '../processes/handlers.js';
import { OrgDirectory } from '../processes/org/org-directory.js';
import { OrgTaskRouter } from '../processes/org/org-task-router.js';

export interface Runtime {
  readonly config: Config;
  readonly engine: Engine;
  readonly infrastructure: Infrastructure;
  readonly logger: pino.Logger;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly extraHandlers?: Record<string, ServiceHandler>;
  /** Called after each commit with the inbox events (the server fans them out). */
  readonly onInboxEvents?: (events: InboxEvent[]) => void;
  readonly clock?: Clock;
}

export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const extraHandlers = options.extraHandlers ?? {};
  const logger = pino({
    level: config.LOG_LEVEL,
    base: { pid: process.pid },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.token',
        'password',
        'token',
      ],
      censor: '[redacted]',
    },
  });
  const infrastructure = await openInfrastructure({
    databaseUrl: config.DATABASE_URL,
    redisUrl: config.REDIS_URL,
    queuePrefix: config.QUEUE_PREFIX,
    poolMax: config.DB_POOL_MAX,
    bull: {
      lockDurationMs: config.BULL_LOCK_DURATION_MS,
      stalledIntervalMs: config.BULL_STALLED_INTERVAL_MS,
    },
    auditContext: currentRequest,
    auditHash: config.AUDIT_HASH,
  });
  const clock = options.clock;
  const handlers = createServiceHandlers({
    knex: infrastructure.knex,
    now: () => (clock ? clock.now() : Date.now()),
  });
  const engine = createEngine({
    store: infrastructure.store,
    queue: infrastructure.queue,
    handlers: { ...handlers, ...extraHandlers },
    router: new OrgTaskRouter(new OrgDirectory(infrastructure.knex)),
    limits: { maxBytes: config.BPMN_MAX_BYTES },
    relay: { intervalMs: config.RELAY_INTERVAL_MS, horizonMs: config.RECONCILE_HORIZON_MS },
    logger,
    onInboxEvents: options.onInboxEvents,
    clock: options.clock,
  });
  return {
    config,
    engine,
    infrastructure,
    logger,
    async close() {
      await engine.stop();
      await infrastructure.close();
    },
  };
}
