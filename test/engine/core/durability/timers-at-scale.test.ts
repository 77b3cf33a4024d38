import assert from 'node:assert/strict';
import { createEngine, type Engine } from '../../../../engine/index.js';
import { obliterateBullPrefix } from '../../../../engine/adapters/index.js';
import {
  countRows,
  createTestEngine,
  REDIS_URL,
  type TestEngine,
  waitFor,
} from '../../../helpers/engine-harness.js';
import { mapLimit } from '../../../helpers/bpmn-builder.js';

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
  'xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="t"><bpmn:message id="m" name="paid" />';

/** start → timer at `=dueAt` (absolute ISO date) → user task → end. */
const TIMED = `${HEADER}<bpmn:process id="timed" isExecutable="true"><bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDate>=dueAt</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="after" /><bpmn:userTask id="after" /><bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="e" /><bpmn:endEvent id="e" /></bpmn:process></bpmn:definitions>`;

/** start → message `paid` keyed by `=no` → end. */
const MESSAGED = `${HEADER}<bpmn:process id="messaged" isExecutable="true"><bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m" fiscal:correlationKey="=no" /></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e" /><bpmn:endEvent id="e" /></bpmn:process></bpmn:definitions>`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('durability/timers at scale [MariaDB + Bull]', function () {
  let t: TestEngine;
  let workers: Engine | undefined;
  beforeEach(async function () {
    t = await createTestEngine('mysql', { poolMax: 16 });
    await t.engine.deploy(TIMED);
    await t.engine.deploy(MESSAGED);
  });
  afterEach(async function () {
    await workers?.stop();
    workers = undefined;
    await t?.close();
  });

  const workerEngine = () =>
    createEngine({
      store: t.infrastructure.store,
      queue: t.infrastructure.queue,
      relay: { intervalMs: 200, graceMs: 500, horizonMs: 2000 },
    });

  it('should fire 10,000 timers due within 30 s exactly once and never early, with the workers stopped for the first 5 s', async function () {
    this.timeout(600_000);
    const count = 10_000;
    // given 10,000 instances whose timers fall due within a 30-second window, started with no worker running
    const windowStart = Date.now() + 100_000;
    const started = await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      12,
      (i) =>
        t.engine.startInstance('timed', {
          variables: { dueAt: new Date(windowStart + Math.floor((i * 30_000) / count)).toISOString() },
        }),
    );
    assert.equal(started.filter((r) => r.status === 'fulfilled').length, count);
    assert.ok(Date.now() < windowStart + 5000, 'the workers must start inside the window');

    // when the workers start 5 s into the window
    while (Date.now() < windowStart + 5000) await new Promise((r) => setTimeout(r, 50));
    const workersStartedAt = Date.now();
    workers = workerEngine();
    await workers.startWorkers();

    // then every timer fires, once, never before it is due
    const knex = t.infrastructure.knex;
    await waitFor(
      async () =>
        Number((await knex('history_events').where({ type: 'TIMER_FIRED' }).count({ n: '*' }).first())?.n) >=
        count,
      'all timers to fire',
      300_000,
      250,
    );
    await new Promise((r) => setTimeout(r, 500));
    const perInstance = countRows(
      await knex('history_events')
        .where({ type: 'TIMER_FIRED' })
        .select('instance_id')
        .count({ n: '*' })
        .groupBy('instance_id'),
      'instance_id',
    );
    assert.equal(perInstance.length, count);
    assert.ok(
      perInstance.every((r) => r.n === 1),
      'a timer fired twice',
    );
    const rows = await knex('history_events').where({ type: 'TIMER_FIRED' }).select('data_json');
    const lateness = rows.map((r: { data_json: string }) => {
      const d = JSON.parse(r.data_json) as { dueAt: number; firedAt: number };
      return { due: d.dueAt, late: d.firedAt - d.dueAt };
    });
    assert.ok(
      lateness.every((l: { late: number }) => l.late >= 0),
      'a timer fired early',
    );
    const whileUp = lateness
      .filter((l: { due: number }) => l.due >= workersStartedAt)
      .map((l: { late: number }) => l.late)
      .sort((a: number, b: number) => a - b);
    const caughtUp = lateness
      .filter((l: { due: number }) => l.due < workersStartedAt)
      .map((l: { late: number }) => l.late)
      .sort((a: number, b: number) => a - b);
    const waiting = Number(
      (await knex('user_tasks').where({ element_id: 'after', state: 'created' }).count({ n: '*' }).first())
        ?.n,
    );
    assert.equal(waiting, count);
    console.log(
      `      timers: ${count} fired once, 0 early; due while workers were up (${whileUp.length}): lateness p50 ${percentile(whileUp, 50)} ms, p99 ${percentile(whileUp, 99)} ms, max ${whileUp.at(-1)} ms; ` +
        `due while stopped (${caughtUp.length}): caught up p50 ${percentile(caughtUp, 50)} ms, p99 ${percentile(caughtUp, 99)} ms after due`,
    );
  });

  it('should complete 1,000 instances waiting on timers and messages after Redis lost every job', async function () {
    this.timeout(300_000);
    // given 500 instances waiting on a timer (due in 3 s) and 500 on a message
    const due = new Date(Date.now() + 3000).toISOString();
    await mapLimit(
      Array.from({ length: 500 }, (_, i) => i),
      12,
      () => t.engine.startInstance('timed', { variables: { dueAt: due } }),
    );
    await mapLimit(
      Array.from({ length: 500 }, (_, i) => i),
      12,
      (i) => t.engine.startInstance('messaged', { variables: { no: `N${i}` } }),
    );

    // when Redis loses everything before any worker ran
    await obliterateBullPrefix(REDIS_URL, t.queuePrefix!);
    workers = workerEngine();
    await workers.startWorkers();
    await mapLimit(
      Array.from({ length: 500 }, (_, i) => i),
      12,
      (i) => workers!.correlateMessage('paid', { correlationKey: `N${i}` }),
    );

    // then the reconciler publishes the lost timers again and everything completes
    const knex = t.infrastructure.knex;
    await waitFor(
      async () => {
        const timed = Number(
          (await knex('user_tasks').where({ element_id: 'after' }).count({ n: '*' }).first())?.n,
        );
        const messaged = Number(
          (
            await knex('process_instances')
              .where({ process_key: 'messaged', status: 'completed' })
              .count({ n: '*' })
              .first()
          )?.n,
        );
        return timed === 500 && messaged === 500;
      },
      'all 1,000 instances to move on',
      120_000,
      250,
    );
    const fired = countRows(
      await knex('history_events')
        .where({ type: 'TIMER_FIRED' })
        .select('instance_id')
        .count({ n: '*' })
        .groupBy('instance_id'),
      'instance_id',
    );
    assert.equal(fired.length, 500);
    assert.ok(fired.every((r) => r.n === 1));
  });
});
