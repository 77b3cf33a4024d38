/** Operations endpoints outside /api: health, readiness, metrics, the queue dashboard (to be written). */
import type Router from '@koa/router';
import type { AppServices } from '../services.js';

export function mountOps(router: Router, services: AppServices): void {
  void services;
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
}
