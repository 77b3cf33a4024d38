/**
 * The HTTP side of the fiscal load driver: one client for several API base URLs, signed in as the demo users
 * (password login, bearer tokens, signing in again before a token expires or on a 401), that counts every
 * request and classifies every answer.
 *
 * Every mutating call carries an Idempotency-Key; a network error, a 5xx (503 included) or a 409
 * IDEMPOTENCY_KEY_IN_PROGRESS is retried with the same key and body on the next base URL, with backoff, until
 * `retryForMs` has passed. That is the contract the API promises clients (README, server/http/idempotency.ts):
 * a retried command runs at most once and answers its first response. Callers decide which remaining 4xx are
 * expected (e.g. a 409 on a task already completed); the rest are recorded as unexpected.
 */

export const DEMO_PASSWORD = 'Fiscal@2026';

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** The counters the client keeps (the driver turns them into FiscalLoadStats). */
export interface ApiCounters {
  requests: number;
  retries: number;
  errors5xx: number;
  readonly unexpected4xx: string[];
}

export interface ApiClientOptions {
  readonly baseUrls: readonly string[];
  /** How long one call keeps retrying network errors and 5xx before it fails. */
  readonly retryForMs?: number;
  /** Prefix of the Idempotency-Keys (unique per run, so a rerun never replays an old answer). */
  readonly keyPrefix: string;
  readonly log: (line: string) => void;
}

/** A call that still failed after its retries (network error or 5xx), or was given up when stopping. */
export class ApiUnavailable extends Error {}

/** An answer the caller did not expect: a 4xx that is not a known race (already counted in unexpected4xx). */
export class UnexpectedAnswer extends Error {
  constructor(
    message: string,
    readonly answer: ApiAnswer,
  ) {
    super(message);
  }
}

interface Session {
  readonly token: string;
  readonly expiresAt: number;
}

/** Refresh a token this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_BACKOFF_MS = 2_000;
/** The first retries are logged with their reason; after that only counted. */
const LOGGED_RETRIES = 20;

export class FiscalApiClient {
  readonly counters: ApiCounters = { requests: 0, retries: 0, errors5xx: 0, unexpected4xx: [] };
  private readonly sessions = new Map<string, Promise<Session>>();
  private nextBase = 0;
  private nextKey = 0;
  private readonly retryForMs: number;
  private aborted = false;

  constructor(private readonly options: ApiClientOptions) {
    if (options.baseUrls.length === 0) throw new Error('fiscal load: no base URL');
    this.retryForMs = options.retryForMs ?? 120_000;
  }

  /** Stop retrying: every call in its retry loop, and every later call that fails, throws ApiUnavailable. */
  abort(): void {
    this.aborted = true;
  }

  /** A fresh Idempotency-Key. */
  newKey(what: string): string {
    return `${this.options.keyPrefix}-${what}-${(this.nextKey++).toString(36)}`;
  }

  /** GET as `user`; 2xx answers the body, anything else is recorded and thrown. */
  async get(user: string, path: string): Promise<unknown> {
    const answer = await this.call(user, 'GET', path);
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw this.unexpected(user, 'GET', path, answer);
  }

  /** GET as `user`, whatever the answer (after the retries of network errors and 5xx); records nothing. */
  async read(user: string, path: string): Promise<ApiAnswer> {
    return this.call(user, 'GET', path);
  }

  /**
   * A command as `user` with an Idempotency-Key (retried with it). Answers the 2xx or any 4xx; the caller
   * classifies a 4xx with `expectedRace` or `unexpected`.
   */
  async command(user: string, path: string, body: unknown, key = this.newKey('cmd')): Promise<ApiAnswer> {
    return this.call(user, 'POST', path, body, key);
  }

  /** Records a 4xx (or other answer) as unexpected and returns the error to throw. */
  unexpected(user: string, method: string, path: string, answer: ApiAnswer): UnexpectedAnswer {
    const code = (answer.body as { code?: unknown } | null)?.code;
    const message = (answer.body as { message?: unknown } | null)?.message;
    const line = `${answer.status} ${String(code ?? '')} ${method} ${path} as ${user}: ${String(message ?? '')}`;
    if (answer.status >= 400 && answer.status < 500) this.counters.unexpected4xx.push(line);
    this.options.log(`fiscal load: unexpected answer ${line}`);
    return new UnexpectedAnswer(line, answer);
  }

  private async call(
    user: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<ApiAnswer> {
    const deadline = Date.now() + this.retryForMs;
    let relogins = 0;
    for (let attempt = 0; ; attempt++) {
      const base = this.options.baseUrls[this.nextBase++ % this.options.baseUrls.length]!;
      let why: string;
      try {
        const session = await this.session(user, base);
        const answer = await this.send(base, method, path, session.token, body, idempotencyKey);
        if (answer.status === 401 && relogins < 2) {
          // the token expired, or the process restarted with another signing key: sign in there again
          relogins++;
          this.sessions.delete(`${base} ${user}`);
          continue;
        }
        const code = (answer.body as { code?: unknown } | null)?.code;
        if (answer.status >= 500) {
          this.counters.errors5xx++;
          why = `${answer.status} ${String(code ?? '')}`;
        } else if (answer.status === 409 && code === 'IDEMPOTENCY_KEY_IN_PROGRESS') {
          why = '409 IDEMPOTENCY_KEY_IN_PROGRESS';
        } else {
          return answer;
        }
      } catch (err) {
        if (err instanceof UnexpectedAnswer) throw err;
        why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      if (Date.now() > deadline || this.aborted)
        throw new ApiUnavailable(
          `${method} ${path} as ${user}: still failing after ${attempt + 1} tries (${why})`,
        );
      this.counters.retries++;
      if (this.counters.retries <= LOGGED_RETRIES)
        this.options.log(`fiscal load: retrying ${method} ${path} as ${user} (${why})`);
      await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 5)));
    }
  }

  private async send(
    base: string,
    method: string,
    path: string,
    token: string | undefined,
    body: unknown,
    idempotencyKey: string | undefined,
  ): Promise<ApiAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    this.counters.requests++;
    const response = await fetch(`${base}/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (a proxy's error page): keep the text
    }
    return { status: response.status, body: parsed };
  }

  /**
   * The user's session at one base URL, signing in there when there is none or it is about to expire. Per base
   * URL because each API process without a shared AUTH_JWT_SECRET signs with its own random key.
   */
  private async session(user: string, base: string): Promise<Session> {
    const key = `${base} ${user}`;
    const cached = this.sessions.get(key);
    if (cached) {
      const session = await cached.catch(() => undefined);
      if (session && session.expiresAt - Date.now() > TOKEN_MARGIN_MS) return session;
      if (this.sessions.get(key) === cached) this.sessions.delete(key);
    }
    let pending = this.sessions.get(key);
    if (!pending) {
      pending = this.login(user, base);
      this.sessions.set(key, pending);
      pending.catch(() => this.sessions.delete(key));
    }
    return pending;
  }

  /** POST /auth/login; a network error or 5xx is retried by the caller's loop (the login itself throws). */
  private async login(user: string, base: string): Promise<Session> {
    const answer = await this.send(
      base,
      'POST',
      '/auth/login',
      undefined,
      { username: user, password: DEMO_PASSWORD },
      undefined,
    );
    if (answer.status >= 500) {
      this.counters.errors5xx++;
      throw new Error(`login of ${user}: ${answer.status}`);
    }
    if (answer.status !== 200) throw this.unexpected(user, 'POST', '/auth/login', answer);
    const session = answer.body as { token: string; expiresAt: string };
    return { token: session.token, expiresAt: Date.parse(session.expiresAt) };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
