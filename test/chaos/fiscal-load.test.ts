/**
 * The fiscal load driver (fiscal-load.ts) against a real, listening server on MariaDB + Bull with the workers
 * running and what `fiscal-bpm start` seeds (the demo directory and logins, the fiscal reference and demo data,
 * the bundled processes): it drives a few instances of each of the three fiscal processes to their end through
 * the HTTP API only. Proves the scripts match the processes as deployed (forms, routing, maker–checker, the bank
 * messages), that nothing answers 5xx or an unexpected 4xx, and that the system left behind passes the invariant
 * checker I1–I6 (tokens, history, effect keys, indicator balances, audit chains, outbox).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestServer, type TestServer } from '../helpers/server-harness.js';
import { seedAccounts } from '../../server/cli/seed.js';
import { seedFiscalData } from '../../processes/seed-fiscal-data.js';
import { deployBundledProcesses } from '../../server/cli/bundled-processes.js';
import { checkInvariants } from '../../server/check/index.js';
import { DEFAULT_TUNING, FISCAL_PROCESSES, startTunedFiscalLoad, type FiscalProcess } from './fiscal-load.js';

/** Instances per kind: the budget cycle has some 30 user tasks and 70 jobs, so fewer of those. */
const INSTANCES: Record<FiscalProcess, number> = {
  treasuryPayment: 5,
  budgetPreparation: 2,
  nonTaxRevenue: 5,
};
const SEED = Number(process.env.FISCAL_LOAD_SEED ?? Date.now() % 1_000_000);
/** A busy machine may need longer (the budget cycle alone runs some 70 jobs). */
const TIMEOUT_MS = Number(process.env.FISCAL_LOAD_TEST_TIMEOUT_MS ?? 60_000);
/** Quicker polling than the soak's default: the test waits on each step of few instances. */
const TEST_TIMING = { ...DEFAULT_TUNING.timing, pollMs: 250, checkMs: 600 };

describe('chaos/fiscal load driver [MariaDB + Bull, HTTP]', function () {
  this.timeout(TIMEOUT_MS);
  let t: TestServer;
  let http: Server;
  let baseUrl = '';

  before(async function () {
    const setupStarted = Date.now();
    t = await createTestServer('mysql');
    const quiet = () => undefined;
    await seedAccounts(t.config, t.services.knex, quiet, { demo: true });
    await seedFiscalData(t.services.knex, { demo: true });
    await deployBundledProcesses(t.server.runtime, quiet);
    console.log(`      setup: ${Date.now() - setupStarted} ms`);
    http = createServer(t.app.callback());
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await t?.close();
  });

  it('should drive instances of the three fiscal processes to their end with no 5xx and a clean check', async function () {
    const lines: string[] = [];
    // a third of the steps that allow it are returned once (退回), so the return paths run too
    const load = startTunedFiscalLoad(
      {
        baseUrls: [baseUrl],
        seed: SEED,
        concurrency: 5,
        log: (line) => lines.push(line),
      },
      { returnRate: 0.3, timing: TEST_TIMING, instancesOf: INSTANCES },
    );
    const started = Date.now();
    // stop() only stops new starts: let the driver start and finish its quota first
    const deadline = started + TIMEOUT_MS - 10_000;
    const finished = () =>
      Date.now() > deadline || FISCAL_PROCESSES.every((k) => load.stats().completed[k] >= INSTANCES[k]);
    while (!finished()) await new Promise((resolve) => setTimeout(resolve, 200));
    const stats = await load.stop(5_000);
    const context = `seed ${SEED}; ${JSON.stringify(stats)}; log:\n${lines.join('\n')}`;
    console.log(
      `      fiscal load: ${Date.now() - started} ms, ${stats.requests} requests, ${stats.retries} retries`,
    );
    for (const kind of FISCAL_PROCESSES) {
      assert.equal(stats.started[kind], INSTANCES[kind], `${kind} started; ${context}`);
      assert.equal(stats.completed[kind], stats.started[kind], `${kind} completed; ${context}`);
    }
    assert.equal(stats.errors5xx, 0, context);
    assert.deepEqual(stats.unexpected4xx, [], context);

    // the instances really ended on the server, and the money moved: every payment consumed or released
    const running = await t.services
      .knex('process_instances')
      .where('business_key', 'like', 'LOAD-%')
      .andWhere({ status: 'running' })
      .select('id', 'process_key', 'business_key');
    assert.deepEqual(running, [], context);
    const results = await checkInvariants(t.services.knex, { horizonMs: 60_000 });
    assert.deepEqual(
      results
        .filter((r) => !r.ok)
        .map((r) => ({ invariant: r.invariant, violations: r.violations.slice(0, 5) })),
      [],
      context,
    );
  });
});
