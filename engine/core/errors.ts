/**
 * Engine errors. Callers branch on `code`, not on `instanceof` (errors may cross module copies).
 * Messages follow "Expected …, but …" where it fits and name the element and instance ids.
 */
import type { Problem } from './model/problem.js';

export type ErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_STATE'
  | 'VALIDATION_FAILED'
  | 'INVALID_VARIABLES'
  | 'CONCURRENT_MODIFICATION'
  | 'STORE_UNAVAILABLE'
  | 'NO_FLOW_MATCHED'
  | 'CONDITION_FAILED'
  | 'EXPRESSION_FAILED'
  | 'JOB_FAILED'
  | 'NO_HANDLER'
  | 'STEP_LIMIT'
  | 'UNHANDLED_ERROR'
  | 'MESSAGE_NOT_CORRELATED'
  | 'CHILD_FAILED'
  | 'NO_ASSIGNEE';

/** Base class: a machine-readable code, a message for people, optional details. */
export class EngineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A definition, instance, task, job or incident that does not exist (HTTP 404). */
export class NotFoundError extends EngineError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** The target exists but is not in a state that allows the command (HTTP 409). */
export class InvalidStateError extends EngineError {
  constructor(message: string, details?: unknown) {
    super('INVALID_STATE', message, details);
  }
}

/** A deployment whose model has problems (HTTP 422); `details` is the Problem list. */
export class ValidationError extends EngineError {
  constructor(
    message: string,
    readonly problems: readonly Problem[],
  ) {
    super('VALIDATION_FAILED', message, problems);
  }
}

/** Bad variables given to a command (HTTP 400), naming the variable. */
export class InvalidVariablesError extends EngineError {
  constructor(message: string) {
    super('INVALID_VARIABLES', message);
  }
}

/** Another command changed the instance first; the whole command may be retried (HTTP 409 when it gives up). */
export class ConcurrencyError extends EngineError {
  constructor(message: string) {
    super('CONCURRENT_MODIFICATION', message);
  }
}

/** A deadlock, lock timeout or lost connection: the transaction rolled back (or its outcome is unknown). */
export class TransientStoreError extends EngineError {
  constructor(message: string, cause?: unknown) {
    super('STORE_UNAVAILABLE', message);
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/**
 * Thrown by a behavior when the token cannot go on (a condition that fails, no flow matches):
 * the runner parks the token and records an incident that an operator can retry.
 */
export class IncidentError extends EngineError {}

/** True for errors after which re-running the whole command from a fresh load is safe and useful. */
export function isRetryable(err: unknown): boolean {
  return (
    err instanceof EngineError && (err.code === 'CONCURRENT_MODIFICATION' || err.code === 'STORE_UNAVAILABLE')
  );
}

/**
 * True for a unique-key violation from the database driver (MySQL/MariaDB `ER_DUP_ENTRY`, SQLite's unique or
 * primary-key constraint): the row was written by someone else first, so look it up instead of failing.
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown } | null;
  return (
    e?.errno === 1062 ||
    e?.code === 'ER_DUP_ENTRY' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
