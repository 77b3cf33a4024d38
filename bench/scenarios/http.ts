/**
 * Scenario 4: HTTP. The server as `npm start` runs it in production mode (koa app, MariaDB, Bull on Redis, the
 * engine's workers in the same process), on its own database next to the bench's with the demo directory seeded,
 * listening on loopback; autocannon drives it with BENCH_HTTP_CONNECTIONS (100) connections for the run's
 * window: start an approval, find its task, read the reviewer's inbox page, complete the task
 * (lib/http-approval-load.ts, the same load the test suite runs). Reported: throughput, latency p50/p99 overall and
 * per request kind, errors, timeouts and non-2xx answers, and the CPU split of the window.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { dropMysqlDatabase, obliterateBullPrefix } from '../../engine/adapters/index.js';
import { seedOrgDirectory } from '../../processes/org/seed-org-directory.js';
import { createApp } from '../../server/app.js';
import { openServerRuntime } from '../../server/compose.js';
import { loadConfig } from '../../server/config.js';
import { cpuBetween, noiseWarning, sampleCpu, standardGroups } from '../lib/cpu.js';
import {
  HTTP_LOAD_CLERK,
  HTTP_LOAD_PROCESS,
  HTTP_LOAD_REVIEWER,
  runHttpApprovalLoad,
  type RequestKind,
} from '../lib/http-approval-load.js';
import type { BenchContext, Metric, ScenarioResult } from '../lib/types.js';

const KINDS: readonly RequestKind[] = ['start', 'find', 'inbox', 'complete'];

export async function run(context: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const connections = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 100);
  const seconds = context.config.durationS;
  const databaseUrl = `${context.databaseUrl}_http`;
  const queuePrefix = `${context.queuePrefix}_http`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: context.redisUrl,
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: 'silent',
    DB_POOL_MAX: '20',
    AUTH_JWT_SECRET: `bench-${Math.random().toString(36).slice(2)}-secret-of-this-run-only`,
  });
  const server = await openServerRuntime(config);
  const http = createServer(createApp(server.services).callback());
  try {
    await seedOrgDirectory(server.services.knex, { demo: true });
    await server.services.engine.startWorkers({ serviceConcurrency: 4 });
    await server.services.engine.deploy(HTTP_LOAD_PROCESS);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const token = async (userId: string) => (await server.tokens.issue(userId, server.services.now())).token;
    const load = {
      url,
      clerkToken: await token(HTTP_LOAD_CLERK),
      reviewerToken: await token(HTTP_LOAD_REVIEWER),
    };
    const warmS = Math.min(5, context.config.warmupS);
    context.log(`${connections} connections: ${warmS} s warm-up, ${seconds} s measured`);
    await runHttpApprovalLoad({ ...load, connections, seconds: warmS });
    const groups = standardGroups([process.pid]);
    const before = sampleCpu(groups);
    const r = await runHttpApprovalLoad({ ...load, connections, seconds });
    const cpu = cpuBetween(before, sampleCpu(groups), cpus().length);
    context.log(
      `  ${r.requestsPerSecond.toFixed(0)} requests/s, ${r.instancesCompletedPerSecond} approvals/s, p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms, errors ${r.errors}`,
    );
    const core = (name: string) => cpu.cores[name]?.toFixed(2) ?? '–';
    const metrics: Metric[] = [
      {
        key: 'requestsPerS',
        label: `${connections} connections: requests/s`,
        value: r.requestsPerSecond,
        unit: '/s',
        note: `${r.requests} requests in ${seconds} s; start, find, inbox page, complete per approval`,
      },
      {
        key: 'approvalsPerS',
        label: 'approvals completed/s',
        value: r.instancesCompletedPerSecond,
        unit: '/s',
        note: `${r.completions} completions answered 2xx`,
      },
      {
        key: 'latencyP50Ms',
        label: 'latency p50 (all requests)',
        value: r.latencyP50Ms,
        unit: 'ms',
        note: `p99 ${r.latencyP99Ms} ms; with ${connections} connections on one process most of it is the wait for the process`,
      },
      {
        key: 'latencyP99Ms',
        label: 'latency p99 (all requests)',
        value: r.latencyP99Ms,
        unit: 'ms',
        print: false,
      },
      ...KINDS.map((kind): Metric => ({
        key: `${kind}P99Ms`,
        label: `${kind}: latency p99`,
        value: r.byKind[kind].p99Ms,
        unit: 'ms',
        note: `p50 ${r.byKind[kind].p50Ms} ms; ${r.byKind[kind].n} requests`,
      })),
      {
        key: 'errors',
        label: 'errors + timeouts + non-2xx answers',
        value: r.errors + r.timeouts + r.non2xx,
        digits: 0,
        note: `errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}; inbox pages out of contract ${r.inboxProblems.length}`,
      },
      {
        key: 'cpuNodeCores',
        label: 'CPU node / mariadbd / redis',
        value: cpu.cores.node ?? null,
        unit: 'cores',
        note: `node (server + autocannon) ${core('node')} · mariadbd ${core('mariadbd')} · redis ${core('redis-server')} cores; box ${((cpu.boxBusy ?? 0) * 100).toFixed(0)} % busy, other processes ${cpu.otherCores?.toFixed(2) ?? '–'} cores`,
      },
    ];
    const warning = noiseWarning('HTTP window', cpu);
    const failed = r.errors + r.timeouts + r.non2xx > 0 || r.inboxProblems.length > 0;
    return {
      name: 'http',
      title: 'HTTP on loopback (autocannon)',
      metrics,
      details: { ...r, cpu },
      warnings: [
        ...(warning ? [warning] : []),
        ...(failed
          ? [`HTTP run had errors or bad answers: ${JSON.stringify({ ...r, byKind: undefined })}`]
          : []),
      ],
      wallS: (performance.now() - started) / 1000,
    };
  } finally {
    await new Promise<void>((resolve) => (http.listening ? http.close(() => resolve()) : resolve()));
    await server.close();
    if (!context.config.keepDatabase) {
      await dropMysqlDatabase(databaseUrl).catch(() => undefined);
      await obliterateBullPrefix(context.redisUrl, queuePrefix).catch(() => undefined);
    }
  }
}
