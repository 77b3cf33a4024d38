/**
 * Fuzzing every /api route from the route table: random path ids (real and junk), query strings built from the
 * route's own query keys plus stray ones, and random JSON bodies, as an admin (so role checks do not hide the
 * handlers) and as a clerk. Whatever arrives, the answer is 2xx or 4xx with the documented error shape: never a
 * 5xx, never a crash, never a stack trace.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { z } from 'zod';
import { apiRoutes } from '../../../server/routes/index.js';
import type { RouteSpec } from '../../../server/http/route.js';
import { createTestServer, type TestServer, type UserAgent } from '../../helpers/server-harness.js';
import { singleTask } from '../../helpers/bpmn-builder.js';

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 25);

function queryKeys(route: RouteSpec): string[] {
  const shape = (route.query as z.ZodObject | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

const junkString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1e400',
    'NaN',
    'null',
    'true',
    '__proto__',
    'constructor',
    '%00',
    '../..',
    "' OR 1=1 --",
    '2026-13-45',
    'a'.repeat(2000),
  ),
  fc.integer().map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom(
      'variables',
      'businessKey',
      'userId',
      'userIds',
      'comment',
      'reason',
      'name',
      'message',
      'messageName',
      'query',
      'taskIds',
      'mode',
      'targetActivityId',
      'password',
      'username',
      '__proto__',
      'constructor',
    ),
    fc.jsonValue({ maxDepth: 3 }),
  ),
);

describe('server: fuzzing every route (JSON bodies, query strings, path ids)', function () {
  this.timeout(300_000);
  let t: TestServer;
  let ids: string[];
  let admin: UserAgent;
  let clerk: UserAgent;

  before(async () => {
    t = await createTestServer('sqlite');
    await t.engine.deploy(singleTask('fuzzed'));
    const instance = await t.engine.startInstance('fuzzed', { initiator: 'zhongmou.school1.clerk' });
    const [definition] = await t.engine.listDefinitions('fuzzed');
    ids = [instance.id, definition!.id, 'fuzzed', 'zhongmou.school1.clerk', '410122'];
    admin = await t.as('henan.admin');
    clerk = await t.as('zhongmou.school1.clerk');
  });
  after(async () => t?.close());

  it('should have routes to fuzz', () => {
    assert.ok(apiRoutes.length > 0);
  });

  for (const route of apiRoutes) {
    it(`${route.method.toUpperCase()} ${route.path}: only 2xx/4xx with the error shape`, async () => {
      const pathParams = [...route.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!);
      const keys = queryKeys(route);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.constantFrom(...ids), junkString), {
            minLength: pathParams.length,
            maxLength: pathParams.length,
          }),
          fc.dictionary(
            fc.oneof(fc.constantFrom(...(keys.length ? keys : ['x'])), fc.string({ maxLength: 8 })),
            junkString,
            { maxKeys: 5 },
          ),
          jsonBody,
          fc.boolean(),
          async (params, query, body, asAdmin) => {
            let path = route.path;
            pathParams.forEach((name, i) => {
              path = path.replace(`{${name}}`, encodeURIComponent(params[i] || 'x'));
            });
            const qs = new URLSearchParams(query).toString();
            const url = `/api${path}${qs ? `?${qs}` : ''}`;
            const agent = asAdmin ? admin : clerk;
            const req = agent[route.method](url);
            const res =
              route.method === 'get' || route.method === 'delete'
                ? await req
                : await req.set('Content-Type', 'application/json').send(JSON.stringify(body));
            assert.ok(
              res.status < 500,
              `${route.method.toUpperCase()} ${url} ${JSON.stringify(body)} → ${res.status} ${res.text.slice(0, 300)}`,
            );
            if (res.status >= 400) {
              assert.equal(typeof res.body.code, 'string', `error without code: ${res.text.slice(0, 200)}`);
              assert.equal(typeof res.body.message, 'string');
            }
            assert.doesNotMatch(res.text, /\n\s+at .+:\d+:\d+/, 'stack trace in response');
          },
        ),
        { numRuns: RUNS_PER_ROUTE, seed: Number(process.env.FUZZ_SEED ?? 20261127) },
      );
    });
  }
});
