/**
 * Adapters for the engine's ports, and the two standard compositions: production (MySQL/MariaDB + Bull on
 * Redis) and embedded (SQLite + in-process queue). Only composition roots (server, CLI, bench, tests) import this.
 */
import type { Knex } from 'knex';
import type { WorkQueue } from '../core/ports/work-queue.js';
import { BullWorkQueue } from './bull/bull-work-queue.js';
import { connectDatabase, dialectOf, ensureMysqlDatabase } from './knex/connect.js';
import { KnexProcessStore } from './knex/knex-process-store.js';
import type { AuditOptions } from './knex/audit-log.js';
import { InProcessWorkQueue } from './memory/in-process-work-queue.js';
import { migrateLatest } from '../../migrations/index.js';

export { BullWorkQueue, obliterateBullPrefix } from './bull/bull-work-queue.js';
export { InProcessWorkQueue } from './memory/in-process-work-queue.js';
export { KnexProcessStore } from './knex/knex-process-store.js';
export {
  appendSystemAudit,
  type AuditContext,
  type AuditHashAlgorithm,
  type SystemAuditEntry,
} from './knex/audit-log.js';
export { verifyAuditLog, type AuditProblem, type AuditVerifyResult } from './knex/audit-verify.js';
export { connectDatabase, dialectOf, dropMysqlDatabase, ensureMysqlDatabase } from './knex/connect.js';
export { migrateLatest } from '../../migrations/index.js';

export interface InfrastructureOptions {
  /** `mysql://…` for MySQL/MariaDB; a SQLite path (or `sqlite:<path>`) otherwise. */
  readonly databaseUrl: string;
  /** `redis://…` for Bull; absent for the in-process queue. */
  readonly redisUrl?: string;
  /** Key prefix of the Bull queues (one per environment or test run). */
  readonly queuePrefix?: string;
  readonly poolMax?: number;
  readonly bull?: { lockDurationMs?: number; stalledIntervalMs?: number };
  /** Create the MySQL database when missing, and run migrations (default true). */
  readonly migrate?: boolean;
  /** Who runs the current command (request id, user, org, roles), recorded in the audit log. */
  readonly auditContext?: AuditOptions['auditContext'];
  /** Hash of new audit rows: sha256 (default) or sm3. */
  readonly auditHash?: AuditOptions['auditHash'];
}

export interface Infrastructure {
  readonly knex: Knex;
  readonly store: KnexProcessStore;
  readonly queue: WorkQueue;
  /** True when the queue keeps nothing across restarts (the in-process queue). */
  readonly volatileQueue: boolean;
  close(): Promise<void>;
}

/** Connects the store and the queue chosen by the URLs, migrating the schema first. */
export async function openInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  if (dialectOf(options.databaseUrl) === 'mysql' && options.migrate !== false)
    await ensureMysqlDatabase(options.databaseUrl);
  const knex = connectDatabase({ url: options.databaseUrl, poolMax: options.poolMax });
  if (options.migrate !== false) await migrateLatest(knex);
  const store = new KnexProcessStore(knex, {
    auditContext: options.auditContext,
    auditHash: options.auditHash,
  });
  const queue: WorkQueue = options.redisUrl
    ? new BullWorkQueue({
        redisUrl: options.redisUrl,
        prefix: options.queuePrefix ?? 'fiscal-bpm',
        lockDurationMs: options.bull?.lockDurationMs,
        stalledIntervalMs: options.bull?.stalledIntervalMs,
      })
    : new InProcessWorkQueue();
  return {
    knex,
    store,
    queue,
    volatileQueue: !options.redisUrl,
    async close() {
      await queue.close();
      await store.close();
    },
  };
}
