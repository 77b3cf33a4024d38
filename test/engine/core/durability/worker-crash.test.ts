import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  countRows,
  createTestEngine,
  REDIS_URL,
  type TestEngine,
  waitFor,
} from '../../../helpers/engine-harness.js';
import { mapLimit, serviceChain } from '../../../helpers/bpmn-builder.js';

const WORKER = fileURLToPath(new URL('../../../fixtures/worker-process.ts', import.meta.url));

/** Starts the crash-test worker as a child process and waits until it consumes. */
function startWorker(t: TestEngine): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, DATABASE_URL: t.databaseUrl, REDIS_URL, QUEUE_PREFIX: t.queuePrefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
  });
}

describe('durability/worker-crash [MariaDB + Bull, separate worker process]', function () {
  let t: TestEngine;
  const children: ChildProcess[] = [];
  before(async function () {
    this.timeout(30_000);
    t = await createTestEngine('mysql');
    await t.engine.deploy(serviceChain('crashChain', 3, 'test.step'));
  });
  after(async function () {
    for (const child of children) child.kill('SIGKILL');
    await t.close();
  });

  it('should complete all 500 instances after a worker is SIGKILLed mid-run, with no duplicate history and no lost job', async function () {
    this.timeout(180_000);
    const count = 500;
    const completed = async () =>
      Number(
        (
          await t.infrastructure
            .knex('process_instances')
            .where({ status: 'completed' })
            .count({ n: '*' })
            .first()
        )?.n,
      );

    // given 500 instances, each with 3 service jobs in a row, and a worker in another process
    const first = await startWorker(t);
    children.push(first);
    const started = await mapLimit(Array.from({ length: count }), 16, () =>
      t.engine.startInstance('crashChain'),
    );
    assert.ok(started.every((r) => r.status === 'fulfilled'));

    // when the worker is killed in the middle of the run
    await waitFor(
      async () => (await completed()) >= count * 0.2,
      '20 % of the instances to complete',
      60_000,
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = await completed();
    assert.ok(atKill < count, `the run was already over (${atKill}) when the worker was killed`);

    // and a new worker starts
    children.push(await startWorker(t));

    // then every instance completes
    await waitFor(async () => (await completed()) === count, 'all instances to complete', 120_000, 200);
    const knex = t.infrastructure.knex;
    const duplicates = await knex('history_events')
      .select('instance_id', 'type', 'element_id')
      .count({ n: '*' })
      .whereIn('type', ['ELEMENT_COMPLETED', 'JOB_COMPLETED', 'INSTANCE_COMPLETED'])
      .groupBy('instance_id', 'type', 'element_id')
      .having(knex.raw('count(*) > 1'));
    assert.deepEqual(duplicates, []);
    const jobs = await knex('jobs').select('state').count({ n: '*' }).groupBy('state');
    assert.deepEqual(
      countRows(jobs, 'state').map((j) => [j.state, j.n]),
      [['done', count * 3]],
    );
    const incidents = await knex('incidents').count({ n: '*' }).first();
    assert.equal(Number(incidents?.n), 0);
  });
});
