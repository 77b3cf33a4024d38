/**
 * The koa application, built without listening: tests drive `app.callback()`, main.ts listens.
 * Order: request id and log → error shape → security headers → body → ops endpoints → /api routes → docs.
 */
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import helmet from 'koa-helmet';
import { ApiError, toApiError } from './http/api-error.js';
import { mountRoutes } from './http/mount.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { mountApiDocs } from './http/api-docs.js';
import { mountWebUi } from './web/serve-ui.js';
import { requestLog } from './http/request-log.js';
import type { RouteSpec } from './http/route.js';
import { apiRoutes } from './routes/index.js';
import { mountOps, requestMetrics } from './ops/index.js';
import { mountEvents } from './events/sse.js';
import type { AppServices } from './services.js';

export const API_VERSION = '0.1.0';

export function createApp(services: AppServices, routes: readonly RouteSpec[] = apiRoutes): Koa {
  const app = new Koa({ proxy: services.config.TRUST_PROXY });
  app.use(requestLog(services.logger));
  app.use(requestMetrics(services));
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api'))
        throw new ApiError(
          404,
          'NOT_FOUND',
          `接口不存在：${ctx.method} ${ctx.path}`,
          `No route ${ctx.method} ${ctx.path}`,
        );
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.status >= 500) ctx.state.log?.error({ err }, 'request failed');
      else ctx.state.log?.info({ code: apiError.code, status: apiError.status }, 'request refused');
      ctx.status = apiError.status;
      ctx.body = apiError.body(ctx.acceptsLanguages('zh', 'en') === 'en' ? 'en' : 'zh');
      if (apiError.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="fiscal-bpm"');
    }
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // bpmn-js and Element Plus set inline styles; scripts stay same-origin only
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'connect-src': ["'self'"],
        },
      },
    }),
  );
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: services.config.JSON_BODY_LIMIT,
      encoding: 'utf-8',
      // the raw text is kept for routes that read XML themselves
      onError: (err) => {
        // over JSON_BODY_LIMIT: 413 PAYLOAD_TOO_LARGE (toApiError), not "invalid JSON"
        if ((err as { status?: unknown }).status === 413) throw err;
        throw new ApiError(
          400,
          'INVALID_JSON',
          `请求体不是合法的 JSON：${err.message}`,
          `Body is not valid JSON: ${err.message}`,
        );
      },
    }),
  );

  const root = new Router();
  mountOps(root, services);
  app.use(root.routes()).use(root.allowedMethods());

  const api = new Router({ prefix: '/api' });
  const openApi = buildOpenApiDocument(routes, API_VERSION);
  api.get('/openapi.json', (ctx) => {
    ctx.body = openApi;
  });
  mountEvents(api, services);
  mountRoutes(api, routes, services);
  app.use(api.routes()).use(api.allowedMethods({ throw: false }));
  mountApiDocs(app);
  mountWebUi(app);
  return app;
}
