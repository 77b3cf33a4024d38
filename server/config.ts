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
  BULL_LOCK_DURATION_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  BULL_STALLED_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  RELAY_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  RECONCILE_HORIZON_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
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
