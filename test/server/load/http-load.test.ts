/**
 * A bounded load run over loopback HTTP in production mode (MariaDB + Bull/Redis): 100 connections for
 * LOAD_SECONDS (default 60) each start an approval as a budget-unit clerk, find its task, and complete it as the
 * county reviewer. Asserted: no errors, no non-2xx answers, and every started instance that got its
 * completion is completed in the database. Throughput and latency are printed for the record, not asserted.
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

describe('server: HTTP load run (start + complete, production mode)', function () {
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
          onResponse: (status, body, context) => {
            if (status === 200) (context as Ctx).instanceId = JSON.parse(body).id;
          },
        },
        {
          method: 'GET',
          setupRequest: (req, context) => ({
            ...req,
            path: `/api/task?processInstanceId=${String((context as Ctx).instanceId)}`,
            headers: { authorization: reviewer },
          }),
          onResponse: (status, body, context) => {
            if (status === 200) (context as Ctx).taskId = (JSON.parse(body) as { id: string }[])[0]?.id;
          },
        },
        {
          method: 'POST',
          setupRequest: (req, context) => ({
            ...req,
            path: `/api/task/${String((context as Ctx).taskId)}/complete`,
            headers: { authorization: reviewer, 'content-type': 'application/json' },
            body: JSON.stringify({ variables: { approved: true } }),
          }),
          onResponse: (status) => {
            if (status === 200 || status === 204) completions++;
          },
        },
      ],
    });
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
    };
    console.log(`      load: ${JSON.stringify(line)}`);
    assert.equal(result.errors, 0, 'connection errors');
    assert.equal(result.timeouts, 0, 'timeouts');
    assert.equal(result.non2xx, 0, 'non-2xx responses');
    assert.ok(completions > 0);
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
