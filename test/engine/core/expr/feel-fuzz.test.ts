/**
 * FEEL fuzzing (reliability.md §4.2, test plan item 18). Random expression trees (literals, names such as
 * `constructor`, `__proto__`, `prototype`, `process`, `this`, `globalThis`, `require`, paths, builtin calls,
 * ranges up to 1..1000000000, `for`/`some`/`every`, function definitions, deep nesting, 1 MB strings) go
 *  (a) through the engine's evaluation API (engine/core/expr/feel.ts) directly, and
 *  (b) into the gateway condition and the assignee rule of a deployed process run by the engine on SQLite.
 * Asserted: nothing throws; a value is only ever FEEL data (null, boolean, number, string, arrays, plain objects;
 * dates come back as ISO strings), never a JS function, global or host object; every evaluation ends within the
 * time limit (runaways are stopped by the sandbox, engine/core/expr/feel-sandbox.ts); a condition that is not
 * true/false never routes (an incident, no task); an assignee rule yields a user id, no assignee (null) or an
 * incident; Object.prototype stays clean.
 *
 * Seeded: FUZZ_SEED (printed in failures); FUZZ_RUNS scales the number of expressions.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checkExpressionSyntax,
  evaluateCondition,
  evaluateExpression,
  MAX_EXPRESSION_LENGTH,
  normalizeExpression,
} from '../../../../engine/core/expr/feel.js';
import { BOOT_TIME_LIMIT_MS, EXPRESSION_TIME_LIMIT_MS } from '../../../../engine/core/expr/feel-sandbox.js';
import { createTestEngine, type TestEngine } from '../../../helpers/engine-harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
/** Through the engine: deploy + start per expression, so fewer. */
const ENGINE_RUNS = Math.max(20, Math.floor(RUNS / 2));

/**
 * The hard bound on one evaluation, wall clock: the time limit, plus (right after a runaway, when no spare worker is
 * ready) waiting for a fresh worker to start, which on a 2-core machine under heavy load takes seconds. Typical
 * figures (p50, p99) are printed.
 */
const MAX_EVALUATION_MS = EXPRESSION_TIME_LIMIT_MS + BOOT_TIME_LIMIT_MS;

const ONE_MB = 'x'.repeat(1024 * 1024);

/** The data the expressions see (plain JSON, as the engine passes it). */
const CONTEXT: Record<string, unknown> = {
  amountFen: 12_345,
  kind: 'a',
  list: [1, 2, 3],
  names: ['zhongmou.school1.clerk', 'henan.admin'],
  ctx: { a: 1, b: 'x', nested: { deep: [true, null] } },
  empty: null,
  flag: true,
  when: '2026-03-02',
};

// generated expressions //////

const HOSTILE_NAMES = [
  'constructor',
  '__proto__',
  'prototype',
  'process',
  'this',
  'globalThis',
  'require',
  'module',
  'global',
  'Function',
  'eval',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
];
const DATA_NAMES = ['amountFen', 'kind', 'list', 'names', 'ctx', 'empty', 'flag', 'when', 'missing'];

const literal = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.constantFrom('0', '-0', '1.5', '0.1', '9007199254740993', '1000000000000000000000', '.5'),
  fc.string({ maxLength: 12, unit: 'grapheme-ascii' }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"中文"', '"\\u0000"', '"__proto__"', '"constructor"', '"\\""'),
  fc.constantFrom('true', 'false', 'null'),
  fc.constantFrom('date("2026-01-01")', 'duration("P1D")', '@"2026-01-01T10:00:00Z"', 'now()', 'today()'),
);
const name = fc.constantFrom(...DATA_NAMES, ...HOSTILE_NAMES);
const range = fc.oneof(
  { arbitrary: fc.constantFrom('1..10', '1..200', '-5..5', '10..1', '"a".."z"', '1..3'), weight: 12 },
  { arbitrary: fc.constantFrom('1..1000000000', '1..amountFen'), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: -10, max: 10 }), fc.integer({ min: -10, max: 100 }))
      .map(([a, b]) => `${a}..${b}`),
    weight: 6,
  },
);
const BUILTINS: [string, number][] = [
  ['count', 1],
  ['sum', 1],
  ['min', 1],
  ['max', 1],
  ['string length', 1],
  ['upper case', 1],
  ['string', 1],
  ['number', 1],
  ['not', 1],
  ['is defined', 1],
  ['abs', 1],
  ['floor', 1],
  ['contains', 2],
  ['starts with', 2],
  ['list contains', 2],
  ['append', 2],
  ['concatenate', 2],
  ['substring', 2],
  ['get value', 2],
  ['get entries', 1],
  ['context put', 3],
  ['sort', 1],
  ['distinct values', 1],
  ['flatten', 1],
  ['reverse', 1],
  ['matches', 2],
  ['replace', 3],
  ['split', 2],
  ['string join', 2],
  ['date', 1],
  ['decimal', 2],
  ['modulo', 2],
];

const { expression } = fc.letrec<{ expression: string }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    name,
    name,
    fc
      .tuple(tie('expression'), fc.constantFrom(...DATA_NAMES, ...HOSTILE_NAMES, 'a', 'nested', 'deep'))
      .map(([e, n]) => `(${e}).${n}`),
    fc
      .tuple(
        tie('expression'),
        fc.constantFrom('+', '-', '*', '/', '**', '=', '!=', '<', '>=', 'and', 'or'),
        tie('expression'),
      )
      .map(([a, op, b]) => `(${a}) ${op} (${b})`),
    fc
      .tuple(fc.constantFrom(...BUILTINS), fc.array(tie('expression'), { maxLength: 3 }))
      .map(
        ([[fn, arity], args]) =>
          `${fn}(${Array.from({ length: arity }, (_, i) => args[i] ?? 'list').join(', ')})`,
      ),
    fc.tuple(range, tie('expression')).map(([r, e]) => `for x in ${r} return ${e}`),
    fc.tuple(range, range, tie('expression')).map(([r, s, e]) => `for x in ${r}, y in ${s} return ${e}`),
    fc
      .tuple(fc.constantFrom('some', 'every'), range, tie('expression'))
      .map(([q, r, e]) => `${q} x in ${r} satisfies ${e}`),
    fc
      .tuple(tie('expression'), tie('expression'), tie('expression'))
      .map(([c, a, b]) => `if ${c} then ${a} else ${b}`),
    fc.array(tie('expression'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
    fc
      .array(
        fc.tuple(fc.constantFrom('a', '"b c"', '__proto__', 'constructor', 'prototype'), tie('expression')),
        {
          maxLength: 3,
        },
      )
      .map((entries) => `{${entries.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    tie('expression').map((e) => `function(a) ${e}`),
    tie('expression').map((e) => `{f: function(n) ${e}}.f(3)`),
    fc.tuple(tie('expression'), tie('expression')).map(([l, f]) => `(${l})[${f}]`),
    range.map((r) => `[${r}]`),
    fc.tuple(tie('expression'), range).map(([e, r]) => `(${e}) in [${r}]`),
    tie('expression').map((e) => `(${e}) instance of string`),
  ),
}));

/** Hand-written hostile cases, always included. */
const HOSTILE_EXPRESSIONS = [
  'constructor',
  '__proto__',
  'prototype',
  'process',
  'process.env',
  'process.mainModule',
  'this',
  'globalThis',
  'require',
  'require("fs")',
  'ctx.constructor',
  'ctx.__proto__',
  'ctx.constructor.constructor("return process")()',
  '"".constructor',
  'list.constructor',
  'get value(ctx, "constructor")',
  'get value(ctx, "__proto__")',
  'context put(ctx, "__proto__", {polluted: true})',
  'context put({}, "constructor", 1).constructor',
  '{__proto__: {polluted: true}}',
  '{constructor: 1}.constructor',
  'count',
  '[count, sum]',
  '{f: count}',
  'function(a) a',
  'string(function(a) a)',
  'count(for x in 1..1000000000 return x)',
  'sum(for x in 1..1000000000 return x)',
  'for a in 1..1000, b in 1..1000, c in 1..1000 return 1',
  'some x in 1..1000000000 satisfies x < 0',
  'every x in 1..1000000000 satisfies x > 0',
  '{f: function(n) if n = 0 then 0 else f(n - 1) + f(n - 1)}.f(40)',
  '{f: function(n) f(n + 1)}.f(0)',
  'matches("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "^(a+)+$")',
  `string length("${ONE_MB}")`,
  'string length(big)',
  'upper case(big)',
  'count(split(big, ""))',
  'string join(for x in 1..200000 return big, "")',
  `${'('.repeat(1000)}1${')'.repeat(1000)}`,
  `${'['.repeat(1000)}1${']'.repeat(1000)}`,
  `${'-'.repeat(5000)}1`,
  `${'not('.repeat(500)}true${')'.repeat(500)}`,
  `${'if true then '.repeat(500)}1${' else 0'.repeat(500)}`,
  '1 / 0',
  '0 / 0',
  '10 ** 400',
  '-(10 ** 400)',
  'date("2026-13-45")',
  'duration("P999999999999Y")',
];

// checks //////

/** Asserts `value` is FEEL data all the way down: no function, no host object, no foreign prototype. */
function assertFeelData(value: unknown, where: string, path = '$'): void {
  if (value === null) return;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return;
    case 'number':
      assert.ok(!Number.isNaN(value), `${where}: NaN at ${path}`);
      return;
    case 'object': {
      const proto = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        assert.equal(proto, Array.prototype, `${where}: foreign array at ${path}`);
        value.forEach((item, i) => assertFeelData(item, where, `${path}[${i}]`));
        return;
      }
      assert.ok(proto === Object.prototype || proto === null, `${where}: host object at ${path}`);
      for (const key of Reflect.ownKeys(value)) {
        assert.equal(typeof key, 'string', `${where}: symbol key at ${path}`);
        const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
        assert.ok(!descriptor.get && !descriptor.set, `${where}: accessor at ${path}.${String(key)}`);
        assertFeelData(descriptor.value, where, `${path}.${String(key)}`);
      }
      return;
    }
    default:
      assert.fail(`${where}: ${typeof value} at ${path}`);
  }
}

function assertClean(where: string): void {
  assert.deepEqual(Object.keys(Object.prototype), [], `${where}: Object.prototype polluted`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, `${where}: polluted`);
}

function timed<T>(fn: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = fn();
  return { result, ms: performance.now() - started };
}

/** Evaluates through the API, asserting the contract; returns the outcome and its time. */
function checkDirect(source: string, context: Record<string, unknown>) {
  const where = `[seed ${SEED}] ${source.length > 300 ? `${source.slice(0, 300)}… (${source.length} chars)` : source}`;
  const { result: outcome, ms } = timed(() => evaluateExpression(source, context));
  assert.ok(ms < MAX_EVALUATION_MS, `${where}: took ${ms.toFixed(0)} ms`);
  if (outcome.ok) assertFeelData(outcome.value, where);
  else assert.ok(typeof outcome.reason === 'string' && outcome.reason.length > 0, `${where}: no reason`);

  // a runaway is not run a second time as a condition (it would only cost the time limit again)
  const condition =
    outcome.ok || !/longer than/.test(outcome.reason) ? evaluateCondition(source, context) : outcome;
  if (condition.ok) assert.equal(typeof condition.value, 'boolean', `${where}: condition not boolean`);
  assertClean(where);
  return { outcome, ms };
}

// the suite //////

describe(`expr/feel: fuzzing FEEL evaluation (seed ${SEED})`, function () {
  this.timeout(Math.max(120_000, RUNS * 200));
  const contextWithBig = { ...CONTEXT, big: ONE_MB };

  it('should contain every hostile expression: no host value, no pollution, runaways stopped in time', function () {
    const stopped: string[] = [];
    for (const source of HOSTILE_EXPRESSIONS) {
      // warm the worker first, so the time measured is the expression's own
      evaluateExpression('1', {});
      const { outcome, ms } = checkDirect(source, contextWithBig);
      if (!outcome.ok && /longer than/.test(outcome.reason)) {
        stopped.push(source.slice(0, 60));
        assert.ok(
          ms < EXPRESSION_TIME_LIMIT_MS + 1500,
          `runaway ${source.slice(0, 60)} stopped after ${ms.toFixed(0)} ms`,
        );
      }
    }
    // the known runaways are the ones stopped
    for (const runaway of [
      'count(for x in 1..1000000000 return x)',
      'for a in 1..1000, b in 1..1000, c in 1..1000 return 1',
      '{f: function(n) if n = 0 then 0 else f(n - 1) + f(n - 1)}.f(40)',
      'matches("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "^(a+)+$")',
    ])
      assert.ok(
        stopped.includes(runaway.slice(0, 60)),
        `${runaway} was not stopped: ${JSON.stringify(stopped)}`,
      );
    console.log(
      `      ${stopped.length} of ${HOSTILE_EXPRESSIONS.length} hostile expressions stopped at the time limit`,
    );
  });

  it('should keep the host out of reach: names, paths and context functions resolve to nothing', function () {
    for (const source of [
      'process',
      'globalThis',
      'this',
      'require',
      'constructor',
      '__proto__',
      'ctx.constructor',
    ]) {
      const outcome = evaluateExpression(source, CONTEXT);
      assert.ok(!outcome.ok || outcome.value === null, `${source} → ${JSON.stringify(outcome)}`);
    }
    for (const source of ['count', 'function(a) a', '{f: function(a) a}.f']) {
      const outcome = evaluateExpression(source, CONTEXT);
      assert.deepEqual(outcome, { ok: true, value: null }, source);
    }
  });

  it('should never return host values or hang on generated expressions', function () {
    const figures = { ok: 0, failed: 0, stopped: 0, times: [] as number[] };
    fc.assert(
      fc.property(expression, (source) => {
        const { outcome, ms } = checkDirect(source, CONTEXT);
        figures.times.push(ms);
        if (outcome.ok) figures.ok++;
        else if (/longer than/.test(outcome.reason)) figures.stopped++;
        else figures.failed++;
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    const sorted = figures.times.sort((a, b) => a - b);
    console.log(
      `      ${RUNS} expressions: ${figures.ok} values, ${figures.failed} failures, ${figures.stopped} stopped; ` +
        `p50 ${sorted[Math.floor(RUNS / 2)]!.toFixed(2)} ms, p99 ${sorted[Math.ceil(RUNS * 0.99) - 1]!.toFixed(1)} ms, ` +
        `max ${sorted.at(-1)!.toFixed(0)} ms`,
    );
    assert.ok(figures.ok > RUNS / 10, 'the generator should produce a fair share of evaluable expressions');
  });

  describe('through the engine (SQLite): gateway conditions and assignee rules', function () {
    let t: TestEngine;
    before(async () => {
      t = await createTestEngine('sqlite');
    });
    after(async () => t?.close());

    it('should route only on true/false, raise an incident otherwise, and assign only user ids', async function () {
      const figures = {
        routedYes: 0,
        routedDefault: 0,
        conditionIncidents: 0,
        assigned: 0,
        unassigned: 0,
        assigneeIncidents: 0,
        refused: 0,
      };
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            expression,
            // boolean-shaped wrappers, so a fair share of conditions route rather than fail
            expression.map((e) => `(${e}) = null`),
            expression.map((e) => `list contains(list, ${e})`),
            expression.map((e) => `(${e}) instance of string`),
            fc.constantFrom(...HOSTILE_EXPRESSIONS.filter((e) => e.length < MAX_EXPRESSION_LENGTH)),
          ),
          fc.oneof(
            expression,
            fc.constantFrom(
              'initiator',
              '"henan.admin"',
              'names[1]',
              'kind',
              '"x" + 1',
              'constructor',
              'missing',
            ),
          ),
          async (condition, assignee) => {
            const key = `feelFuzz${n++}`;
            const where = `[seed ${SEED}] condition ${condition.slice(0, 200)} / assignee ${assignee.slice(0, 200)}`;
            const xml = gatewayModel(key, condition, assignee);
            const syntaxOk =
              checkExpressionSyntax(normalizeExpression(condition)) === undefined &&
              checkExpressionSyntax(normalizeExpression(assignee)) === undefined;
            let deployed = true;
            try {
              await t.engine.deploy(xml);
            } catch (err) {
              deployed = false;
              assert.equal((err as { code?: string }).code, 'VALIDATION_FAILED', `${where}: ${String(err)}`);
            }
            assert.equal(deployed, syntaxOk, `${where}: deploy and the syntax check disagree`);
            if (!deployed) {
              figures.refused++;
              return;
            }

            const instance = await t.engine.startInstance(key, {
              variables: { ...CONTEXT },
              initiator: 'zhongmou.school1.clerk',
            });
            assertClean(where);
            const tasks = await t.engine.listTasks({ instanceId: instance.id });
            const incidents = instance.incidents.filter((i) => i.state === 'open');
            const expected = evaluateCondition(condition, {
              ...CONTEXT,
              initiator: 'zhongmou.school1.clerk',
            });

            if (incidents.some((i) => i.code === 'CONDITION_FAILED')) {
              // never routed: no task anywhere, the token waits at the gateway
              figures.conditionIncidents++;
              assert.deepEqual(tasks, [], `${where}: a task despite the failed condition`);
              assert.deepEqual(instance.activeElementIds, ['decide'], where);
              const stopped = incidents.some((i) => /longer than/.test(i.message));
              assert.ok(
                !expected.ok || stopped || /now|today/.test(condition),
                `${where}: API says ${JSON.stringify(expected)}`,
              );
              return;
            }
            // the condition was true or false, and the engine followed it
            assert.ok(
              expected.ok || /longer than/.test(expected.reason),
              `${where}: API failed (${JSON.stringify(expected)}) but the engine routed`,
            );
            const at = instance.activeElementIds;
            assert.equal(at.length, 1, `${where}: ${JSON.stringify(at)}`);
            if (expected.ok && !/now|today/.test(condition))
              assert.deepEqual(at, [expected.value ? 'yes' : 'no'], where);
            if (at[0] === 'yes') figures.routedYes++;
            else figures.routedDefault++;

            if (incidents.length > 0) {
              figures.assigneeIncidents++;
              assert.deepEqual(
                incidents.map((i) => i.code),
                ['EXPRESSION_FAILED'],
                where,
              );
              assert.deepEqual(tasks, [], `${where}: a task despite the failed assignee rule`);
              return;
            }
            assert.equal(tasks.length, 1, `${where}: ${tasks.length} tasks`);
            const task = tasks[0]!;
            if (task.assignee === null) figures.unassigned++;
            else {
              figures.assigned++;
              assert.ok(
                task.assignee.length > 0 && task.assignee.length <= 64,
                `${where}: assignee ${task.assignee}`,
              );
            }
          },
        ),
        { numRuns: ENGINE_RUNS, seed: SEED + 1, endOnFailure: true },
      );
      console.log(`      ${ENGINE_RUNS} processes through the engine: ${JSON.stringify(figures)}`);
    });
  });
});

/** start → exclusive gateway (condition on `yes`, `no` the default) → a user task with the assignee rule → end. */
function gatewayModel(key: string, condition: string, assignee: string): string {
  const escape = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" ' +
    `id="defs" targetNamespace="http://fiscal-bpm.org/test"><bpmn:process id="${key}" isExecutable="true">` +
    '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide" />' +
    '<bpmn:exclusiveGateway id="decide" default="fNo" />' +
    `<bpmn:sequenceFlow id="fYes" sourceRef="decide" targetRef="yes"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>` +
    '<bpmn:sequenceFlow id="fNo" sourceRef="decide" targetRef="no" />' +
    `<bpmn:userTask id="yes" fiscal:assignee="=${escape(assignee)}" /><bpmn:userTask id="no" fiscal:assignee="=${escape(assignee)}" />` +
    '<bpmn:sequenceFlow id="f2" sourceRef="yes" targetRef="end" /><bpmn:sequenceFlow id="f3" sourceRef="no" targetRef="end" />' +
    '<bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>'
  );
}
