/**
 * The shapes the invariant checker (`fiscal-bpm check`, docs/invariants.md) reports in: one result per
 * invariant, each violation naming the rows concerned by their ids so an operator can look them up.
 */
import type { Knex } from 'knex';

export type InvariantName = 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6' | 'I7';

export interface Violation {
  /** The rows concerned, e.g. `{ instanceId, executionId, elementId }` or `{ indicatorId }`. */
  readonly ids: Readonly<Record<string, string | number>>;
  readonly message: string;
}

export interface InvariantResult {
  readonly invariant: InvariantName;
  /** One line saying what the invariant is. */
  readonly title: string;
  readonly ok: boolean;
  readonly violations: readonly Violation[];
}

export interface CheckOptions {
  /** I6: how long an outbox row may stay unpublished (RECONCILE_HORIZON_MS, default 60 000). */
  readonly horizonMs?: number;
  /** The current time in epoch ms (default Date.now()); the engine's clock in tests. */
  readonly now?: number;
}

export interface Invariant {
  readonly name: InvariantName;
  readonly title: string;
  check(knex: Knex, options: Required<CheckOptions>): Promise<Violation[]>;
}

/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

/** Numbers from the drivers: BIGINT and SUM come back as strings on MySQL. */
export function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}
