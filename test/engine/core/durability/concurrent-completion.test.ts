/**
 * Double completion (reliability.md §6.9): 100 concurrent completions of one task, round after round. Each round
 * exactly one succeeds and 99 are refused as a conflict (INVALID_STATE or CONCURRENT_MODIFICATION, the API's 409),
 * none fails otherwise (the API's 5xx); the task has one TASK_COMPLETED history row and that row one audit row.
 * Ends with the invariant checker (I1–I6) clean. The plan's full run is 20 rounds: RACE_ROUNDS=20.
 */
import assert from 'node:assert/strict';
import { checkInvariants } from '../../../../server/check/index.js';
import { createTestEngine, forEachBackend, type TestEngine } from '../../../helpers/engine-harness.js';
import { singleTask } from '../../../helpers/bpmn-builder.js';

const CONCURRENT = 100;
const ROUNDS = Number(process.env.RACE_ROUNDS ?? 5);

forEachBackend('durability/concurrent-completion', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend, { poolMax: 20 });
    await t.engine.deploy(singleTask('raceOne'));
  });
  after(() => t?.close());

  it(`should let exactly one of ${CONCURRENT} concurrent completions of one task succeed, with one history and one audit row (${ROUNDS} rounds)`, async function () {
    this.timeout(60_000);
    for (let round = 0; round < ROUNDS; round++) {
      // given
      const instance = await t.engine.startInstance('raceOne');
      const [task] = await t.openTasks(instance.id);

      // when
      const results = await Promise.allSettled(
        Array.from({ length: CONCURRENT }, (_, i) =>
          t.engine.completeTask(task!.id, { actor: `user${i}`, variables: { winner: i } }),
        ),
      );

      // then
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(ok.length, 1, `round ${round}: completions that succeeded`);
      assert.equal(refused.length, CONCURRENT - 1, `round ${round}: completions refused`);
      for (const r of refused)
        assert.ok(
          ['INVALID_STATE', 'CONCURRENT_MODIFICATION'].includes(r.reason.code),
          `round ${round}: ${String(r.reason)}`,
        );
      const history = await t.engine.history(instance.id);
      assert.equal(history.filter((h) => h.type === 'TASK_COMPLETED').length, 1);
      const audit = await t.infrastructure
        .knex('history_events as h')
        .join('audit_log as a', function () {
          this.on('a.instance_id', '=', 'h.instance_id')
            .andOn('a.history_seq', '=', 'h.seq')
            .andOn('a.history_idx', '=', 'h.idx');
        })
        .where({ 'h.instance_id': instance.id, 'h.type': 'TASK_COMPLETED' })
        .select('a.id');
      assert.equal(audit.length, 1, `round ${round}: audit rows of the completion`);
      const winner = (ok[0] as PromiseFulfilledResult<{ completedBy: string }>).value.completedBy;
      const view = await t.engine.getInstance(instance.id);
      assert.equal(view.status, 'completed');
      assert.equal(`user${view.variables.winner}`, winner);
    }
    const results = await checkInvariants(t.infrastructure.knex);
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
    );
  });
});
