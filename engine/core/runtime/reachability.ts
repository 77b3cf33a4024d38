/**
 * "Can a token at A still arrive at B?" for inclusive joins. Searches the sequence flows of the model
 * without passing through B itself (a path that loops back through the join does not hold it open).
 * Results are cached per process object, which is immutable.
 */
import type { ExecutableProcess } from '../model/types.js';

const cache = new WeakMap<ExecutableProcess, Map<string, boolean>>();

export function canReach(process: ExecutableProcess, fromId: string, targetId: string): boolean {
  if (fromId === targetId) return true;
  let memo = cache.get(process);
  if (!memo) cache.set(process, (memo = new Map()));
  const key = `${fromId}\u0000${targetId}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const seen = new Set<string>([fromId]);
  const stack = [fromId];
  let found = false;
  while (stack.length > 0 && !found) {
    const element = process.elements[stack.pop()!];
    if (!element) continue;
    for (const flowId of element.outgoing) {
      const next = process.flows[flowId]?.targetId;
      if (next === undefined || seen.has(next)) continue;
      if (next === targetId) {
        found = true;
        break;
      }
      seen.add(next);
      stack.push(next);
    }
  }
  memo.set(key, found);
  return found;
}
