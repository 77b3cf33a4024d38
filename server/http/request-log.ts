/**
 * Request id and access log: takes `X-Request-Id` when it is a sane token, else makes one, echoes it, and logs one
 * JSON line per request with the user and timing. Passwords and tokens never reach the log (redaction in main.ts
 * covers headers; bodies are not logged).
 */
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type pino from 'pino';

export function requestLog(logger: pino.Logger): Koa.Middleware {
  return async (ctx, next) => {
    const given = ctx.get('X-Request-Id');
    const requestId = /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    const log = logger.child({ requestId });
    ctx.state.log = log;
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const userId = (ctx.state.principal as { userId?: string } | undefined)?.userId;
      log.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, userId },
        'request',
      );
    }
  };
}
