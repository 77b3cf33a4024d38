/**
 * Operations endpoints outside /api (docs/operations.md):
 *
 * - GET /healthz: the process is up and the event loop turns (no I/O) — for liveness probes;
 * - GET /readyz: database, migrations, Redis and queue can serve — 200 `ready`, else 503 — for readiness probes
 *   and load balancers;
 * - GET /metrics: Prometheus text; with METRICS_TOKEN set it needs `Authorization: Bearer <token>`;
 * - /admin/queues: the Bull dashboard for administrators (only when the queue is Bull).
 *
 * The HTTP request histogram's middleware is registered by app.ts (`requestMetrics`), ahead of every route.
 */
import { timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import { ApiError } from '../http/api-error.js';
import type { AppServices } from '../services.js';
import { opsMetricsOf } from './metrics.js';
import { mountQueueDashboard } from './queue-dashboard.js';
import { checkReadiness } from './readiness.js';

export { requestMetrics } from './metrics.js';

export function mountOps(router: Router, services: AppServices): void {
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const readiness = await checkReadiness(services);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = readiness.status === 'ready' ? 200 : 503;
    ctx.body = readiness;
  });

  const metrics = opsMetricsOf(services);
  const token = services.config.METRICS_TOKEN;
  router.get('/metrics', async (ctx) => {
    if (token !== undefined && !bearerMatches(ctx.get('Authorization'), token)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new ApiError(
        401,
        'UNAUTHENTICATED',
        '查看监控指标需要令牌',
        'A bearer token (METRICS_TOKEN) is required for /metrics',
      );
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.contentType;
    ctx.body = await metrics.render();
  });

  mountQueueDashboard(router, services);
}

function bearerMatches(header: string, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header);
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
