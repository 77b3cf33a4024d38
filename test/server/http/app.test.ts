import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';

describe('server/app (embedded)', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite');
  });
  after(async () => t?.close());

  it('should answer an unknown /api route with the error shape, in Chinese by default and English on request', async () => {
    const zh = await t.http.get('/api/nope');
    assert.equal(zh.status, 404);
    assert.equal(zh.body.code, 'NOT_FOUND');
    assert.equal(zh.body.type, 'NotFoundException');
    assert.match(zh.body.message, /接口不存在/);
    const en = await t.http.get('/api/nope').set('Accept-Language', 'en');
    assert.match(en.body.message, /No route GET \/api\/nope/);
  });

  it('should echo a sane X-Request-Id and make one otherwise', async () => {
    const given = await t.http.get('/healthz').set('X-Request-Id', 'req-12345678');
    assert.equal(given.headers['x-request-id'], 'req-12345678');
    const made = await t.http.get('/healthz').set('X-Request-Id', 'bad id!');
    assert.match(String(made.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('should serve the OpenAPI 3.1 document and Swagger UI from local files', async () => {
    const spec = await t.http.get('/api/openapi.json');
    assert.equal(spec.status, 200);
    assert.equal(spec.body.openapi, '3.1.0');
    const docs = await t.http.get('/api/docs');
    assert.equal(docs.status, 200);
    assert.match(docs.text, /swagger-ui-bundle\.js/);
    assert.doesNotMatch(docs.text, /https?:\/\//);
    const bundle = await t.http.get('/api/docs/swagger-ui-bundle.js');
    assert.equal(bundle.status, 200);
  });

  it('should set security headers', async () => {
    const res = await t.http.get('/healthz');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
  });
});
