/**
 * The variable names a FEEL expression reads, from its syntax tree. A routing decision records the values of
 * these names (runtime/route-record.ts), so that a replay can evaluate the conditions again with the inputs the
 * decision saw, without storing the whole variable set at every gateway.
 *
 * The result is a superset: a name bound inside the expression (`some x in items satisfies x > 1`) is listed
 * too; names called as functions (`count(items)`) are not.
 */
import { parseExpression } from 'feelin';

/** Parsed once per expression source (models are compiled once and their conditions met again and again). */
const cache = new Map<string, readonly string[]>();
const CACHE_LIMIT = 10_000;

export function namesRead(source: string): readonly string[] {
  let names = cache.get(source);
  if (!names) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    names = parseNames(source);
    cache.set(source, names);
  }
  return names;
}

function parseNames(source: string): string[] {
  const names = new Set<string>();
  try {
    parseExpression(source, {}, undefined).iterate({
      enter(node) {
        if (node.type.name !== 'VariableName') return;
        const parent = node.node.parent;
        // the callee of a function invocation is a function name, not a variable
        if (parent?.type.name === 'FunctionInvocation' && parent.firstChild?.from === node.from) return;
        names.add(source.slice(node.from, node.to).trim());
      },
    });
  } catch {
    // a source the parser rejects reads nothing it can name; evaluation reports the error itself
  }
  return [...names].filter((n) => n.length > 0).sort();
}
