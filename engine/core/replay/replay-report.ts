/**
 * The result of replaying an instance's recorded routing decisions against a model (replay-history.ts): how
 * many decisions were checked, each one the model would now take differently, and each one it cannot judge
 * because the history lacks an input the model's conditions read.
 */

/**
 * - `element-missing`: the element that decided (or the event that fired) is not in the model (removed or renamed);
 * - `flows-differ`: the model chooses other flows than the ones recorded (a changed condition, an added or
 *   removed flow, another gateway type);
 * - `target-differs`: a flow that was taken now leads to another element;
 * - `replay-failed`: the model cannot decide at all (a condition fails to evaluate, or none holds and there is no
 *   default: the instance would stop on an incident);
 * - `event-differs`: a boundary event or event sub-process that fired is no longer the same kind of catch (other
 *   activity, trigger type or interrupting behaviour).
 */
export type DivergenceKind =
  'element-missing' | 'flows-differ' | 'target-differs' | 'replay-failed' | 'event-differs';

export interface Divergence {
  readonly kind: DivergenceKind;
  readonly elementId: string;
  /** The history row of the decision (instance-wide order: command `seq`, row `idx`). */
  readonly seq: number;
  readonly idx: number;
  readonly at: number;
  /** What the history recorded: the flows taken (or, for an event, the element that fired). */
  readonly recorded: readonly string[];
  /** What the model chooses now; null when it cannot choose (element missing, replay failed). */
  readonly replayed: readonly string[] | null;
  readonly reason: string;
}

/** A decision the replay cannot judge: the model's conditions read variables the history did not keep. */
export interface UnverifiedDecision {
  readonly elementId: string;
  readonly seq: number;
  readonly idx: number;
  readonly recorded: readonly string[];
  /** The variables the model's conditions read that the recorded decision has no value for. */
  readonly missing: readonly string[];
}

export interface ReplayReport {
  readonly instanceId: string;
  readonly processKey: string;
  /** The definition the instance runs on (the last one, for a migrated instance). */
  readonly definitionId: string;
  /** What the history was replayed against: the instance's own definitions, or another model of the key. */
  readonly against: 'recorded' | 'other';
  /** Decisions looked at: flows chosen at elements, boundary events and event sub-processes that fired. */
  readonly decisionsChecked: number;
  readonly divergences: readonly Divergence[];
  readonly unverified: readonly UnverifiedDecision[];
  /**
   * Flows taken whose decision the history does not describe (rows written before decisions were recorded):
   * they are not checked.
   */
  readonly unrecordedFlows: number;
}
