/**
 * Serves the built browser app (web/dist) from koa, after the API routes:
 * - hashed files under /assets get a year-long immutable cache; index.html is never cached;
 * - any other GET that asks for HTML (a browser navigation to a client-side route such as /task/123) gets
 *   index.html (SPA fallback), except server paths: /api, /admin/queues, /healthz, /readyz, /metrics;
 * - when web/dist is missing, the first page request builds it (vite, single flight) and waits for it; `npm start`
 *   builds it beforehand (prestart), so this only matters when the server was started another way.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Koa from 'koa';
import serve from 'koa-static';
import { WEB_DIST, buildUi, isUiBuilt } from './build-ui.js';

const SERVER_PATHS = ['/api', '/admin/queues', '/healthz', '/readyz', '/metrics'];
const YEAR_MS = 365 * 24 * 3600 * 1000;

export interface ServeUiOptions {
  /** Directory of the built app (default web/dist). */
  readonly dist?: string;
  /** Build on the first page request when the directory has no index.html (default true). */
  readonly buildWhenMissing?: boolean;
}

function isServerPath(path: string): boolean {
  return SERVER_PATHS.some((p) => path === p || path.startsWith(p + '/'));
}

export function mountWebUi(app: Koa, options: ServeUiOptions = {}): void {
  const dist = options.dist ?? WEB_DIST;
  const buildWhenMissing = options.buildWhenMissing ?? true;
  const statics = serve(dist, {
    index: false,
    maxage: YEAR_MS,
    immutable: true,
    gzip: false,
    brotli: false,
    setHeaders: (res, path) => {
      if (!/[\\/]assets[\\/]/.test(path)) res.setHeader('Cache-Control', 'no-cache');
    },
  });
  app.use(async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || isServerPath(ctx.path)) return next();
    const wantsHtml = (ctx.get('Accept') ?? '').includes('text/html');
    if (!isUiBuilt(dist)) {
      if (!wantsHtml || !buildWhenMissing || dist !== WEB_DIST) return next();
      await buildUi({ log: (line) => ctx.state.log?.info(line) });
    }
    if (ctx.path !== '/' && ctx.path !== '/index.html') {
      await statics(ctx, async () => {});
      if (ctx.body !== undefined || ctx.status !== 404) return;
      // a missing hashed asset is a 404, never the HTML page
      if (ctx.path.startsWith('/assets/') || !wantsHtml) return next();
    } else if (!wantsHtml && ctx.path === '/') return next();
    ctx.status = 200;
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    // read per navigation (a small file): a rebuild while running never serves a page naming deleted assets
    ctx.body = await readFile(join(dist, 'index.html'), 'utf8');
  });
}
