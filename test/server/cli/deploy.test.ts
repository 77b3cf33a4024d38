import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDatabase } from '../../../engine/adapters/index.js';
import { runDeploy } from '../../../server/cli/deploy.js';
import { loadConfig, type Config } from '../../../server/config.js';
import { singleTask } from '../../helpers/bpmn-builder.js';

const BIN = fileURLToPath(new URL('../../../bin/fiscal-bpm.js', import.meta.url));

/** singleTask with a second step after the first. */
function twoTasks(key: string): string {
  return singleTask(key).replace(
    '<bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />',
    '<bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="approve" /><bpmn:userTask id="approve" name="审批" /><bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end" />',
  );
}

describe('cli/deploy', function () {
  this.timeout(30_000);
  let dir: string;
  let config: Config;
  const run = async (files: string[], dryRun = false) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDeploy(
      config,
      files,
      (l) => out.push(l),
      (l) => err.push(l),
      { dryRun },
    );
    return { code, out, err };
  };
  const versions = async (key: string) => {
    const knex = connectDatabase({ url: config.DATABASE_URL });
    try {
      return (await knex('process_definitions').where({ process_key: key }).select('version')).map((r) =>
        Number(r.version),
      );
    } finally {
      await knex.destroy();
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fiscal-bpm-deploy-'));
    config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'fiscal.sqlite')}`, LOG_LEVEL: 'silent' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should deploy and print what the new version changes against the previous one', async () => {
    const file = join(dir, 'pay.bpmn');
    writeFileSync(file, singleTask('cli_pay'));
    const first = await run([file]);
    assert.equal(first.code, 0, first.err.join('\n'));
    assert.equal(first.out[0], `Deployed: cli_pay v1 (${file})`);
    assert.equal(first.out[1], '  cli_pay: new process (v1): 5 added, 0 removed, 0 changed');
    writeFileSync(file, twoTasks('cli_pay'));
    const second = await run([file]);
    assert.deepEqual(second.out, [
      `Deployed: cli_pay v2 (${file})`,
      '  cli_pay: v1 → v2: 2 added, 0 removed, 2 changed',
      '    + approve (bpmn:UserTask 审批)',
      '    + f3 (bpmn:SequenceFlow)',
      '    ~ end (bpmn:EndEvent)',
      '    ~ f2 (bpmn:SequenceFlow)',
    ]);
    assert.deepEqual(await versions('cli_pay'), [1, 2]);
  });

  it('should print the change summary with --dry-run and deploy nothing', async () => {
    const file = join(dir, 'pay.bpmn');
    writeFileSync(file, singleTask('cli_dry'));
    assert.equal((await run([file])).code, 0);
    writeFileSync(file, twoTasks('cli_dry'));
    const dry = await run([file], true);
    assert.equal(dry.code, 0, dry.err.join('\n'));
    assert.deepEqual(dry.out, [
      `Would deploy: cli_dry v2 (${file})`,
      '  cli_dry: v1 → v2: 2 added, 0 removed, 2 changed',
      '    + approve (bpmn:UserTask 审批)',
      '    + f3 (bpmn:SequenceFlow)',
      '    ~ end (bpmn:EndEvent)',
      '    ~ f2 (bpmn:SequenceFlow)',
      'Dry run: nothing was deployed',
    ]);
    assert.deepEqual(await versions('cli_dry'), [1]);
    writeFileSync(file, singleTask('cli_dry'));
    const same = await run([file], true);
    assert.deepEqual(same.out, [`Up to date: cli_dry v1 (${file})`, 'Dry run: nothing was deployed']);
  });

  it('should print every problem of an invalid file with --dry-run and exit 1', async () => {
    const file = join(dir, 'broken.bpmn');
    writeFileSync(file, singleTask('cli_broken').replace('<bpmn:endEvent id="end" />', ''));
    const dry = await run([file], true);
    assert.equal(dry.code, 1);
    assert.ok(
      dry.err.some((l) => l.startsWith(`${file}: f2 (bpmn:SequenceFlow)`)),
      dry.err.join('\n'),
    );
    assert.deepEqual(await versions('cli_broken'), []);
  });

  it('should accept --dry-run on the command line', async () => {
    const file = join(dir, 'pay.bpmn');
    writeFileSync(file, singleTask('cli_bin'));
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: config.DATABASE_URL, LOG_LEVEL: 'silent' };
    delete env.REDIS_URL;
    const child = spawn(process.execPath, [BIN, 'deploy', '--dry-run', file], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /Would deploy: cli_bin v1/);
    assert.match(output, /cli_bin: new process \(v1\): 5 added/);
    assert.match(output, /Dry run: nothing was deployed/);
    assert.deepEqual(await versions('cli_bin'), []);
  });
});
