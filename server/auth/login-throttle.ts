/**
 * Login rate limiting: failed sign-ins are counted per account (the submitted username, whether it exists or
 * not, so the limit reveals nothing) and per client address (`ctx.ip`, which honours X-Forwarded-For only with
 * TRUST_PROXY), each in a fixed window. Over the limit, login answers 429 TOO_MANY_ATTEMPTS with Retry-After
 * before any password is checked. A successful login clears the account's counter, not the address's.
 *
 * Why not koa-ratelimit: it counts every request before the handler runs and keys one limiter per middleware;
 * a login limit must count only failures, under two keys, and forget the account's failures on success. The
 * store needed for that is small: a Map here, or INCR + PEXPIRE in one Lua call on Redis (shared by every API
 * process) when REDIS_URL is set.
 *
 * Redis down: the throttle falls back to this process's in-memory counters (logged once per outage) rather
 * than failing open (unlimited guessing) or closed (nobody can sign in while Redis restarts). The limits then
 * hold per process instead of cluster-wide; argon2's cost bounds the guessing rate in the meantime.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type pino from 'pino';

export interface ThrottleLimits {
  readonly perAccount: number;
  readonly perAddress: number;
  readonly windowMs: number;
}

/** A counter store: adds one failure, or reads the count, with the time left in the window. */
interface CounterStore {
  hit(key: string, windowMs: number, now: number): Promise<{ count: number; resetInMs: number }>;
  peek(key: string, now: number): Promise<{ count: number; resetInMs: number }>;
  clear(key: string): Promise<void>;
  close(): Promise<void>;
}

/** In-process fixed-window counters, pruned as they expire and capped in size. */
export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly maxKeys = 100_000) {}

  async hit(key: string, windowMs: number, now: number) {
    this.prune(now);
    const current = this.counters.get(key);
    const entry = current && current.resetAt > now ? current : { count: 0, resetAt: now + windowMs };
    entry.count += 1;
    this.counters.set(key, entry);
    if (this.counters.size > this.maxKeys) this.counters.delete(this.counters.keys().next().value!);
    return { count: entry.count, resetInMs: entry.resetAt - now };
  }

  async peek(key: string, now: number) {
    const entry = this.counters.get(key);
    if (!entry || entry.resetAt <= now) return { count: 0, resetInMs: 0 };
    return { count: entry.count, resetInMs: entry.resetAt - now };
  }

  async clear(key: string) {
    this.counters.delete(key);
  }

  async close() {
    this.counters.clear();
  }

  private lastPrune = 0;

  private prune(now: number) {
    if (now - this.lastPrune < 10_000) return;
    this.lastPrune = now;
    for (const [key, entry] of this.counters) if (entry.resetAt <= now) this.counters.delete(key);
  }
}

const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/** Redis counters shared by every API process; any Redis error falls back to the memory store. */
export class RedisCounterStore implements CounterStore {
  private readonly fallback = new MemoryCounterStore();
  private degraded = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger?: pino.Logger,
  ) {}

  async hit(key: string, windowMs: number, now: number) {
    try {
      const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, this.prefix + key, windowMs)) as [
        number,
        number,
      ];
      this.recovered();
      return { count: Number(count), resetInMs: Number(ttl) };
    } catch (err) {
      this.degrade(err);
      return this.fallback.hit(key, windowMs, now);
    }
  }

  async peek(key: string, now: number) {
    try {
      const [count, ttl] = await Promise.all([
        this.redis.get(this.prefix + key),
        this.redis.pttl(this.prefix + key),
      ]);
      this.recovered();
      const local = await this.fallback.peek(key, now);
      const shared = { count: Number(count ?? 0), resetInMs: Math.max(0, Number(ttl)) };
      // failures counted locally during an outage still count until their window ends
      return local.count > shared.count ? local : shared;
    } catch (err) {
      this.degrade(err);
      return this.fallback.peek(key, now);
    }
  }

  async clear(key: string) {
    await this.fallback.clear(key);
    try {
      await this.redis.del(this.prefix + key);
    } catch (err) {
      this.degrade(err);
    }
  }

  async close() {
    this.redis.disconnect();
  }

  private degrade(err: unknown) {
    if (this.degraded) return;
    this.degraded = true;
    this.logger?.warn({ err }, 'login throttle: Redis unavailable, counting failures in this process');
  }

  private recovered() {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger?.info('login throttle: Redis available again');
  }
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterS: number };

export class LoginThrottle {
  constructor(
    private readonly store: CounterStore,
    readonly limits: ThrottleLimits,
  ) {}

  /** Refused if either the account or the address has used up its failures in the current window. */
  async check(username: string, address: string, now: number): Promise<ThrottleVerdict> {
    const [account, client] = await Promise.all([
      this.store.peek(accountKey(username), now),
      this.store.peek(addressKey(address), now),
    ]);
    const waits: number[] = [];
    if (account.count >= this.limits.perAccount) waits.push(account.resetInMs);
    if (client.count >= this.limits.perAddress) waits.push(client.resetInMs);
    if (waits.length === 0) return { allowed: true };
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) };
  }

  /** Refused if the account has used up its failures (for password checks outside login). */
  async checkAccount(username: string, now: number): Promise<ThrottleVerdict> {
    const account = await this.store.peek(accountKey(username), now);
    if (account.count < this.limits.perAccount) return { allowed: true };
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil(account.resetInMs / 1000)) };
  }

  async recordFailure(username: string, address: string, now: number): Promise<void> {
    await Promise.all([
      this.store.hit(accountKey(username), this.limits.windowMs, now),
      this.store.hit(addressKey(address), this.limits.windowMs, now),
    ]);
  }

  /** Counts a wrong password given for an account outside login (e.g. the old password on change). */
  async recordAccountFailure(username: string, now: number): Promise<void> {
    await this.store.hit(accountKey(username), this.limits.windowMs, now);
  }

  async recordSuccess(username: string): Promise<void> {
    await this.store.clear(accountKey(username));
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

/** Usernames are hashed so Redis keys carry no personal data and have a bounded length. */
function accountKey(username: string): string {
  return `acct:${createHash('sha256').update(username.trim().toLowerCase()).digest('base64url')}`;
}

function addressKey(address: string): string {
  return `addr:${address}`;
}

/** The throttle for this deployment: Redis-backed when REDIS_URL is set, in-process otherwise. */
export function createLoginThrottle(options: {
  limits: ThrottleLimits;
  redisUrl?: string;
  keyPrefix: string;
  logger?: pino.Logger;
}): LoginThrottle {
  if (!options.redisUrl) return new LoginThrottle(new MemoryCounterStore(), options.limits);
  const redis = new Redis(options.redisUrl, {
    // a login must not wait for a reconnect: fail fast and use the local counters
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    lazyConnect: false,
  });
  redis.on('error', () => undefined); // reported through degrade(); ioredis keeps reconnecting
  return new LoginThrottle(
    new RedisCounterStore(redis, `${options.keyPrefix}:login:`, options.logger),
    options.limits,
  );
}
