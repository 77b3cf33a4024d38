/** `fiscal-bpm audit verify` on a SQLite file: exit 0 on a clean log, 1 naming the first broken row after tampering. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../../engine/index.js';
import { connectDatabase, openInfrastructure } from '../../../engine/adapters/index.js';
import { singleTask } from '../../helpers/bpmn-builder.js';

const BIN = fileURLToPath(new URL('../../../bin/fiscal-bpm.js', import.meta.url));

function run(
  args: string[],
  databaseUrl: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
  delete env.REDIS_URL;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('cli/audit verify', function () {
  this.timeout(60_000);
  let dir: string;
  let databaseUrl: string;
  let instanceId: string;

  before(async function () {
    // given a SQLite file with two deployments and an instance that was started and completed
    dir = mkdtempSync(join(tmpdir(), 'fiscal-bpm-audit-'));
    databaseUrl = `sqlite:${join(dir, 'fiscal.sqlite')}`;
    const infrastructure = await openInfrastructure({ databaseUrl });
    const engine = createEngine({ store: infrastructure.store, queue: infrastructure.queue });
    try {
      await engine.deploy(singleTask('cliAudit'), { deployedBy: 'henan.admin' });
      const instance = await engine.startInstance('cliAudit', { initiator: 'zhongmou.school1.clerk' });
      instanceId = instance.id;
      const [task] = await engine.listTasks({ instanceId });
      await engine.completeTask(task!.id, { actor: 'zhongmou.treasury.reviewer' });
    } finally {
      await engine.stop();
      await infrastructure.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('should exit 0 on a clean log, for all chains and for one', async function () {
    const all = await run(['audit', 'verify'], databaseUrl);
    assert.equal(all.code, 0, all.stdout + all.stderr);
    assert.match(all.stdout, /^OK: \d+ rows in 2 chains verify \(sha256 \d+\)/);

    const one = await run(['audit', 'verify', '--chain', `instance:${instanceId}`], databaseUrl);
    assert.equal(one.code, 0, one.stdout + one.stderr);
    assert.match(one.stdout, /^OK: \d+ rows in 1 chains verify/);
  });

  it('should exit 1 and name the chain, seq and id of the first edited row', async function () {
    // when an audit row is edited behind the application's back
    const knex = connectDatabase({ url: databaseUrl });
    let id: number;
    try {
      const row = await knex('audit_log')
        .where({ chain_id: `instance:${instanceId}`, seq: 2 })
        .first();
      id = Number(row.id);
      await knex('audit_log').where({ id }).update({ actor: 'mallory' });
    } finally {
      await knex.destroy();
    }

    // then
    const result = await run(['audit', 'verify'], databaseUrl);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`^BROKEN edited: chain=instance:${instanceId} seq=2 id=${id}: `));
  });

  it('should print its help and refuse an unknown subcommand', async function () {
    const help = await run(['audit', '--help'], databaseUrl);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /fiscal-bpm audit verify \[--chain <chain id>\]/);

    const wrong = await run(['audit', 'repair'], databaseUrl);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /Unknown audit subcommand "repair"/);
  });
});
