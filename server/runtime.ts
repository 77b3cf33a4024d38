/**
 * Composition root shared by `start`, `worker` and the CLI: config → database → queue → engine.
 * Service-task handlers come from processes/ (the fiscal content) through its registry.
 */
import pino from 'pino';
import { createEngine, type Engine, type ServiceHandler } from '../engine/index.js';
import { openInfrastructure, type Infrastructure } from '../engine/adapters/index.js';
import type { Config } from './config.js';
import { serviceHandlers } from '../processes/handlers.js';
import { OrgDirectory } from '../processes/org/org-directory.js';
import { OrgTaskRouter } from '../processes/org/org-task-router.js';

export interface Runtime {
  readonly config: Config;
  readonly engine: Engine;
  readonly infrastructure: Infrastructure;
  readonly logger: pino.Logger;
  close(): Promise<void>;
}

export async function openRuntime(
  config: Config,
  extraHandlers: Record<string, ServiceHandler> = {},
): Promise<Runtime> {
  const logger = pino({ level: config.LOG_LEVEL, base: { pid: process.pid } });
  const infrastructure = await openInfrastructure({
    databaseUrl: config.DATABASE_URL,
    redisUrl: config.REDIS_URL,
    queuePrefix: config.QUEUE_PREFIX,
    poolMax: config.DB_POOL_MAX,
    bull: {
      lockDurationMs: config.BULL_LOCK_DURATION_MS,
      stalledIntervalMs: config.BULL_STALLED_INTERVAL_MS,
    },
  });
  const engine = createEngine({
    store: infrastructure.store,
    queue: infrastructure.queue,
    handlers: { ...serviceHandlers, ...extraHandlers },
    router: new OrgTaskRouter(new OrgDirectory(infrastructure.knex)),
    limits: { maxBytes: config.BPMN_MAX_BYTES },
    relay: { intervalMs: config.RELAY_INTERVAL_MS, horizonMs: config.RECONCILE_HORIZON_MS },
    logger,
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
