/**
 * Repair and change, for admins: 任意跳转 moves the tokens of a running instance to chosen elements (with a
 * reason), and migration moves a running instance to another version of its process with an element-id mapping.
 */
import { InvalidStateError, InvalidVariablesError } from '../errors.js';
import type { ExecutableProcess } from '../model/types.js';
import type { InstanceWork } from '../runtime/instance-work.js';
import type { Runner } from '../runtime/runner.js';

/** Ends the tokens at `fromElementIds` (all process-level tokens when empty) and starts tokens at `toElementIds`. */
export function moveTokens(
  work: InstanceWork,
  runner: Runner,
  fromElementIds: readonly string[],
  toElementIds: readonly string[],
  reason: string,
): void {
  if (!reason?.trim()) throw new InvalidVariablesError('A reason is required to move tokens');
  if (toElementIds.length === 0)
    throw new InvalidVariablesError('Name at least one element to move the tokens to');
  const targets = toElementIds.map((id) => runner.process.elements[id]);
  const missing = toElementIds.filter((_, i) => !targets[i]);
  if (missing.length > 0) throw new InvalidVariablesError(`Unknown elements: ${missing.join(', ')}`);
  const scopeIds = new Set(targets.map((t) => t!.scopeId));
  if (scopeIds.size !== 1 || [...scopeIds][0] !== null) {
    throw new InvalidVariablesError(
      'Tokens can be moved to elements at process level only (not inside a sub-process)',
    );
  }
  const moving = work
    .childrenOf(null)
    .filter((t) => fromElementIds.length === 0 || fromElementIds.includes(t.elementId));
  if (moving.length === 0)
    throw new InvalidStateError(`No token waits at ${fromElementIds.join(', ')}`, { reason: 'NO_TOKEN' });
  runner.event('TOKENS_MOVED', null, null, {
    from: moving.map((t) => t.elementId),
    to: toElementIds,
    reason,
  });
  for (const token of moving) runner.removeToken(token, 'canceled');
  for (const id of toElementIds) runner.spawnAt(null, id);
}

/**
 * Moves the instance to `target` (another version of the same process): every token, task, timer and
 * subscription is re-pointed through `mapping` (identity where the id exists in the new version). Refuses, and
 * changes nothing, when a waiting element has no counterpart.
 */
export function migrate(
  work: InstanceWork,
  runner: Runner,
  target: { definitionId: string; version: number; process: ExecutableProcess },
  mapping: Readonly<Record<string, string>>,
): void {
  const map = (id: string): string | undefined => {
    const mapped = Object.prototype.hasOwnProperty.call(mapping, id) ? mapping[id] : id;
    return mapped !== undefined && target.process.elements[mapped] ? mapped : undefined;
  };
  const lost = [...work.executions.values()].filter((e) => !map(e.elementId)).map((e) => e.elementId);
  const lostOthers = [
    ...[...work.jobs.values()]
      .filter((j) => j.state === 'pending' && j.instanceId === work.instance.id)
      .map((j) => j.elementId),
    ...[...work.subscriptions.values()].map((s) => s.elementId),
  ].filter((id) => !map(id) && !id.startsWith('child:'));
  if (lost.length + lostOthers.length > 0) {
    throw new InvalidStateError(
      `Migration would lose what waits at ${[...new Set([...lost, ...lostOthers])].join(', ')}: map these elements to the new version`,
      {
        reason: 'MIGRATION_LOSES_STATE',
        elements: [...new Set([...lost, ...lostOthers])],
      },
    );
  }
  const from = { definitionId: work.instance.definitionId };
  for (const e of work.executions.values()) e.elementId = map(e.elementId)!;
  for (const t of work.tasks.values()) {
    if (t.state === 'created' || t.state === 'suspended') {
      t.elementId = map(t.elementId)!;
      work.touch(t.id);
    }
  }
  for (const j of work.jobs.values()) {
    if (j.state === 'pending' && j.instanceId === work.instance.id && !j.elementId.startsWith('child:')) {
      j.elementId = map(j.elementId)!;
      work.touch(j.id);
    }
  }
  for (const s of [...work.subscriptions.values()]) {
    const moved = { ...s, elementId: map(s.elementId)!, id: runner.newId() };
    work.removeSubscription(s.id);
    work.addSubscription(moved);
  }
  work.instance.definitionId = target.definitionId;
  runner.event('INSTANCE_MIGRATED', null, null, {
    fromDefinitionId: from.definitionId,
    toDefinitionId: target.definitionId,
    toVersion: target.version,
    mapping,
  });
}
