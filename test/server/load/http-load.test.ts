/**
 * A bounded load run over loopback HTTP in production mode (MariaDB + Bull/Redis): 100 connections for
 * LOAD_SECONDS (default 60) each start an approval as a budget-unit clerk, find its task, read the reviewer's
 * inbox (first page of 20 by due date, the visible set of the caller), and complete the task as the reviewer.
 * Asserted: no errors, no non-2xx answers, every inbox page holds at most 20 tasks, all open, and every
 * started instance that got its completion is completed in the database. Throughput and latency (overall, and
 * per request kind from the request's build to its response) are printed for the record, not asserted.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { checkInvariants } from '../../../server/check/index.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';

interface Ctx {
  instanceId?: string;
  taskId?: string;
  /** When the connection's current request was built (performance.now()). */
  sentAt?: number;
}

type Kind = 'start' | 'find' | 'inbox' | 'complete';

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 100);

const PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="load_approval" isExecutable="true">
<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
<bpmn:userTask id="review" name="国库审核" fiscal:assignee="zhongmou.treasury.reviewer" />
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" />
</bpmn:process></bpmn:definitions>`;

describe('server: HTTP load run (start, find, inbox, complete; production mode)', function () {
  this.timeout((SECONDS + 120) * 1000);
  let t: TestServer;
  let http: Server;

  before(async () => {
    t = await createTestServer('mysql', { env: { DB_POOL_MAX: '20' } });
    await t.engine.deploy(PROCESS);
    http = createServer(t.app.callback());
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await t?.close();
  });

  it(`should serve ${CONNECTIONS} connections for ${SECONDS} s with 0 errors`, async () => {
    const port = (http.address() as AddressInfo).port;
    const clerk = `Bearer ${await t.tokenFor('zhongmou.school1.clerk')}`;
    const reviewer = `Bearer ${await t.tokenFor('zhongmou.treasury.reviewer')}`;
    let completions = 0;
    const latencies: Record<Kind, number[]> = { start: [], find: [], inbox: [], complete: [] };
    const inboxProblems: string[] = [];
    /** Marks the request's build time; autocannon sends it at once (one request in flight per connection). */
    const sent = (context: Ctx) => {
      context.sentAt = performance.now();
    };
    const took = (kind: Kind, context: Ctx) => {
      if (context.sentAt !== undefined) latencies[kind].push(performance.now() - context.sentAt);
    };
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/api/process-definition/key/load_approval/start',
          headers: { authorization: clerk, 'content-type': 'application/json' },
          body: JSON.stringify({ variables: { amountFen: 1_250_000 } }),
          setupRequest: (req, context) => {
            sent(context as Ctx);
            return req;
          },
          onResponse: (status, body, context) => {
            took('start', context as Ctx);
            if (status === 200) (context as Ctx).instanceId = JSON.parse(body).id;
          },
        },
        {
          method: 'GET',
          setupRequest: (req, context) => {
            sent(context as Ctx);
            return {
              ...req,
              path: `/api/task?processInstanceId=${String((context as Ctx).instanceId)}`,
              headers: { authorization: reviewer },
            };
          },
          onResponse: (status, body, context) => {
            took('find', context as Ctx);
            if (status === 200) (context as Ctx).taskId = (JSON.parse(body) as { id: string }[])[0]?.id;
          },
        },
        {
          method: 'GET',
          path: '/api/task?sortBy=dueDate&sortOrder=asc&firstResult=0&maxResults=20',
          headers: { authorization: reviewer },
          setupRequest: (req, context) => {
            sent(context as Ctx);
            return req;
          },
          onResponse: (status, body, context) => {
            took('inbox', context as Ctx);
            if (status !== 200 || inboxProblems.length > 5) return;
            const page = JSON.parse(body) as { state: string }[];
            if (page.length > 20) inboxProblems.push(`a page of ${page.length} tasks`);
            if (page.some((t) => t.state !== 'created'))
              inboxProblems.push(
                `a task not open: ${JSON.stringify(page.find((t) => t.state !== 'created'))}`,
              );
          },
        },
        {
          method: 'POST',
          setupRequest: (req, context) => {
            sent(context as Ctx);
            return {
              ...req,
              path: `/api/task/${String((context as Ctx).taskId)}/complete`,
              headers: { authorization: reviewer, 'content-type': 'application/json' },
              body: JSON.stringify({ variables: { approved: true } }),
            };
          },
          onResponse: (status, _body, context) => {
            took('complete', context as Ctx);
            if (status === 200 || status === 204) completions++;
          },
        },
      ],
    });
    const byKind = Object.fromEntries(
      Object.entries(latencies).map(([kind, list]) => {
        const sorted = [...list].sort((a, b) => a - b);
        return [
          kind,
          {
            n: sorted.length,
            p50Ms: +percentile(sorted, 50).toFixed(1),
            p99Ms: +percentile(sorted, 99).toFixed(1),
          },
        ];
      }),
    );
    const line = {
      seconds: SECONDS,
      connections: CONNECTIONS,
      requests: result.requests.total,
      requestsPerSecond: result.requests.average,
      instancesCompletedPerSecond: Math.round((completions / SECONDS) * 10) / 10,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      byKind,
    };
    console.log(`      load: ${JSON.stringify(line)}`);
    assert.equal(result.errors, 0, 'connection errors');
    assert.equal(result.timeouts, 0, 'timeouts');
    assert.equal(result.non2xx, 0, 'non-2xx responses');
    assert.ok(completions > 0);
    assert.ok(latencies.inbox.length > 0, 'the inbox was read');
    assert.deepEqual(inboxProblems, [], 'inbox pages');
    const completed = await t.services
      .knex('process_instances')
      .where({ status: 'completed' })
      .count({ n: '*' })
      .first();
    assert.ok(
      Number(completed?.n) >= completions,
      `${String(completed?.n)} completed in the database, ${completions} completions answered`,
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
