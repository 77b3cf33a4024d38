/**
 * Which outgoing flows a token takes when its element completes: the one rule shared by the runner (runner.ts)
 * and the replay of recorded decisions (replay/), so a replay judges a history by exactly what the current build
 * would choose.
 *
 * - parallel gateway: every outgoing flow;
 * - exclusive gateway: the first flow (document order) whose condition holds, else the default;
 * - anything else (inclusive gateway, activities, events): every flow whose condition holds (unconditional
 *   ones always do), else the default.
 * No flow chosen while there are outgoing flows is an incident (NO_FLOW_MATCHED).
 */
import { IncidentError } from '../errors.js';
import type { ExecutableElement, ExecutableFlow } from '../model/types.js';

export function selectOutgoingFlows(
  element: ExecutableElement,
  flowOf: (flowId: string) => ExecutableFlow,
  holds: (flow: ExecutableFlow) => boolean,
  options: { readonly firstOnly: boolean; readonly where: string },
): string[] {
  const selected: string[] = [];
  for (const flowId of element.outgoing) {
    if (flowId === element.defaultFlowId) continue;
    const flow = flowOf(flowId);
    if (flow.condition && !holds(flow)) continue;
    selected.push(flowId);
    if (options.firstOnly) break;
  }
  if (selected.length === 0 && element.defaultFlowId) selected.push(element.defaultFlowId);
  if (selected.length === 0 && element.outgoing.length > 0) {
    throw new IncidentError(
      'NO_FLOW_MATCHED',
      `Expected at least one condition to hold, or a default flow, at ${element.bpmnType} ${element.id}, but none did (${options.where})`,
    );
  }
  return selected;
}

/** The conditional flows out of an element (the default flow's condition, if any, is never evaluated). */
export function conditionalFlows(
  element: ExecutableElement,
  flowOf: (flowId: string) => ExecutableFlow,
): ExecutableFlow[] {
  return element.outgoing
    .filter((id) => id !== element.defaultFlowId)
    .map(flowOf)
    .filter((f) => f.condition !== undefined);
}
