/**
 * A small HTTP client for the chaos tests: gets a bearer token per demo user (minted with the cluster's
 * AUTH_JWT_SECRET, which every API process shares; or by signing in with the demo password when the cluster
 * runs with demo logins) and sends JSON requests to any of several API processes. A network error or a 502/503 (the process died or is starting) is retried on the
 * next base URL with the same Idempotency-Key, so a command is never sent twice under two keys; other answers
 * are returned to the caller as they are.
 */
import { randomUUID } from 'node:crypto';
import { TokenService } from '../../../server/auth/tokens.js';

export const DEMO_PASSWORD = 'Fiscal@2026';

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly replayed: boolean;
  /** Base URL that answered. */
  readonly via: string;
}

export class ChaosApiClient {
  /** Calls retried after a network error or 502/503. */
  retries = 0;
  private readonly tokens = new Map<string, string>();
  private next = 0;

  private readonly minter: TokenService | undefined;

  /** With `jwtSecret`, tokens are minted (valid 1 h) instead of signing in with the demo password. */
  constructor(
    private readonly baseUrls: () => readonly string[],
    options: { jwtSecret?: string; retryForMs?: number } = {},
  ) {
    this.retryForMs = options.retryForMs ?? 60_000;
    this.minter = options.jwtSecret
      ? new TokenService({
          secret: options.jwtSecret,
          issuer: 'fiscal-bpm',
          audience: 'fiscal-bpm-api',
          ttlSeconds: 3600,
        })
      : undefined;
  }

  private readonly retryForMs: number;

  async login(userId: string): Promise<string> {
    const cached = this.tokens.get(userId);
    if (cached) return cached;
    if (this.minter) {
      const { token } = await this.minter.issue(userId);
      this.tokens.set(userId, token);
      return token;
    }
    const response = await this.send<{ token: string }>('POST', '/api/auth/login', undefined, {
      body: { username: userId, password: DEMO_PASSWORD },
    });
    if (response.status !== 200) throw new Error(`login of ${userId}: ${response.status}`);
    this.tokens.set(userId, response.body.token);
    return response.body.token;
  }

  /** A request as `userId`; commands get an Idempotency-Key (given, or a fresh one) kept across retries. */
  async as<T = unknown>(
    userId: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: { body?: unknown; idempotencyKey?: string; xml?: string; baseUrl?: string } = {},
  ): Promise<ApiResponse<T>> {
    const token = await this.login(userId);
    return this.send<T>(method, path, token, {
      ...options,
      idempotencyKey: method === 'GET' ? undefined : (options.idempotencyKey ?? randomUUID()),
    });
  }

  private async send<T>(
    method: string,
    path: string,
    token: string | undefined,
    options: { body?: unknown; idempotencyKey?: string; xml?: string; baseUrl?: string },
  ): Promise<ApiResponse<T>> {
    const giveUpAt = Date.now() + this.retryForMs;
    let lastError: unknown;
    for (;;) {
      const urls = options.baseUrl ? [options.baseUrl] : this.baseUrls();
      const base = urls[this.next++ % urls.length]!;
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
      let body: string | undefined;
      if (options.xml !== undefined) {
        headers['content-type'] = 'application/xml';
        body = options.xml;
      } else if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      try {
        const response = await fetch(`${base}${path}`, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        if (response.status !== 502 && response.status !== 503) {
          return {
            status: response.status,
            body: (text ? JSON.parse(text) : undefined) as T,
            replayed: response.headers.get('idempotent-replayed') === 'true',
            via: base,
          };
        }
        lastError = new Error(`${response.status} ${text.slice(0, 200)}`);
      } catch (err) {
        lastError = err;
      }
      if (Date.now() > giveUpAt)
        throw new Error(
          `${method} ${path} failed on every API for ${this.retryForMs} ms: ${String(lastError)}`,
        );
      this.retries++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
