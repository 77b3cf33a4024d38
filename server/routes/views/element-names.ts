/**
 * Element names and types of a deployed definition, for history views (history rows carry element ids only).
 * Definitions never change once deployed, so each is compiled once and kept (bounded).
 */
import type { Engine } from '../../../engine/index.js';
import { compiledProcesses } from './definition-diff.js';

export interface ElementInfo {
  readonly name: string | null;
  readonly type: string;
}

const MAX_CACHED = 200;
const cache = new Map<string, Promise<ReadonlyMap<string, ElementInfo>>>();

/** id → name and BPMN type of every flow node of the definition's process (empty if it no longer compiles). */
export function elementInfoOf(
  engine: Engine,
  definitionId: string,
  processKey: string,
): Promise<ReadonlyMap<string, ElementInfo>> {
  let hit = cache.get(definitionId);
  if (!hit) {
    hit = load(engine, definitionId, processKey);
    hit.catch(() => cache.delete(definitionId));
    cache.set(definitionId, hit);
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  }
  return hit;
}

async function load(
  engine: Engine,
  definitionId: string,
  processKey: string,
): Promise<ReadonlyMap<string, ElementInfo>> {
  // deployed XML passed the size limit at deploy time: do not refuse it here under a smaller default
  const processes = await compiledProcesses(await engine.getDefinitionXml(definitionId), 64 * 1024 * 1024);
  const process = processes?.[processKey];
  const info = new Map<string, ElementInfo>();
  for (const e of Object.values(process?.elements ?? {}))
    info.set(e.id, { name: e.name ?? null, type: e.bpmnType });
  return info;
}
