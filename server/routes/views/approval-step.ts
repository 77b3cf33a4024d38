/**
 * The compiled BPMN element behind a task: its approval settings (allowed operations, field permissions) and its
 * assignment. Compiled once per deployed definition (definitions never change) and kept per engine, so the inbox
 * can show each row's operations and the task routes can apply the maker–checker rule without re-parsing XML.
 */
import { loadModel, type Engine } from '../../../engine/index.js';
import type { CompiledProcess } from './definition-diff.js';

/** One compiled element of a process, as loadModel yields it. */
export type CompiledElement = CompiledProcess['elements'][string];

/** Most definitions kept compiled per engine; the oldest is dropped beyond it. */
const MAX_CACHED = 200;

const caches = new WeakMap<Engine, Map<string, Promise<Record<string, CompiledProcess>>>>();

/** The element `elementId` of process `processKey` in definition `definitionId` (undefined if it is not there). */
export async function compiledStep(
  engine: Engine,
  definitionId: string,
  processKey: string,
  elementId: string,
): Promise<CompiledElement | undefined> {
  const processes = await compiledDefinition(engine, definitionId);
  return processes[processKey]?.elements[elementId];
}

async function compiledDefinition(
  engine: Engine,
  definitionId: string,
): Promise<Record<string, CompiledProcess>> {
  let cache = caches.get(engine);
  if (!cache) {
    cache = new Map();
    caches.set(engine, cache);
  }
  let compiled = cache.get(definitionId);
  if (!compiled) {
    compiled = (async () => {
      const loaded = await loadModel(await engine.getDefinitionXml(definitionId), { maxBytes: Infinity });
      return loaded.ok ? loaded.model.processes : {};
    })();
    cache.set(definitionId, compiled);
    compiled.catch(() => cache.delete(definitionId));
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  }
  return compiled;
}

/**
 * True when the step is the initiator's own (填报 / 修改 after a 退回): its assignee is the expression
 * `=initiator`. Every other user task is an approval step (the compiler gives every user task approval settings,
 * so their presence alone cannot tell the two apart).
 */
export function isInitiatorStep(element: CompiledElement | undefined): boolean {
  const assignee = element?.assignment?.assignee;
  return !!assignee && 'source' in assignee && assignee.source.trim() === 'initiator';
}

/** An approval step: a user task with approval settings that is not the initiator's own step. */
export function isApprovalStep(element: CompiledElement | undefined): boolean {
  return !!element && element.kind === 'userTask' && !!element.approval && !isInitiatorStep(element);
}
