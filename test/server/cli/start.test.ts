import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDatabase } from '../../../engine/adapters/index.js';

const BIN = fileURLToPath(new URL('../../../bin/fiscal-bpm.js', import.meta.url));

describe('cli/start (embedded default)', function () {
  it('should migrate, seed the demo directory, serve the API with the workers, and stop cleanly on SIGTERM', async function () {
    this.timeout(60_000);
    // given an empty folder for the SQLite file and no DATABASE_URL / REDIS_URL
    const dir = mkdtempSync(join(tmpdir(), 'fiscal-bpm-start-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: `sqlite:${join(dir, 'fiscal.sqlite')}`,
      LOG_LEVEL: 'info',
      PORT: '0',
    };
    delete env.REDIS_URL;
    try {
      // when
      const child = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`start did not come up:\n${output}`)), 50_000);
        child.stdout.on('data', () => {
          if (output.includes('is serving http://')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const base = /serving (http:\/\/[^/\s]+)\//.exec(output)![1]!;
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      const spec = (await (await fetch(`${base}/api/openapi.json`)).json()) as { openapi: string };
      assert.equal(spec.openapi, '3.1.0');
      // a living system: the DEMO-… instances, seen by the administrator
      const login = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'henan.admin', password: 'Fiscal@2026' }),
      });
      assert.equal(login.status, 200);
      const { token } = (await login.json()) as { token: string };
      const running = (await (
        await fetch(`${base}/api/process-instance?maxResults=1000`, {
          headers: { Authorization: `Bearer ${token}` },
        })
      ).json()) as { businessKey: string | null; parentInstanceId?: string | null }[];
      const demoKeys = new Set(running.map((i) => i.businessKey).filter((k) => k?.startsWith('DEMO-')));
      for (const key of ['DEMO-ZF-001', 'DEMO-ZF-006', 'DEMO-XM-001', 'DEMO-FS-002', 'DEMO-ZY-001'])
        assert.ok(demoKeys.has(key), `${key} is running after start`);
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

      // then
      assert.equal(code, 0, output);
      assert.match(output, /Org directory: \d+ orgs, \d+ users added/);
      assert.match(output, /Demo instances: 15 started, 0 already there/);
      const knex = connectDatabase({ url: env.DATABASE_URL! });
      try {
        const regions = await knex('orgs').where({ kind: 'region' }).count({ n: '*' }).first();
        assert.equal(Number(regions?.n), 175);
        assert.ok((await knex('knex_migrations').count({ n: '*' }).first())?.n);
      } finally {
        await knex.destroy();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should refuse a bad configuration with a list of what is wrong, without a stack trace', async function () {
    this.timeout(30_000);
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: { ...process.env, REDIS_URL: 'http://nope', SERVICE_CONCURRENCY: 'many' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(output, /REDIS_URL/);
    assert.match(output, /SERVICE_CONCURRENCY/);
    assert.doesNotMatch(output, /\s+at \S+:\d+:\d+/);
  });
});
