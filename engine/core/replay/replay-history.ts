/**
 * The replayer: walks an instance's stored history and checks every recorded routing decision (the flows an
 * element chose, with the condition inputs it saw) and every event choice (boundary event, event sub-process)
 * against a model, with the current build's flow selection and FEEL evaluation. Pure: no store, no clock.
 *
 * Against the instance's own definitions it proves that the current build takes the same decisions as the
 * build that ran them (a changed evaluator or selection rule shows up as divergences). Against another model of
 * the key it answers "would this model have routed the instance the same way so far?" — the check before a new
 * version is deployed or an in-flight instance is migrated.
 *
 * A migrated instance changes definitions at its INSTANCE_MIGRATED row: earlier decisions are judged by the
 * model they were taken under (when replaying against the recorded definitions).
 */
import type { ExecutableProcess } from '../model/types.js';
import type { StoredHistoryRecord } from '../runtime/records.js';
import { routeOf } from '../runtime/route-record.js';
import { isEventChoice, replayEvent } from './replay-event.js';
import type { Divergence, ReplayReport, UnverifiedDecision } from './replay-report.js';
import { replayRoute, type RouteOutcome } from './replay-route.js';

export interface ReplayInput {
  readonly instanceId: string;
  readonly processKey: string;
  /** The definition the instance started on (before any migration). */
  readonly startDefinitionId: string;
  /** The history rows of the instance, in order (seq, idx). */
  readonly history: readonly StoredHistoryRecord[];
  /** The compiled model of each definition the instance ran on, by definition id. */
  readonly recordedModels: ReadonlyMap<string, ExecutableProcess>;
  /** Replay against this model instead of the recorded ones. */
  readonly against?: ExecutableProcess;
}

export function replayHistory(input: ReplayInput): ReplayReport {
  let definitionId = input.startDefinitionId;
  let decisionsChecked = 0;
  let flowsTaken = 0;
  let flowsDescribed = 0;
  const divergences: Divergence[] = [];
  const unverified: UnverifiedDecision[] = [];
  const rows = [...input.history].sort((a, b) => a.seq - b.seq || a.idx - b.idx);
  for (const row of rows) {
    if (row.type === 'INSTANCE_MIGRATED' && typeof row.data?.toDefinitionId === 'string') {
      definitionId = row.data.toDefinitionId;
      continue;
    }
    if (row.type === 'FLOW_TAKEN') flowsTaken++;
    if (!row.elementId) continue;
    const recorded = input.recordedModels.get(definitionId);
    const model = input.against ?? recorded;
    if (!model) throw new Error(`Expected the model of definition ${definitionId}, but it was not given`);
    let outcome: RouteOutcome | undefined;
    let choice: readonly string[] = [];
    const route = row.type === 'ELEMENT_COMPLETED' ? routeOf(row.data) : undefined;
    if (route) {
      flowsDescribed += route.flows.length;
      choice = route.flows;
      outcome = replayRoute(row.elementId, route, recorded, model);
    } else if (
      row.type === 'ELEMENT_ACTIVATED' &&
      recorded &&
      isEventChoice(recorded.elements[row.elementId])
    ) {
      choice = [row.elementId];
      outcome = replayEvent(recorded.elements[row.elementId]!, recorded, model);
    }
    if (!outcome) continue;
    decisionsChecked++;
    const at = { elementId: row.elementId, seq: row.seq, idx: row.idx };
    if (outcome.verdict === 'unverified')
      unverified.push({ ...at, recorded: choice, missing: outcome.missing });
    else if (outcome.verdict === 'differs')
      divergences.push({
        ...at,
        kind: outcome.kind,
        at: row.at,
        recorded: choice,
        replayed: outcome.replayed,
        reason: outcome.reason,
      });
  }
  return {
    instanceId: input.instanceId,
    processKey: input.processKey,
    definitionId,
    against: input.against ? 'other' : 'recorded',
    decisionsChecked,
    divergences,
    unverified,
    unrecordedFlows: Math.max(0, flowsTaken - flowsDescribed),
  };
}
