/**
 * Replays one recorded routing decision: what the model (with the current build's flow selection and FEEL
 * evaluation) chooses at the element, given the condition inputs the history kept, compared with the flows that
 * were taken.
 */
import { IncidentError } from '../errors.js';
import { evaluateCondition } from '../expr/feel.js';
import { namesRead } from '../expr/feel-names.js';
import type { ExecutableFlow, ExecutableProcess } from '../model/types.js';
import { conditionalFlows, selectOutgoingFlows } from '../runtime/flow-selection.js';
import type { RouteRecord } from '../runtime/route-record.js';
import type { DivergenceKind } from './replay-report.js';

export type RouteOutcome =
  | { readonly verdict: 'same' }
  | {
      readonly verdict: 'differs';
      readonly kind: DivergenceKind;
      readonly replayed: readonly string[] | null;
      readonly reason: string;
    }
  | { readonly verdict: 'unverified'; readonly missing: readonly string[] };

/**
 * `recorded` is the model the decision was taken under (for where the taken flows led), `model` the one it is
 * replayed against (the same one for a plain replay).
 */
export function replayRoute(
  elementId: string,
  route: RouteRecord,
  recorded: ExecutableProcess | undefined,
  model: ExecutableProcess,
): RouteOutcome {
  const element = model.elements[elementId];
  if (!element) {
    return {
      verdict: 'differs',
      kind: 'element-missing',
      replayed: null,
      reason: `element ${elementId} is not in the model`,
    };
  }
  const flowOf = (id: string): ExecutableFlow => model.flows[id]!;
  let replayed: string[];
  if (route.trigger !== undefined) {
    if (element.kind !== 'eventBasedGateway') {
      return {
        verdict: 'differs',
        kind: 'flows-differ',
        replayed: null,
        reason: `${elementId} chose by the event ${route.trigger} that fired, but is now a ${element.bpmnType}`,
      };
    }
    replayed = element.outgoing.filter((id) => flowOf(id).targetId === route.trigger);
  } else if (element.kind === 'parallelGateway') {
    replayed = [...element.outgoing];
  } else {
    const conditions = conditionalFlows(element, flowOf);
    const known = new Set([...Object.keys(route.inputs ?? {}), ...(route.absent ?? [])]);
    const omitted = new Set(route.omitted ?? []);
    const missing = [...new Set(conditions.flatMap((f) => namesRead(f.condition!.source)))]
      .filter((name) => !known.has(name) || omitted.has(name))
      .sort();
    if (missing.length > 0) return { verdict: 'unverified', missing };
    const inputs = { ...(route.inputs ?? {}) };
    try {
      replayed = selectOutgoingFlows(
        element,
        flowOf,
        (flow) => {
          const outcome = evaluateCondition(flow.condition!.source, inputs);
          if (!outcome.ok)
            throw new IncidentError(
              'CONDITION_FAILED',
              `the condition of sequence flow ${flow.id} fails: ${outcome.reason}`,
            );
          return outcome.value;
        },
        { firstOnly: element.kind === 'exclusiveGateway', where: 'replay' },
      );
    } catch (err) {
      if (!(err instanceof IncidentError)) throw err;
      return { verdict: 'differs', kind: 'replay-failed', replayed: null, reason: err.message };
    }
  }
  if (!sameSet(replayed, route.flows)) {
    return {
      verdict: 'differs',
      kind: 'flows-differ',
      replayed,
      reason: `the model takes ${list(replayed)} where ${list(route.flows)} was taken`,
    };
  }
  for (const flowId of replayed) {
    const before = recorded?.flows[flowId]?.targetId;
    const now = flowOf(flowId).targetId;
    if (before !== undefined && before !== now) {
      return {
        verdict: 'differs',
        kind: 'target-differs',
        replayed,
        reason: `sequence flow ${flowId} led to ${before} and now leads to ${now}`,
      };
    }
  }
  return { verdict: 'same' };
}

// helpers //////

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a)].sort();
  const right = [...new Set(b)].sort();
  return left.length === right.length && left.every((x, i) => x === right[i]);
}

function list(flows: readonly string[]): string {
  return flows.length === 0 ? 'no flow' : flows.join(', ');
}
