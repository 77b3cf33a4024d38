/**
 * A manual run of the fiscal load driver against the real server: `node bin/fiscal-bpm.js start` as a child
 * process on its own MariaDB database and Bull prefix on the shared Redis, a free port; `N` instances of each
 * fiscal process, `C` in flight per kind. Prints the progress every 10 s, then instances per minute per process,
 * the request counts and errors, and the invariant check (I1–I6) of the database left behind; then stops the
 * server and drops its database and Bull keys. Not part of `npm test`:
 *
 *   N=200 C=10 SEED=7 node --import tsx test/chaos/fiscal-load/run-against-start.ts
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import { dropMysqlDatabase, obliterateBullPrefix } from '../../../engine/adapters/index.js';
import { checkInvariants } from '../../../server/check/index.js';
import { FISCAL_PROCESSES, startFiscalLoad, type FiscalProcess } from '../fiscal-load.js';

const MYSQL_ROOT_URL = 'mysql://root@127.0.0.1:3306';
const REDIS_URL = 'redis://127.0.0.1:6379';
const N = Number(process.env.N ?? 200);
const C = Number(process.env.C ?? 10);
const SEED = Number(process.env.SEED ?? 7);
const MAX_MINUTES = Number(process.env.MAX_MINUTES ?? 60);

const name = `fbpm_h7_${randomBytes(4).toString('hex')}`;
const databaseUrl = `${MYSQL_ROOT_URL}/${name}`;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const stamp = () => new Date().toISOString().slice(11, 19);
const say = (line: string) => console.log(`${stamp()} ${line}`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const port = await freePort();
const baseUrl = `http://127.0.0.1:${port}`;
say(`database ${name}, queue prefix ${name}, port ${port}`);
const child = spawn(process.execPath, ['bin/fiscal-bpm.js', 'start'], {
  cwd: root,
  env: {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: name,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    AUTH_JWT_SECRET: randomBytes(24).toString('hex'),
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const serverLines: string[] = [];
child.stdout.on('data', (b: Buffer) => serverLines.push(...b.toString().split('\n').filter(Boolean)));
child.stderr.on('data', (b: Buffer) => serverLines.push(...b.toString().split('\n').filter(Boolean)));
const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

try {
  const readyBy = Date.now() + 300_000;
  for (;;) {
    const ok = await fetch(`${baseUrl}/readyz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > readyBy)
      throw new Error(`the server did not get ready:\n${serverLines.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  say('server ready');

  const started = Date.now();
  const load = startFiscalLoad({
    baseUrls: [baseUrl],
    seed: SEED,
    concurrency: C,
    instancesPerProcess: N,
    log: (line) => say(line),
  });
  const doneAt: Partial<Record<FiscalProcess, number>> = {};
  let lastReport = Date.now();
  while (Date.now() - started < MAX_MINUTES * 60_000) {
    await new Promise((r) => setTimeout(r, 1_000));
    const s = load.stats();
    for (const k of FISCAL_PROCESSES)
      if (doneAt[k] === undefined && s.completed[k] >= N) doneAt[k] = Date.now();
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      say(
        `started ${JSON.stringify(s.started)} completed ${JSON.stringify(s.completed)} ` +
          `requests ${s.requests} retries ${s.retries} 5xx ${s.errors5xx} unexpected 4xx ${s.unexpected4xx.length}`,
      );
    }
    if (FISCAL_PROCESSES.every((k) => doneAt[k] !== undefined)) break;
  }
  const stats = await load.stop(60_000);
  const minutes = (Date.now() - started) / 60_000;
  for (const k of FISCAL_PROCESSES) {
    const elapsed = ((doneAt[k] ?? Date.now()) - started) / 60_000;
    say(
      `${k}: ${stats.completed[k]}/${stats.started[k]} completed in ${elapsed.toFixed(1)} min → ` +
        `${(stats.completed[k] / elapsed).toFixed(1)} instances/min`,
    );
  }
  say(
    `total ${minutes.toFixed(1)} min, ${stats.requests} requests (${(stats.requests / (minutes * 60)).toFixed(1)}/s), ` +
      `${stats.retries} retries, ${stats.errors5xx} 5xx, unexpected 4xx: ${JSON.stringify(stats.unexpected4xx)}`,
  );

  const knex = knexFactory({ client: 'mysql2', connection: databaseUrl });
  try {
    const results = await checkInvariants(knex);
    for (const r of results)
      say(
        `${r.invariant} ${r.ok ? 'ok' : 'VIOLATED'} ${r.title}${r.ok ? '' : `: ${JSON.stringify(r.violations.slice(0, 5))}`}`,
      );
    const running = await knex('process_instances')
      .where('business_key', 'like', 'LOAD-%')
      .andWhere({ status: 'running' })
      .count({ n: '*' });
    say(`LOAD instances still running on the server: ${String(running[0]?.n)}`);
    const held = await knex('treasury_indicators')
      .select('id', 'allocated_fen', 'available_fen', 'reserved_fen', 'consumed_fen')
      .where('id', 'like', 'ZB-%BMJY001-%');
    say(`indicator lines of the paying schools: ${JSON.stringify(held)}`);
  } finally {
    await knex.destroy();
  }
} finally {
  child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
  if (code === 'timeout') child.kill('SIGKILL');
  say(`server exited (${String(code)}); last lines:\n${serverLines.slice(-10).join('\n')}`);
  await dropMysqlDatabase(databaseUrl);
  const keys = await obliterateBullPrefix(REDIS_URL, name);
  say(`dropped database ${name} and ${keys} Bull keys`);
}
process.exit(0);
