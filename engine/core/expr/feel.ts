/**
 * FEEL expressions, through feelin. The one place the engine touches the evaluator.
 *
 * Rules (DESIGN §2): an expression may compare integer 分 amounts but never computes money;
 * a result of `null` or any evaluator warning is a failure that the caller turns into an incident,
 * never read as `false`. Only plain JSON data goes into the context (no functions, no handles).
 */
import { evaluate, isFunction, parseExpression } from 'feelin';
import { isBoundedExpression } from './feel-bounded.js';
import { evaluateInSandbox, type SandboxReply } from './feel-sandbox.js';

/** Longest expression source we accept (characters). */
export const MAX_EXPRESSION_LENGTH = 4000;

/** An expression as written in the model; a leading `=` (Zeebe's convention) is allowed and dropped. */
export interface Expression {
  readonly source: string;
}

export type EvaluationOutcome = { ok: true; value: unknown } | { ok: false; reason: string };

/** Strips the optional leading `=` and surrounding white space. */
export function normalizeExpression(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith('=') ? trimmed.slice(1).trim() : trimmed;
}

/** Returns a message when `source` is not a syntactically valid FEEL expression, otherwise undefined. */
export function checkExpressionSyntax(source: string): string | undefined {
  if (source.length === 0) return 'expression is empty';
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return `expression is ${source.length} characters long, more than the limit of ${MAX_EXPRESSION_LENGTH}`;
  }
  try {
    const tree = parseExpression(source, {}, undefined);
    let errorAt: number | undefined;
    tree.iterate({
      enter(node) {
        if (errorAt === undefined && node.type.isError) errorAt = node.from;
      },
    });
    if (errorAt !== undefined) return `FEEL syntax error at position ${errorAt} in "${source}"`;
    return undefined;
  } catch (err) {
    return `FEEL syntax error in "${source}": ${(err as Error).message}`;
  }
}

/**
 * Evaluates an expression against plain data; any warning, syntax error or throw is a failure, and so is an
 * evaluation that runs longer than EXPRESSION_TIME_LIMIT_MS or exhausts the evaluator's heap (feel-sandbox.ts).
 */
export function evaluateExpression(source: string, context: Record<string, unknown>): EvaluationOutcome {
  const reply = isBoundedExpression(source)
    ? evaluateHere(source, context)
    : evaluateInSandbox(source, context);
  if (!reply.ok) return reply;
  if (reply.warnings.length > 0) return { ok: false, reason: reply.warnings.join('; ') };
  return { ok: true, value: reply.value };
}

/** Evaluates a condition: the result must be exactly true or false. */
export function evaluateCondition(
  source: string,
  context: Record<string, unknown>,
): { ok: true; value: boolean } | { ok: false; reason: string } {
  const outcome = evaluateExpression(source, context);
  if (!outcome.ok) return outcome;
  if (typeof outcome.value !== 'boolean') {
    return {
      ok: false,
      reason: `Expected the condition "${source}" to be true or false, but it was ${describe(outcome.value)}`,
    };
  }
  return { ok: true, value: outcome.value };
}

// helpers //////

/** Evaluates an expression that cannot run away (feel-bounded.ts) on this thread, answering as the sandbox does. */
function evaluateHere(source: string, context: Record<string, unknown>): SandboxReply {
  try {
    const { value, warnings } = evaluate(source, context);
    return { ok: true, value: toPlain(value), warnings: warnings.map((w) => `${w.type}: ${w.message}`) };
  } catch (err) {
    return { ok: false, reason: String((err as Error | undefined)?.message ?? err) };
  }
}

/** A FEEL value as plain JSON data, as the sandbox returns it: functions (JS or FEEL) become null. */
function toPlain(value: unknown): unknown {
  if (value === null || value === undefined || typeof value === 'function' || isFunction(value)) return null;
  if (typeof value !== 'object') return value;
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'function' || isFunction(v) ? null : v)),
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const json = JSON.stringify(value);
  return `${typeof value} ${json.length > 200 ? `${json.slice(0, 200)}…` : json}`;
}
