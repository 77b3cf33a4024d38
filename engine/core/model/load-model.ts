/**
 * The one entry point from BPMN text to an executable model: parse (under input limits) → validate → compile.
 * Returns every problem found instead of throwing, so a deploy endpoint or the CLI can show them all at once.
 */
import { compileDefinitions } from './compile.js';
import type { ModelLimits } from './limits.js';
import { parseBpmn } from './parse.js';
import type { Problem } from './problem.js';
import type { BpmnElement } from './rules/rule.js';
import type { ExecutableModel } from './types.js';
import { sortProblems, validateDefinitions } from './validate.js';

export type LoadModelResult =
  | { readonly ok: true; readonly model: ExecutableModel; readonly definitions: BpmnElement }
  | { readonly ok: false; readonly problems: Problem[] };

/** Rule id of the problem reported when validation or compilation fails unexpectedly (a bug, not the input). */
export const INTERNAL_ERROR_RULE = 'internal-error';

/**
 * Parses, validates and compiles a BPMN file. `ok: false` carries every problem (limits, XML, parser warnings
 * and rule violations); `ok: true` means the model is deployable as is.
 */
export async function loadModel(
  input: string | Uint8Array,
  limits?: Partial<ModelLimits>,
): Promise<LoadModelResult> {
  const parsed = await parseBpmn(input, limits);
  const { definitions } = parsed;
  if (!definitions) return { ok: false, problems: parsed.problems };

  let problems: Problem[];
  try {
    problems = sortProblems([...parsed.problems, ...validateDefinitions(definitions)]);
  } catch (err) {
    return { ok: false, problems: [...parsed.problems, internalError('validating', err)] };
  }
  if (problems.length > 0) return { ok: false, problems };

  try {
    return { ok: true, model: compileDefinitions(definitions), definitions };
  } catch (err) {
    return { ok: false, problems: [internalError('compiling', err)] };
  }
}

/** One problem as a line: `<file>: <elementId> (<type>): <message>`, control characters flattened. */
export function formatProblem(file: string, problem: Problem): string {
  return flat(`${file}: ${problem.elementId} (${problem.elementType}): ${problem.message}`);
}

// helpers //////

function internalError(step: string, err: unknown): Problem {
  const message = err instanceof Error ? err.message : String(err);
  return {
    elementId: '-',
    elementType: '-',
    rule: INTERNAL_ERROR_RULE,
    message: `internal error while ${step} the model: ${message}`,
  };
}

function flat(line: string): string {
  return line.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}
