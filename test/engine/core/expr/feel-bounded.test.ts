/**
 * Straight-line FEEL is evaluated on the engine's thread, everything else in the sandbox (feel-bounded.ts). The
 * split must never change an answer, and nothing that can run away, reach the host or use a regular expression
 * may take the short way.
 */
import assert from 'node:assert/strict';
import { isBoundedExpression } from '../../../../engine/core/expr/feel-bounded.js';
import { evaluateExpression } from '../../../../engine/core/expr/feel.js';
import { evaluateInSandbox } from '../../../../engine/core/expr/feel-sandbox.js';

const CONTEXT = {
  amountFen: 1_250_000,
  level: 'county',
  urgent: true,
  items: [1, 2, 3],
  unit: { code: '410122001', name: '中牟县教育局' },
  dueAt: '2026-03-02T09:00:00Z',
  nothing: null,
};

/** Expressions of the kind workflow models hold: evaluated here. */
const STRAIGHT = [
  'amountFen >= 1000000',
  'amountFen < 1000000',
  'level = "county" and urgent',
  'not(urgent) or level != "province"',
  'if amountFen > 500000 then "大额" else "小额"',
  'amountFen between 100 and 2000000',
  'level in ("county", "city")',
  'unit.code',
  'string length(unit.name) > 3',
  'upper case(level)',
  'starts with(unit.code, "4101")',
  'count(items) = 3 and sum(items) = 6',
  'date and time(dueAt) > date and time("2026-01-01T00:00:00Z")',
  'date("2026-03-02") + duration("P1D")',
  'amountFen / 100',
  'missing = null',
  'nothing',
  'is defined(missing)',
  '-amountFen * 2',
  'amountFen instance of number',
  '"a" + 1',
  'substring("abc", 2)',
];

/** Expressions that can run away, reach the host, use a regular expression, or are not plain: the sandbox. */
const GUARDED = [
  'count(for x in 1..1000000000 return x)',
  'some x in items satisfies x > 2',
  'every x in [1..3] satisfies x > 0',
  'items[item > 1]',
  'amountFen in [1..5]',
  '{f: function(n) n}.f(1)',
  'function(a) a',
  'matches(level, "^(a+)+$")',
  'replace(level, "c", "k")',
  'split(level, "")',
  'string join(["a"], "b")',
  '{a: 1}.a',
  '[1, 2, 3]',
  'unit.constructor',
  '__proto__',
  'unit.prototype = null',
  'decimal(1, 2)',
  'amountFen >= ',
  `${'a + '.repeat(200)}1`,
];

describe('expr/feel-bounded: straight-line expressions skip the sandbox', function () {
  this.timeout(30_000);

  it('takes the short way only for straight-line expressions', function () {
    for (const source of STRAIGHT) assert.equal(isBoundedExpression(source), true, source);
    for (const source of GUARDED) assert.equal(isBoundedExpression(source), false, source);
  });

  it('answers exactly as the sandbox does, values, nulls, warnings and errors alike', function () {
    for (const source of STRAIGHT) {
      const sandboxed = evaluateInSandbox(source, CONTEXT);
      const expected = !sandboxed.ok
        ? sandboxed
        : sandboxed.warnings.length > 0
          ? { ok: false, reason: sandboxed.warnings.join('; ') }
          : { ok: true, value: sandboxed.value };
      assert.deepEqual(evaluateExpression(source, CONTEXT), expected, source);
    }
    assert.deepEqual(evaluateExpression('amountFen >= 1000000', CONTEXT), { ok: true, value: true });
    // feelin's warnings (an unknown name, a type mismatch) are failures on either way
    assert.match(
      String((evaluateExpression('missing = null', CONTEXT) as { reason: string }).reason),
      /missing/,
    );
    assert.equal(evaluateExpression('"a" + 1', CONTEXT).ok, false);
  });
});
