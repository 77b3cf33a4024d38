/**
 * `fiscal-bpm replay` on a live MariaDB (engine workers running): with --against a new model it lists the
 * in-flight instances the model would route differently, with the element ids, and exits 1; against their own
 * definitions it finds nothing and exits 0; `deploy --dry-run` warns how many running instances a new version
 * would route differently.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReplayReport } from '../../../../engine/index.js';
import { runDeploy } from '../../../../server/cli/deploy.js';
import { main } from '../../../../server/cli/main.js';
import { runReplayCli } from '../../../../server/cli/replay.js';
import { loadConfig } from '../../../../server/config.js';
import { createTestEngine, type TestEngine } from '../../../helpers/engine-harness.js';

const BENCH_XML = readFileSync(
  fileURLToPath(new URL('../../../../bench/reference-approval.bpmn', import.meta.url)),
  'utf8',
);

describe('cli/replay on a running MariaDB', function () {
  this.timeout(60_000);
  let t: TestEngine;
  let dir: string;
  let raisedFile: string;
  const ids: Record<string, string> = {};
  const env = () => ({ DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'silent' });
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runReplayCli(
      args,
      (l) => out.push(l),
      (l) => err.push(l),
      env(),
    );
    return { code, out, err };
  };

  before(async function () {
    t = await createTestEngine('mysql', { workers: true });
    dir = mkdtempSync(join(tmpdir(), 'fiscal-bpm-replay-'));
    raisedFile = join(dir, 'raised.bpmn');
    writeFileSync(raisedFile, BENCH_XML.replace('amountFen &gt;= 1000000', 'amountFen &gt;= 1500000'));
    await t.engine.deploy(BENCH_XML);
    const start = async (amountFen: number) =>
      (await t.engine.startInstance('benchApproval', { variables: { amountFen } })).id;
    ids.largeInFlight = await start(1_250_000);
    ids.largerInFlight = await start(2_000_000);
    ids.smallInFlight = await start(300_000);
    ids.largeDone = await start(1_250_000);
    for (const id of Object.values(ids)) await t.complete(id, 'divisionReview');
    await t.complete(ids.largeDone!, 'budgetCountersign');
    await t.complete(ids.largeDone!, 'treasuryCountersign');
    await t.complete(ids.largeDone!, 'directorApproval');
  });

  after(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('should list the in-flight instances a new model would route differently, by element id, and exit 1', async () => {
    const run = await cli(['--definition', 'benchApproval', '--against', raisedFile]);
    assert.equal(run.code, 1, run.err.join('\n'));
    assert.deepEqual(run.err, []);
    // the ended instance diverges too, but only running ones are replayed by key
    assert.deepEqual(run.out, [
      `DIVERGES ${ids.largeInFlight} (benchApproval): 1 of 4 decision(s) differ, 0 unverified`,
      `  amountCheck flows-differ: recorded largeAmount → replayed normalAmount (the model takes normalAmount where largeAmount was taken)`,
      `Replayed 3 instance(s) against ${raisedFile}: 12 decision(s), 1 instance(s) diverge, 0 decision(s) unverified`,
    ]);
  });

  it("should find nothing against the instances' own definitions and exit 0", async () => {
    const run = await cli([]);
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.deepEqual(run.out, [
      'Replayed 3 instance(s) against their own definitions: 12 decision(s), 0 instance(s) diverge, 0 decision(s) unverified',
    ]);
  });

  it('should replay one instance, even an ended one, and print JSON reports with --json', async () => {
    const run = await cli(['--instance', ids.largeDone!, '--against', raisedFile, '--json']);
    assert.equal(run.code, 1);
    const [report] = JSON.parse(run.out.join('\n')) as ReplayReport[];
    assert.equal(report!.instanceId, ids.largeDone);
    assert.equal(report!.decisionsChecked, 9);
    assert.deepEqual(
      report!.divergences.map((d) => [d.elementId, d.kind, d.recorded, d.replayed]),
      [['amountCheck', 'flows-differ', ['largeAmount'], ['normalAmount']]],
    );
  });

  it('should refuse wrong usage with exit 2 and an invalid model with exit 1, naming the element', async () => {
    const both = await cli(['--instance', 'x', '--definition', 'y']);
    assert.equal(both.code, 2);
    const badFile = join(dir, 'bad.bpmn');
    writeFileSync(badFile, BENCH_XML.replace('targetRef="end"', 'targetRef="nowhere"'));
    const bad = await cli(['--against', badFile]);
    assert.equal(bad.code, 1);
    assert.ok(
      bad.err.some((l) => l.startsWith(`${badFile}: toEnd `)),
      bad.err.join('\n'),
    );
  });

  it('should warn in the deploy --dry-run summary how many running instances the new version would route differently', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDeploy(
      loadConfig(env()),
      [raisedFile],
      (l) => out.push(l),
      (l) => err.push(l),
      { dryRun: true },
    );
    assert.equal(code, 0, err.join('\n'));
    assert.ok(
      out.includes(
        `  ! 1 of 3 running instance(s) of benchApproval would be routed differently by this version: they keep theirs; see fiscal-bpm replay --definition benchApproval --against ${raisedFile}`,
      ),
      out.join('\n'),
    );
    assert.equal(out.at(-1), 'Dry run: nothing was deployed');
  });

  it('should run as `fiscal-bpm replay` through the command dispatcher', async () => {
    // in-process (a spawned bin/fiscal-bpm.js costs 10–30 s of compilation on this machine): main() reads the
    // database from the environment as the real command does
    const saved = { DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: process.env.LOG_LEVEL };
    let stdout = '';
    const write = process.stdout.write.bind(process.stdout);
    process.env.DATABASE_URL = t.databaseUrl;
    process.env.LOG_LEVEL = 'silent';
    process.stdout.write = ((chunk: string | Uint8Array) => {
      stdout += chunk.toString();
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['replay', '--against', raisedFile]);
    } finally {
      process.stdout.write = write;
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    assert.equal(code, 1, stdout);
    assert.match(stdout, new RegExp(`DIVERGES ${ids.largeInFlight} \\(benchApproval\\)`));
    assert.match(stdout, /amountCheck flows-differ: recorded largeAmount → replayed normalAmount/);
    assert.match(stdout, /Replayed 3 instance\(s\)/);
  });
});
