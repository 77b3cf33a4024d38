/**
 * What route handlers and middleware may use. Built once by main.ts (or a test) and passed to createApp;
 * nothing in server/ reaches for globals.
 */
import type { Knex } from 'knex';
import type pino from 'pino';
import type Koa from 'koa';
import type { Engine } from '../engine/index.js';
import type { Infrastructure } from '../engine/adapters/index.js';
import type { OrgDirectory } from '../processes/org/org-directory.js';
import type { Config } from './config.js';
import type { Principal } from './auth/principal.js';
import type { PrincipalLoader } from './auth/principal-loader.js';
import type { Accounts } from './auth/accounts.js';

/** Signs in, and turns a request's cookie or bearer token into a Principal. */
export interface Authenticator {
  /** The caller, or an ApiError 401 (bad, expired or revoked token; disabled user). Undefined without credentials. */
  authenticate(ctx: Koa.Context): Promise<Principal | undefined>;
  /** For cookie sessions on unsafe methods: the CSRF token and Origin must match, or ApiError 403. */
  checkCsrf(ctx: Koa.Context): void;
}

/** Fan-out of inbox events to every API process (Redis pub/sub, or in-process in the embedded default). */
export interface InboxEventBus {
  publish(events: readonly import('../engine/index.js').InboxEvent[]): Promise<void>;
  /** Calls `listener` for every event published by any process; returns the unsubscribe function. */
  subscribe(listener: (event: import('../engine/index.js').InboxEvent) => void): () => void;
  close(): Promise<void>;
}

/** Same key + same body → the stored response; same key + another body → 422. */
export interface IdempotencyStore {
  run(
    scope: { userId: string; key: string; method: string; path: string; fingerprint: string },
    execute: () => Promise<{ status: number; body: unknown }>,
  ): Promise<{ status: number; body: unknown; replayed: boolean }>;
}

export interface AppServices {
  readonly config: Config;
  readonly engine: Engine;
  readonly knex: Knex;
  readonly infrastructure: Infrastructure;
  readonly logger: pino.Logger;
  readonly orgs: OrgDirectory;
  readonly auth: Authenticator;
  /** Loads principals per request; `invalidate(userId)` after any change to a user. */
  readonly principals: PrincipalLoader;
  /** Sign-in, sessions, passwords, login throttle and user administration. */
  readonly accounts: Accounts;
  readonly events: InboxEventBus;
  readonly idempotency: IdempotencyStore;
  /** Epoch milliseconds (the engine's clock in tests). */
  now(): number;
}
