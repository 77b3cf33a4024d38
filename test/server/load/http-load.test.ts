/**
 * A bounded load run over loopback HTTP in production mode (MariaDB + Bull/Redis), issue 8's scenario 4 as the
 * bench runs it (bench/lib/http-approval-load.ts): 100 connections for LOAD_SECONDS (default 60) each start an
 * approval as a budget-unit clerk, find its task, read the reviewer's inbox (first page of 20 by due date) and
 * complete the task as the reviewer. Asserted: no errors, no non-2xx answers, every inbox page holds at most 20
 * tasks, all open, and every started instance that got its completion is completed in the database, consistently.
 * Throughput and latency (overall and per request kind) are printed for the record, not asserted.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkInvariants } from '../../../server/check/index.js';
import {
  HTTP_LOAD_CLERK,
  HTTP_LOAD_PROCESS,
  HTTP_LOAD_REVIEWER,
  runHttpApprovalLoad,
} from '../../../bench/lib/http-approval-load.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 100);

describe('server: HTTP load run (start, find, inbox, complete; production mode)', function () {
  this.timeout((SECONDS + 120) * 1000);
  let t: TestServer;
  let http: Server;

  before(async () => {
    t = await createTestServer('mysql', { env: { DB_POOL_MAX: '20' } });
    await t.engine.deploy(HTTP_LOAD_PROCESS);
    http = createServer(t.app.callback());
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await t?.close();
  });

  it(`should serve ${CONNECTIONS} connections for ${SECONDS} s with 0 errors`, async () => {
    const port = (http.address() as AddressInfo).port;
    const result = await runHttpApprovalLoad({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      seconds: SECONDS,
      clerkToken: await t.tokenFor(HTTP_LOAD_CLERK),
      reviewerToken: await t.tokenFor(HTTP_LOAD_REVIEWER),
    });
    const { inboxProblems, ...line } = result;
    console.log(`      load: ${JSON.stringify(line)}`);
    assert.equal(result.errors, 0, 'connection errors');
    assert.equal(result.timeouts, 0, 'timeouts');
    assert.equal(result.non2xx, 0, 'non-2xx responses');
    assert.ok(result.completions > 0);
    assert.ok(result.byKind.inbox.n > 0, 'the inbox was read');
    assert.deepEqual(inboxProblems, [], 'inbox pages');
    const completed = await t.services
      .knex('process_instances')
      .where({ status: 'completed' })
      .count({ n: '*' })
      .first();
    assert.ok(
      Number(completed?.n) >= result.completions,
      `${String(completed?.n)} completed in the database, ${result.completions} completions answered`,
    );
    // and the system it leaves behind is consistent: tokens, history, audit chains, outbox
    const results = await checkInvariants(t.services.knex, { horizonMs: 60_000 });
    assert.deepEqual(
      results
        .filter((r) => !r.ok)
        .map((r) => ({ invariant: r.invariant, violations: r.violations.slice(0, 5) })),
      [],
    );
  });
});
