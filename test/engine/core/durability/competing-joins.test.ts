/**
 * Competing joins (reliability.md §6.10): 1,000 instances whose 2–10 parallel branches are completed concurrently;
 * every join fires exactly once and no token is left behind, and the invariant checker (I1–I6) is clean. The
 * interleavings of a two-branch join are explored in competing-joins-scheduler.test.ts.
 */
import assert from 'node:assert/strict';
import { checkInvariants } from '../../../../server/check/index.js';
import {
  countRows,
  createTestEngine,
  forEachBackend,
  type TestEngine,
} from '../../../helpers/engine-harness.js';
import { mapLimit, parallelBranches } from '../../../helpers/bpmn-builder.js';

forEachBackend('durability/competing-joins', (backend) => {
  let t: TestEngine;
  const instances = 1000;
  before(async function () {
    this.timeout(30_000);
    t = await createTestEngine(backend, { poolMax: 16 });
    for (let n = 2; n <= 10; n++) await t.engine.deploy(parallelBranches(`join${n}`, n));
  });
  after(() => t?.close());

  it(`should fire every join exactly once when the branches of ${instances} instances complete concurrently`, async function () {
    this.timeout(600_000);
    // given 1,000 instances with 2–10 parallel branches each
    const started = await mapLimit(
      Array.from({ length: instances }, (_, i) => 2 + (i % 9)),
      16,
      (n) => t.engine.startInstance(`join${n}`),
    );
    assert.ok(started.every((r) => r.status === 'fulfilled'));
    const tasks = await t.infrastructure
      .knex('user_tasks')
      .where({ state: 'created' })
      .select('id', 'instance_id');
    assert.equal(
      tasks.length,
      Array.from({ length: instances }, (_, i) => 2 + (i % 9)).reduce((a, b) => a + b, 0),
    );

    // when every task is completed, in a shuffled order, many at once
    const shuffled = [...tasks].sort(() => Math.random() - 0.5);
    const results = await mapLimit(shuffled, 32, (task: { id: string }) => t.engine.completeTask(task.id));

    // then
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.deepEqual(
      failures.map((f) => String(f.reason)),
      [],
    );
    const statuses = await t.infrastructure
      .knex('process_instances')
      .select('status')
      .count({ n: '*' })
      .groupBy('status');
    assert.deepEqual(
      countRows(statuses, 'status').map((s) => [s.status, s.n]),
      [['completed', instances]],
    );
    const joins = await t.infrastructure
      .knex('history_events')
      .where({ type: 'ELEMENT_COMPLETED', element_id: 'join' })
      .select('instance_id')
      .count({ n: '*' })
      .groupBy('instance_id');
    assert.equal(joins.length, instances);
    assert.ok(
      countRows(joins).every((j) => j.n === 1),
      'a join fired more than once',
    );
    const left = await t.infrastructure.knex('executions').count({ n: '*' }).first();
    assert.equal(Number(left?.n), 0);
    const invariants = await checkInvariants(t.infrastructure.knex);
    assert.deepEqual(
      invariants.filter((r) => !r.ok),
      [],
    );
  });
});
