/**
 * Replays one stored instance: loads its history and the compiled model of every definition it ran on (its
 * start definition and, for a migrated instance, the ones it moved to), then runs the replayer (replay-history.ts)
 * against those, or against `against`.
 */
import { NotFoundError } from '../errors.js';
import type { ExecutableProcess } from '../model/types.js';
import type { ProcessStore } from '../ports/store.js';
import type { ReplayReport } from './replay-report.js';
import { replayHistory } from './replay-history.js';

export interface ReplaySources {
  readonly store: ProcessStore;
  /** The compiled model of a stored definition (the engine's cache). */
  readonly processFor: (definitionId: string) => Promise<ExecutableProcess>;
}

export async function replayStoredInstance(
  sources: ReplaySources,
  instanceId: string,
  against?: ExecutableProcess,
): Promise<ReplayReport> {
  const instance = await sources.store.getInstance(instanceId);
  if (!instance) throw new NotFoundError(`Process instance ${instanceId} does not exist`);
  const history = await sources.store.listHistory(instanceId);
  const migrations = history.filter((h) => h.type === 'INSTANCE_MIGRATED');
  const firstFrom = migrations[0]?.data?.fromDefinitionId;
  const startDefinitionId = typeof firstFrom === 'string' ? firstFrom : instance.definitionId;
  const definitionIds = new Set([startDefinitionId, instance.definitionId]);
  for (const m of migrations) {
    if (typeof m.data?.toDefinitionId === 'string') definitionIds.add(m.data.toDefinitionId);
  }
  const recordedModels = new Map<string, ExecutableProcess>();
  for (const id of definitionIds) recordedModels.set(id, await sources.processFor(id));
  return replayHistory({
    instanceId,
    processKey: instance.processKey,
    startDefinitionId,
    history,
    recordedModels,
    ...(against ? { against } : {}),
  });
}
