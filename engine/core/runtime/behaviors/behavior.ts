/**
 * The behavior contract: one stateless object per BPMN element kind.
 *
 * - `activate(runner, token)` runs when a token arrives at the element. It either moves the token on
 *   (`runner.leave`, `runner.takeOutgoing`), makes it wait (`runner.wait` plus a task or job), joins, or
 *   ends it. It throws IncidentError when it cannot decide (a condition fails); the runner parks the token.
 *   Evaluate everything that can fail BEFORE recording any change.
 * - `afterJoin(runner, token)` (inclusive gateways) runs when the runner fires a join that waited.
 *
 * Resuming a wait state (task completed, job done) is the executor's command, not the behavior's:
 * it calls `runner.resume(token, () => runner.takeOutgoing(token))`.
 */
import type { Runner } from '../runner.js';
import type { ExecutionRecord } from '../records.js';

export interface Behavior {
  activate(runner: Runner, token: ExecutionRecord): void;
  afterJoin?(runner: Runner, token: ExecutionRecord): void;
}
