/**
 * Idempotency-Key: a client that sends the same command twice with the same key (a retry after a timeout, a
 * double click) gets the first outcome again instead of a second execution. mount.ts calls `run` for every
 * non-GET authenticated route that carries the header.
 *
 * Records live in `idempotency_keys`, keyed by (user, key), so they work across API processes:
 * - The first request inserts a `pending` row; the primary key decides the winner among concurrent duplicates.
 *   The winner runs the command and stores its status and body.
 * - A duplicate with the same fingerprint (method, path, query, body) waits for the winner (polling with
 *   backoff, bounded by `waitMs`) and answers with the stored status and body (`Idempotent-Replayed: true`);
 *   still pending after the bound → 409 `IDEMPOTENCY_KEY_IN_PROGRESS` (retry later with the same key).
 * - The same key with another fingerprint → 422 `IDEMPOTENCY_KEY_REUSED`.
 * - Outcomes: 2xx and 4xx are stored (a 4xx is the answer to that request: replaying it is what an identical
 *   retry would get, and it keeps a refused command from running later by surprise); on a 5xx or an unexpected
 *   error the row is deleted so a retry runs the command again. Stored errors are replayed as the same error,
 *   in the language the retry asks for.
 * - Rows expire after `ttlMs` (24 h). While the command runs, its process refreshes the pending row's
 *   `created_at` every `pendingTimeoutMs / 4`; a `pending` row not refreshed for `pendingTimeoutMs` belongs to a
 *   process that died mid-command (SIGKILL, crash) and is taken over, so a client's same-key retry runs the
 *   command after a few seconds instead of getting 409 until a fixed timeout passes. If the dead process had
 *   committed the command, the retry runs it again and the engine refuses what no longer applies (a completed
 *   task answers 409 INVALID_STATE): the effect stays applied once, but that retry does not get the first
 *   response back, which was never stored.
 */
import type { Knex } from 'knex';
import { isUniqueViolation } from '../../engine/index.js';
import { ApiError, toApiError } from './api-error.js';
import type { IdempotencyStore } from '../services.js';

export interface IdempotencyScope {
  readonly userId: string;
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly fingerprint: string;
}

export interface IdempotencyOptions {
  /** How long a key is remembered (default 24 h). */
  readonly ttlMs?: number;
  /** How long a duplicate waits for the first request to finish (default 30 s). */
  readonly waitMs?: number;
  /** A pending row not refreshed for this long is abandoned and taken over (default 10 s). */
  readonly pendingTimeoutMs?: number;
  /** How often expired rows of all users are deleted (default 10 min). */
  readonly sweepIntervalMs?: number;
}

interface KeyRow {
  fingerprint: string;
  state: string;
  status: number | null;
  response: string | null;
}

/** What is kept of an outcome: the body of a response, or the fields of an ApiError. */
type StoredResponse =
  | { readonly body?: unknown }
  | {
      readonly error: {
        readonly status: number;
        readonly code: string;
        readonly zh: string;
        readonly en: string;
        readonly details?: unknown;
      };
    };

const TABLE = 'idempotency_keys';

export class KnexIdempotencyStore implements IdempotencyStore {
  private readonly ttlMs: number;
  private readonly waitMs: number;
  private readonly pendingTimeoutMs: number;
  private readonly sweepIntervalMs: number;
  private lastSweep = 0;

  /** `now` is the application clock (stored times); waiting uses real time. */
  constructor(
    private readonly knex: Knex,
    private readonly now: () => number,
    options: IdempotencyOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 24 * 3_600_000;
    this.waitMs = options.waitMs ?? 30_000;
    this.pendingTimeoutMs = options.pendingTimeoutMs ?? 10_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 10 * 60_000;
  }

  async run(
    scope: IdempotencyScope,
    execute: () => Promise<{ status: number; body: unknown }>,
  ): Promise<{ status: number; body: unknown; replayed: boolean }> {
    await this.sweepExpired();
    const giveUpAt = Date.now() + this.waitMs;
    let delayMs = 10;
    for (;;) {
      const existing = await this.claim(scope);
      if (existing === 'claimed') return this.executeAndStore(scope, execute);
      if (existing !== 'gone') {
        if (existing.fingerprint !== scope.fingerprint) throw keyReused();
        if (existing.state === 'done') return replay(existing);
        if (Date.now() >= giveUpAt) throw inProgress(scope.key);
      }
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 250);
    }
  }

  /** Inserts the pending row, or returns the row that is there ('gone' if it vanished in between). */
  private async claim(scope: IdempotencyScope): Promise<'claimed' | 'gone' | KeyRow> {
    const now = this.now();
    const where = { user_id: scope.userId, idem_key: scope.key };
    // an expired key, or a pending one whose process died, is free again
    await this.knex(TABLE)
      .where(where)
      .andWhere((q) =>
        q
          .where('expires_at', '<', new Date(now))
          .orWhere((p) =>
            p.where('state', 'pending').andWhere('created_at', '<', new Date(now - this.pendingTimeoutMs)),
          ),
      )
      .delete();
    try {
      await this.knex(TABLE).insert({
        ...where,
        method: scope.method.slice(0, 8),
        path: scope.path.slice(0, 1000),
        fingerprint: scope.fingerprint,
        state: 'pending',
        status: null,
        response: null,
        created_at: new Date(now),
        expires_at: new Date(now + this.ttlMs),
      });
      return 'claimed';
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const row = (await this.knex(TABLE).where(where).first('fingerprint', 'state', 'status', 'response')) as
      KeyRow | undefined;
    return row ?? 'gone';
  }

  private async executeAndStore(
    scope: IdempotencyScope,
    execute: () => Promise<{ status: number; body: unknown }>,
  ): Promise<{ status: number; body: unknown; replayed: boolean }> {
    let outcome: { status: number; body: unknown };
    // keep the claim fresh while the command runs, so only a dead process's claim goes stale
    const heartbeat = setInterval(
      () => {
        void this.knex(TABLE)
          .where({ user_id: scope.userId, idem_key: scope.key, state: 'pending' })
          .update({ created_at: new Date(this.now()) })
          .catch(() => undefined);
      },
      Math.max(50, Math.floor(this.pendingTimeoutMs / 4)),
    );
    try {
      outcome = await execute();
    } catch (err) {
      clearInterval(heartbeat);
      const apiError = toApiError(err);
      if (apiError.status >= 500) await this.release(scope);
      else
        await this.store(scope, apiError.status, {
          error: {
            status: apiError.status,
            code: apiError.code,
            zh: apiError.messageZh,
            en: apiError.messageEn,
            ...(apiError.details === undefined ? {} : { details: apiError.details }),
          },
        });
      throw err;
    }
    clearInterval(heartbeat);
    if (outcome.status >= 500) await this.release(scope);
    else await this.store(scope, outcome.status, outcome.body === undefined ? {} : { body: outcome.body });
    return { ...outcome, replayed: false };
  }

  private async store(scope: IdempotencyScope, status: number, response: StoredResponse): Promise<void> {
    try {
      await this.knex(TABLE)
        .where({ user_id: scope.userId, idem_key: scope.key, state: 'pending' })
        .update({ state: 'done', status, response: JSON.stringify(response) });
    } catch {
      // the command ran; without a record a retry runs it again (and the engine refuses what no longer applies)
      await this.release(scope);
    }
  }

  private async release(scope: IdempotencyScope): Promise<void> {
    await this.knex(TABLE)
      .where({ user_id: scope.userId, idem_key: scope.key, state: 'pending' })
      .delete()
      .catch(() => undefined);
  }

  private async sweepExpired(): Promise<void> {
    const wall = Date.now();
    if (wall - this.lastSweep < this.sweepIntervalMs) return;
    this.lastSweep = wall;
    await this.knex(TABLE)
      .where('expires_at', '<', new Date(this.now()))
      .delete()
      .catch(() => undefined);
  }
}

function replay(row: KeyRow): { status: number; body: unknown; replayed: boolean } {
  const stored = JSON.parse(row.response ?? '{}') as StoredResponse;
  if ('error' in stored) {
    const e = stored.error;
    throw new ApiError(e.status, e.code, e.zh, e.en, e.details);
  }
  return { status: Number(row.status), body: stored.body, replayed: true };
}

function keyReused(): ApiError {
  return new ApiError(
    422,
    'IDEMPOTENCY_KEY_REUSED',
    '此 Idempotency-Key 已用于另一个请求（方法、路径或请求体不同），请换用新的 Key',
    'This Idempotency-Key was used for a different request (method, path or body); use a new key',
    { field: 'headers.Idempotency-Key' },
  );
}

function inProgress(key: string): ApiError {
  return new ApiError(
    409,
    'IDEMPOTENCY_KEY_IN_PROGRESS',
    '使用同一 Idempotency-Key 的请求仍在处理中，请稍后用同一 Key 重试',
    'A request with this Idempotency-Key is still being processed; retry later with the same key',
    { field: 'headers.Idempotency-Key', key },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
