/**
 * Competing joins under a fast-check scheduler (reliability.md §6.10, the analogue of Camunda's CompetingJoinTest):
 * the two branches of a parallel join are completed at once by two engines sharing one MariaDB store, and every call
 * either engine makes to the store waits for the scheduler's go, so each run explores another interleaving of the
 * two commands' reads and commits. Whatever the order: exactly one completion wins the join (one ELEMENT_COMPLETED
 * of the join, one INSTANCE_COMPLETED), the other completion either succeeds before it or is refused as a conflict
 * and succeeds when retried, no token is left, and the invariant checker (I1–I6) is clean.
 * The suite runs 25 interleavings (about 10 s); JOIN_SCHEDULER_RUNS=1000 for the full exploration.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createEngine, EngineError, type ProcessStore } from '../../../../engine/index.js';
import { checkInvariants } from '../../../../server/check/index.js';
import { createTestEngine, type TestEngine } from '../../../helpers/engine-harness.js';
import { parallelBranches } from '../../../helpers/bpmn-builder.js';

const RUNS = Number(process.env.JOIN_SCHEDULER_RUNS ?? 25);

/** The store, with every method call held until the scheduler lets it run; `calls` records who ran when. */
function scheduledStore(store: ProcessStore, s: fc.Scheduler, who: string, calls: string[]): ProcessStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        s.schedule(Promise.resolve(), `${who}.${String(property)}`).then(() => {
          calls.push(who);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        });
    },
  });
}

/** Whether the two engines' calls interleaved (neither ran all its calls before the other started). */
function interleaved(calls: readonly string[]): boolean {
  let switches = 0;
  for (let i = 1; i < calls.length; i++) if (calls[i] !== calls[i - 1]) switches++;
  return switches > 1;
}

describe('durability/competing joins under a scheduler [MariaDB]', function () {
  let t: TestEngine;
  before(async function () {
    this.timeout(30_000);
    t = await createTestEngine('mysql', { poolMax: 8 });
    await t.engine.deploy(parallelBranches('join2', 2));
  });
  after(() => t?.close());

  it(`should fire a two-branch join exactly once in every interleaving of its two completions (${RUNS} runs)`, async function () {
    this.timeout(120_000);
    const knex = t.infrastructure.knex;
    let interleavedRuns = 0;
    let conflicts = 0;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.boolean(), async (s, sameOrder) => {
        // given an instance waiting at both branches, and two engines whose store calls the scheduler orders
        const instance = await t.engine.startInstance('join2');
        const [b1, b2] = await t.openTasks(instance.id);
        const calls: string[] = [];
        const engines = ['first', 'second'].map((who) =>
          createEngine({
            store: scheduledStore(t.infrastructure.store, s, who, calls),
            queue: t.infrastructure.queue,
          }),
        );

        // when both branches are completed at once
        const tasks = sameOrder ? [b1!, b2!] : [b2!, b1!];
        const outcomes = await s.waitFor(
          Promise.allSettled(tasks.map((task, i) => engines[i]!.completeTask(task.id))),
        );

        if (interleaved(calls)) interleavedRuns++;
        // then a refused completion was a conflict, and succeeds on retry (outside the scheduler)
        for (const [i, outcome] of outcomes.entries()) {
          if (outcome.status === 'fulfilled') continue;
          conflicts++;
          const err = outcome.reason as unknown;
          assert.ok(
            err instanceof EngineError && err.code === 'CONCURRENT_MODIFICATION',
            `completion ${i} failed with ${String(err)}\n${s.report().length} scheduled calls`,
          );
          await t.engine.completeTask(tasks[i]!.id);
        }
        const history = await knex('history_events')
          .where({ instance_id: instance.id })
          .whereIn('type', ['ELEMENT_COMPLETED', 'INSTANCE_COMPLETED', 'TASK_COMPLETED'])
          .select('type', 'element_id');
        const count = (type: string, element?: string) =>
          history.filter(
            (h: { type: string; element_id: string }) =>
              h.type === type && (element === undefined || h.element_id === element),
          ).length;
        assert.equal(count('TASK_COMPLETED'), 2, 'each branch completed once');
        assert.equal(count('ELEMENT_COMPLETED', 'join'), 1, 'the join fired once');
        assert.equal(count('INSTANCE_COMPLETED'), 1, 'the instance completed once');
        assert.equal((await t.engine.getInstance(instance.id)).status, 'completed');
        const left = await knex('executions').where({ instance_id: instance.id }).count({ n: '*' }).first();
        assert.equal(Number(left?.n), 0, 'a token was left behind');
      }),
      { numRuns: RUNS },
    );
    assert.ok(interleavedRuns > 0, 'the scheduler never interleaved the two completions');
    console.log(
      `      scheduler: ${RUNS} runs, ${interleavedRuns} with interleaved store calls, ${conflicts} completions refused as conflicts`,
    );
    const results = await checkInvariants(knex);
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
    );
  });
});
