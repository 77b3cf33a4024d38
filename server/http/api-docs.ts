/**
 * Swagger UI at /api/docs, served from the swagger-ui-dist package (no CDN), pointed at /api/openapi.json.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Koa from 'koa';
import { getAbsoluteFSPath } from 'swagger-ui-dist';

const ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
]);

const TYPES: Record<string, string> = { css: 'text/css', js: 'application/javascript', png: 'image/png' };

const INDEX = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>fiscal-bpm API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

export function mountApiDocs(app: Koa): void {
  const dir = getAbsoluteFSPath();
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || !ctx.path.startsWith('/api/docs')) return next();
    const name = ctx.path.slice('/api/docs'.length).replace(/^\//, '');
    if (name === '' || name === 'index.html') {
      ctx.type = 'text/html';
      ctx.body = INDEX;
    } else if (name === 'init.js') {
      ctx.type = 'application/javascript';
      ctx.body = INIT;
    } else if (ASSETS.has(name)) {
      ctx.type = TYPES[name.split('.').pop()!] ?? 'application/octet-stream';
      ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.body = await readFile(join(dir, name));
    } else return next();
  });
}
