/**
 * Which FEEL expressions are safe to evaluate on the engine's own thread. The sandbox (feel-sandbox.ts) bounds
 * runaway evaluations, but every evaluation there blocks the caller for a message round trip and a thread
 * wake-up. Most expressions of a finance workflow — `amountFen >= 1000000`, `level = "county" and urgent`,
 * `if x > 0 then "a" else "b"` — cannot run away: without iteration (`for`, `some`, `every`, filters), ranges,
 * function definitions, regular expressions or context literals, an evaluation takes time linear in its source
 * and its inputs. Those are evaluated here; anything else, or anything unknown, goes to the sandbox.
 *
 * The check is an allow-list over feelin's syntax tree: a node type or built-in function not named below sends
 * the expression to the sandbox, so a new construct of a later feelin is bounded by default.
 */
import { parseExpression } from 'feelin';

/** Syntax nodes of straight-line expressions: names and paths, literals, comparisons, arithmetic, logic, if. */
const BOUNDED_NODES = new Set([
  'Expression',
  'ParenthesizedExpression',
  'VariableName',
  'Identifier',
  'Name',
  'PathExpression',
  'PathName',
  'NumericLiteral',
  'StringLiteral',
  'BooleanLiteral',
  'true',
  'false',
  'null',
  'DateTimeLiteral',
  'AtLiteral',
  'DateTimeConstructor',
  'date',
  'time',
  'date and time',
  'duration',
  'Comparison',
  'CompareOp',
  'between',
  'in',
  'PositiveUnaryTests',
  'PositiveUnaryTest',
  'ArithmeticExpression',
  'ArithOp',
  'Disjunction',
  'Conjunction',
  'and',
  'or',
  'IfExpression',
  'if',
  'then',
  'else',
  'InstanceOfExpression',
  'instance',
  'of',
  'Type',
  'QualifiedName',
  'FunctionInvocation',
  'PositionalParameters',
  'NamedParameters',
  'NamedParameter',
  'ParameterName',
  '(',
  ')',
  ',',
  '.',
  ':',
  '-',
]);

/** Built-in functions whose time is linear in their arguments (no regular expressions, no generated lists). */
const BOUNDED_FUNCTIONS = new Set([
  'not',
  'is defined',
  'get value',
  'string',
  'number',
  'string length',
  'upper case',
  'lower case',
  'substring',
  'substring before',
  'substring after',
  'contains',
  'starts with',
  'ends with',
  'count',
  'sum',
  'min',
  'max',
  'mean',
  'list contains',
  'abs',
  'floor',
  'ceiling',
  'odd',
  'even',
  'date',
  'time',
  'date and time',
  'duration',
  'years and months duration',
  'now',
  'today',
  'day of week',
  'month of year',
]);

/** Names that would reach a JavaScript object's machinery rather than data. */
const HOST_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** The longest source checked here; longer ones go to the sandbox. */
const MAX_BOUNDED_LENGTH = 500;

/** Verdicts by source (expressions of deployed models repeat; the map is cleared when it grows large). */
const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 5000;

/** Whether `source` can be evaluated on the caller's thread (see the file comment). */
export function isBoundedExpression(source: string): boolean {
  const known = verdicts.get(source);
  if (known !== undefined) return known;
  const verdict = check(source);
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(source, verdict);
  return verdict;
}

function check(source: string): boolean {
  if (source.length > MAX_BOUNDED_LENGTH) return false;
  let bounded = true;
  try {
    parseExpression(source, {}, undefined).iterate({
      enter(node) {
        if (!bounded) return false;
        const name = node.type.name;
        if (node.type.isError || !BOUNDED_NODES.has(name)) bounded = false;
        else if (name === 'Identifier' || name === 'PathName' || name === 'Name') {
          if (HOST_NAMES.has(source.slice(node.from, node.to).trim())) bounded = false;
        } else if (name === 'FunctionInvocation') {
          const callee = node.node.firstChild;
          const calleeName = callee ? source.slice(callee.from, callee.to).trim() : '';
          if (callee?.type.name !== 'VariableName' || !BOUNDED_FUNCTIONS.has(calleeName)) bounded = false;
        }
        return bounded;
      },
    });
  } catch {
    return false;
  }
  return bounded;
}
