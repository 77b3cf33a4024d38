/**
 * What the history keeps of a routing decision, so that a replay (replay/) can check it against the current
 * build or another model: the `route` entry of the ELEMENT_COMPLETED row of the element that chose.
 *
 * The flows taken, and — when the element evaluated conditions — the values of the variables those conditions
 * read (the decision's inputs, including token-local ones such as a multi-instance element variable). Only the
 * names the conditions read are kept, each value as it was, within a size budget: a value too large to keep is
 * named in `omitted` and a replay reports conditions reading it as unverifiable instead of guessing.
 *
 * The row lives in the existing history data column (no schema change). The timeline does not show `route`
 * (server/routes/views/history.ts), since the inputs may include fields a step hides.
 */
import { namesRead } from '../expr/feel-names.js';

export interface RouteRecord {
  /** The flows taken, in the order they were taken (empty only when the element has no outgoing flow). */
  readonly flows: readonly string[];
  /** The values of the variables the conditions read, as the decision saw them. */
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** Names the conditions read that had no value at the time. */
  readonly absent?: readonly string[];
  /** Names whose values were too large to keep. */
  readonly omitted?: readonly string[];
  /** Event-based gateway: the event that fired and so chose the flow. */
  readonly trigger?: string;
}

/** The most characters of JSON the inputs of one decision may take in the history row. */
export const MAX_ROUTE_INPUT_CHARS = 8192;

/** The inputs of a decision over `conditionSources` in `context` (the variables the token sees). */
export function routeInputs(
  conditionSources: readonly string[],
  context: Readonly<Record<string, unknown>>,
): Pick<RouteRecord, 'inputs' | 'absent' | 'omitted'> {
  const names = [...new Set(conditionSources.flatMap(namesRead))].sort();
  const inputs: Record<string, unknown> = {};
  const absent: string[] = [];
  const omitted: string[] = [];
  let budget = MAX_ROUTE_INPUT_CHARS;
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(context, name) || context[name] === undefined) {
      absent.push(name);
      continue;
    }
    const size = JSON.stringify(context[name])?.length ?? 4;
    if (size + name.length > budget) {
      omitted.push(name);
      continue;
    }
    budget -= size + name.length;
    inputs[name] = context[name];
  }
  return {
    inputs,
    ...(absent.length > 0 ? { absent } : {}),
    ...(omitted.length > 0 ? { omitted } : {}),
  };
}

/** The route entry of a history row's data, when it has a well-formed one. */
export function routeOf(data: Readonly<Record<string, unknown>> | null): RouteRecord | undefined {
  const route = data?.route as RouteRecord | undefined;
  if (!route || typeof route !== 'object' || !Array.isArray(route.flows)) return undefined;
  return route;
}
