/**
 * The FEEL time and memory bound (engine/core/expr/feel-sandbox.ts). feelin has no limit of its own: before the
 * sandbox, `count(for x in 1..1000000000 return x)` in a gateway condition blocked the engine's event loop for
 * minutes and then exhausted the heap, killing the process (found by test/engine/core/expr/feel-fuzz.test.ts).
 * Now every evaluation runs in a worker with a heap limit and is stopped after EXPRESSION_TIME_LIMIT_MS.
 */
import assert from 'node:assert/strict';
import { evaluateCondition, evaluateExpression } from '../../../../engine/core/expr/feel.js';
import { EXPRESSION_TIME_LIMIT_MS, evaluateInSandbox } from '../../../../engine/core/expr/feel-sandbox.js';
import { createTestEngine, type TestEngine } from '../../../helpers/engine-harness.js';

/** The limit plus scheduling slack on a loaded 2-core machine. */
const STOPPED_WITHIN_MS = EXPRESSION_TIME_LIMIT_MS + 1500;

function timed<T>(fn: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = fn();
  return { result, ms: performance.now() - started };
}

describe('expr/feel-sandbox: bounded evaluation', function () {
  this.timeout(60_000);

  beforeEach(() => {
    // a warm worker, so each test measures its own expression
    assert.deepEqual(evaluateInSandbox('1 + 1', {}), { ok: true, value: 2, warnings: [] });
  });

  for (const [what, source] of [
    ['a range of a billion', 'count(for x in 1..1000000000 return x)'],
    ['a cartesian product of three ranges', 'for a in 1..1000, b in 1..1000, c in 1..1000 return 1'],
    ['exponential recursion', '{f: function(n) if n = 0 then 0 else f(n - 1) + f(n - 1)}.f(40)'],
    [
      'a catastrophic regular expression',
      'matches("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "^(a+)+$")',
    ],
    ['a quantifier over a billion', 'every x in 1..1000000000 satisfies x > 0'],
  ] as const) {
    it(`should stop ${what} at the time limit, and evaluate the next expression normally`, function () {
      // when
      const { result, ms } = timed(() => evaluateExpression(source, {}));

      // then
      assert.equal(result.ok, false);
      assert.match(
        (result as { reason: string }).reason,
        new RegExp(`longer than ${EXPRESSION_TIME_LIMIT_MS} ms`),
      );
      assert.ok(ms < STOPPED_WITHIN_MS, `stopped after ${ms.toFixed(0)} ms`);
      assert.deepEqual(evaluateExpression('amountFen > 100', { amountFen: 200 }), { ok: true, value: true });
    });
  }

  it('should survive an expression that exhausts the evaluator heap', function () {
    // given: a list of lists that grows by hundreds of MB
    const bomb =
      'for a in 1..100000, b in 1..100 return [a, b, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]';

    // when
    const outcome = evaluateInSandbox(bomb, {}, 3000);

    // then: a failure (out of memory or the limit), and the process and the evaluator go on
    assert.equal(outcome.ok, false);
    assert.deepEqual(evaluateCondition('kind = "a"', { kind: 'a' }), { ok: true, value: true });
  });

  it('should return FEEL and JS functions as null, and dates as ISO text', function () {
    assert.deepEqual(evaluateExpression('count', {}), { ok: true, value: null });
    assert.deepEqual(evaluateExpression('function(a) a', {}), { ok: true, value: null });
    assert.deepEqual(evaluateExpression('{f: function(a) a, n: [count, 1]}', {}), {
      ok: true,
      value: { f: null, n: [null, 1] },
    });
    assert.deepEqual(evaluateExpression('date("2026-03-02")', {}), { ok: true, value: '2026-03-02' });
  });

  it('should answer ordinary expressions, one after another', function () {
    for (let i = 99_990; i < 100_010; i++) {
      const outcome = evaluateCondition('amountFen >= 100000 and kind = "a"', { amountFen: i, kind: 'a' });
      assert.deepEqual(outcome, { ok: true, value: i >= 100_000 });
    }
  });

  describe('in a gateway condition of a running process (SQLite)', function () {
    let t: TestEngine;
    before(async () => {
      t = await createTestEngine('sqlite');
    });
    after(async () => t?.close());

    it('should raise CONDITION_FAILED for a runaway condition, not block the engine or route by default', async function () {
      // given
      await t.engine.deploy(
        '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://fiscal-bpm.org/test">' +
          '<bpmn:process id="runaway" isExecutable="true"><bpmn:startEvent id="start" />' +
          '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide" /><bpmn:exclusiveGateway id="decide" default="fNo" />' +
          '<bpmn:sequenceFlow id="fYes" sourceRef="decide" targetRef="yes"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">' +
          'count(for x in 1..1000000000 return x) &gt; 0</bpmn:conditionExpression></bpmn:sequenceFlow>' +
          '<bpmn:sequenceFlow id="fNo" sourceRef="decide" targetRef="no" /><bpmn:userTask id="yes" /><bpmn:userTask id="no" />' +
          '<bpmn:sequenceFlow id="f2" sourceRef="yes" targetRef="end" /><bpmn:sequenceFlow id="f3" sourceRef="no" targetRef="end" />' +
          '<bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>',
      );

      // when
      const instance = await t.engine.startInstance('runaway');

      // then
      assert.deepEqual(instance.activeElementIds, ['decide']);
      assert.deepEqual(
        instance.incidents.map((i) => i.code),
        ['CONDITION_FAILED'],
      );
      assert.match(instance.incidents[0]!.message, /fYes.*longer than/);
      assert.deepEqual(await t.openTasks(instance.id), []);
    });
  });
});
