/**
 * The Bull queue dashboard (bull-board) at /admin/queues, for system administrators, mounted only when the
 * engine runs on Bull. Every request must come from a principal holding `admin` (the browser's session cookie
 * or a bearer token): 401 without credentials, 403 without the role.
 *
 * The dashboard's own buttons (retry, clean, pause) send unsafe requests without our CSRF token, so for cookie
 * sessions those must prove they are same-origin by Fetch Metadata (`Sec-Fetch-Site: same-origin`) or Origin.
 */
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type Router from '@koa/router';
import type Koa from 'koa';
import { isAdmin } from '../auth/principal.js';
import { errors } from '../http/api-error.js';
import type { AppServices } from '../services.js';
import { queueInspectorOf } from './queue-inspector.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function mountQueueDashboard(router: Router, services: AppServices): void {
  const inspector = queueInspectorOf(services);
  if (!inspector) return;
  const serverAdapter = new KoaAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: inspector.queues.map((queue) => new BullAdapter(queue)),
    // @bull-board/koa pins its own patch release of @bull-board/api: same shape, separately declared types
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'fiscal-bpm 队列' } },
  });
  const dashboard = serverAdapter.registerPlugin() as Koa.Middleware;
  const guard: Koa.Middleware = async (ctx, next) => {
    const principal = await services.auth.authenticate(ctx);
    if (!principal) throw errors.unauthenticated();
    ctx.state.principal = principal;
    if (!isAdmin(principal))
      throw errors.forbidden('仅系统管理员可以查看队列', 'Only administrators may open the queue dashboard', {
        role: 'admin',
      });
    if (principal.via === 'cookie' && !SAFE_METHODS.has(ctx.method)) {
      const site = ctx.get('Sec-Fetch-Site');
      const origin = ctx.get('Origin');
      const sameOrigin = site ? site === 'same-origin' : origin === ctx.origin;
      if (!sameOrigin)
        throw errors.forbidden('请求来源不被允许', 'Cross-site request refused', {
          header: 'Sec-Fetch-Site',
        });
    }
    await next();
  };
  router.all(QUEUE_DASHBOARD_PATH, guard, dashboard);
  router.all(`${QUEUE_DASHBOARD_PATH}/{*rest}`, guard, dashboard);
}
