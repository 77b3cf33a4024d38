/**
 * Configuration from environment variables, parsed once with zod. Nothing else reads process.env.
 * Without DATABASE_URL and REDIS_URL the embedded default runs: SQLite in ./data and an in-process queue.
 */
import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .min(1)
    .refine((v) => /^(mysql2?|mariadb):\/\//.test(v) || /^sqlite:/.test(v) || !v.includes('://'), {
      message: 'use mysql://user:password@host:3306/database, sqlite:<path>, or a file path',
    })
    .default('sqlite:data/fiscal-bpm.sqlite'),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, 'use redis://host:6379/0')
    .optional(),
  QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .default('fiscal-bpm'),
  SERVICE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  BPMN_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(2 * 1024 * 1024),
  /** Largest task attachment in bytes (stored in the database: keep it below MySQL's max_allowed_packet). */
  ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  BULL_LOCK_DURATION_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  BULL_STALLED_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  RELAY_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  RECONCILE_HORIZON_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /** Idempotency-Key: a pending key whose request's process stopped refreshing it this long ago is taken over. */
  IDEMPOTENCY_PENDING_TIMEOUT_MS: z.coerce.number().int().min(200).max(3_600_000).default(10_000),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  /** Behind a reverse proxy: trust X-Forwarded-For for the client address (rate limits, audit). */
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  JSON_BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/, 'e.g. 1mb or 512kb')
    .default('1mb'),
  /** HS256 secret for access tokens (≥ 32 characters). Absent: a random one per process start (sessions end on restart). */
  AUTH_JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  AUTH_ISSUER: z.string().trim().min(1).default('fiscal-bpm'),
  AUTH_AUDIENCE: z.string().trim().min(1).default('fiscal-bpm-api'),
  /** Access token and session cookie lifetime in seconds (default 15 minutes; ASVS: short-lived). */
  AUTH_TOKEN_TTL_S: z.coerce.number().int().min(60).max(86_400).default(900),
  /** Mark cookies Secure (and use the __Host- prefix): set true whenever the app is served over HTTPS. */
  COOKIE_SECURE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Failed logins allowed per account (username) per window before 429 (docs/auth.md). */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(5),
  /** Failed logins allowed per client address per window; higher than per account because offices share a NAT address. */
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(20),
  LOGIN_FAILURE_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Give the seeded demo users the documented demo password (docs/auth.md). Set false in production. */
  DEMO_LOGINS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** With ADMIN_PASSWORD: the administrator created at start if absent (password set if it has none). */
  ADMIN_USER_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'letters, digits, . _ @ - (at most 64)')
    .optional(),
  ADMIN_PASSWORD: z.string().min(10, 'at least 10 characters').max(128, 'at most 128 bytes').optional(),
  /** The org the bootstrap administrator belongs to and holds `admin` at (default: the province bureau). */
  ADMIN_ORG_CODE: z.string().trim().min(1).default('410000-CZ'),
  /** Live inbox events (GET /api/events): a comment line this often keeps proxies from closing idle streams. */
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(50).max(300_000).default(15_000),
  /** The `retry:` hint: how long a browser waits before reconnecting a dropped event stream. */
  SSE_RETRY_MS: z.coerce.number().int().min(100).max(600_000).default(3_000),
  /** Open event streams allowed per user per API process (tabs); one more gets 429. */
  SSE_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(100).default(5),
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; unset, /metrics is open. */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** Hash of the audit chain: SHA-256, or SM3 (GB/T 32905) where national cryptography is required. */
  AUDIT_HASH: z.enum(['sha256', 'sm3']).default('sha256'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema>;

/** Parses the environment; on error throws one message listing every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = schema.safeParse(relevant);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Configuration is not valid:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export class ConfigError extends Error {}
