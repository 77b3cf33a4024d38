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
 * `=initiator`.
 */
export function isInitiatorStep(element: CompiledElement | undefined): boolean {
  const assignee = element?.assignment?.assignee;
  return !!assignee && 'source' in assignee && assignee.source.trim() === 'initiator';
}

/** The roles that check (审核, 审批); a step routed to them is an approval. 经办人 (clerk) steps are a maker's. */
export const CHECKER_ROLES: readonly string[] = [
  'reviewer',
  'chief',
  'deputy_director',
  'director',
  'process_admin',
];

/**
 * An approval step, where maker–checker applies. Approvals: votes (multi-instance: 会签, 或签, 依次, 比例), steps
 * routed to a checking role, and steps whose designer named the approvers (literal users, or no assignment at
 * all). Not approvals: the initiator's own step (`=initiator`), steps of the 经办人 role only (录入, 修改重新提交,
 * 查询), steps the process hands to a party it computed (a FEEL assignee such as `=issuedBy`), and steps whose
 * designer explicitly lets the initiator approve (`fiscal:ifInitiatorIsApprover="approve"`).
 */
export function isApprovalStep(element: CompiledElement | undefined): boolean {
  if (!element || element.kind !== 'userTask' || isInitiatorStep(element)) return false;
  const assignment = element.assignment;
  if (assignment?.ifInitiatorIsApprover === 'approve') return false;
  if (element.multiInstance) return true;
  const roles = assignment?.candidateRoles ?? [];
  if (roles.length > 0) return roles.some((role) => CHECKER_ROLES.includes(role));
  const computed = (rule: unknown) => !!rule && typeof rule === 'object' && 'source' in rule;
  if (computed(assignment?.assignee) || computed(assignment?.candidateUsers)) return false;
  return true;
}
