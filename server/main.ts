/**
 * `fiscal-bpm start`: config → database (migrated) → queue → engine → app. Seeds the org directory with the
 * demo users (idempotent), deploys the bundled processes, runs the engine workers and the HTTP API in one process,
 * and on SIGINT/SIGTERM stops accepting connections, finishes the requests and jobs in flight, then exits.
 */
import { createServer, type Server } from 'node:http';
import type { Config } from './config.js';
import { openServerRuntime, type ServerRuntime } from './compose.js';
import { createApp } from './app.js';
import { seedOrgDirectory } from '../processes/org/seed-org-directory.js';
import { deployBundledProcesses } from './cli/bundled-processes.js';
import { seedAccounts } from './cli/seed.js';
import { seedFiscalData } from '../processes/seed-fiscal-data.js';
import { seedDemoInstances } from '../processes/demo-instances.js';
import { waitForSignal } from './cli/signals.js';

export async function runServer(config: Config, out: (line: string) => void): Promise<number> {
  const server = await openServerRuntime(config);
  const { runtime } = server;
  const seeded = await seedOrgDirectory(runtime.infrastructure.knex, { demo: true });
  if (seeded.orgs > 0) out(`Org directory: ${seeded.orgs} orgs, ${seeded.users} users added`);
  // demo password for demo users without one (DEMO_LOGINS), then the ADMIN_USER_ID administrator
  await seedAccounts(config, runtime.infrastructure.knex, out, { demo: true });
  // reference data, and the demo units' indicators, control numbers and non-tax catalogue
  await seedFiscalData(runtime.infrastructure.knex, { demo: true });
  await deployBundledProcesses(runtime, out);
  const stopped = waitForSignal();
  await runtime.engine.startWorkers({
    serviceConcurrency: config.SERVICE_CONCURRENCY,
    sweepOnStart: runtime.infrastructure.volatileQueue,
  });
  // a few DEMO-… instances in varied states (once; needs the workers running), unless demo logins are off
  if (config.DEMO_LOGINS) await seedDemoInstances(runtime.engine, runtime.infrastructure.knex, { out });
  const http = await listen(server, config);
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  runtime.logger.info({ port, host: config.HOST }, 'fiscal-bpm listening');
  out(`fiscal-bpm is serving http://${config.HOST}:${port}/ (API docs: /api/docs)`);
  await stopped;
  runtime.logger.info('stopping: finishing requests and jobs in flight');
  await new Promise<void>((resolve) => {
    http.close(() => resolve());
    http.closeIdleConnections();
  });
  await server.close();
  return 0;
}

async function listen(server: ServerRuntime, config: Config): Promise<Server> {
  const app = createApp(server.services);
  const http = createServer(app.callback());
  // slow-client limits (ASVS / Node hardening): whole request in 60 s, headers in 20 s
  http.requestTimeout = 60_000;
  http.headersTimeout = 20_000;
  http.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.PORT, config.HOST, () => resolve());
  });
  return http;
}
