/**
 * Serving the built UI from koa (server/web/serve-ui.ts): SPA fallback for browser navigations, a year-long cache
 * for hashed assets and none for index.html, and no interference with /api, /admin/queues or non-HTML requests.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestServer, type TestServer } from '../helpers/server-harness.js';
import { buildUiOnce } from './browser-harness.js';
import { WEB_DIST } from '../../server/web/build-ui.js';

describe('serving the web UI', function () {
  this.timeout(60_000);
  let t: TestServer;
  before(async () => {
    await buildUiOnce();
    t = await createTestServer('sqlite', { workers: false, demo: false });
  });
  after(async () => t?.close());

  it('answers a navigation to a client-side route with index.html, uncached', async () => {
    const res = await t.http.get('/task/abc').set('Accept', 'text/html,application/xhtml+xml');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type']!, /text\/html/);
    assert.match(res.text, /<div id="app">/);
    assert.equal(res.headers['cache-control'], 'no-cache');
  });

  it('serves hashed assets with a long immutable cache, and a missing asset as 404 (never the page)', async () => {
    const asset = readdirSync(join(WEB_DIST, 'assets')).find((f) => f.endsWith('.js'))!;
    const res = await t.http.get(`/assets/${asset}`);
    assert.equal(res.status, 200);
    assert.match(res.headers['cache-control']!, /max-age=31536000.*immutable/);
    const missing = await t.http.get('/assets/nope-123.js').set('Accept', 'text/html');
    assert.equal(missing.status, 404);
  });

  it('leaves /api and the other server paths alone, and non-HTML requests get no page', async () => {
    const api = await t.http.get('/api/nope').set('Accept', 'text/html');
    assert.equal(api.status, 404);
    assert.equal(api.body.code, 'NOT_FOUND');
    assert.equal((await t.http.get('/admin/queues').set('Accept', 'text/html')).status, 404);
    assert.equal((await t.http.get('/some/page')).status, 404);
    assert.equal((await t.http.post('/inbox').set('Accept', 'text/html')).status, 404);
  });
});
