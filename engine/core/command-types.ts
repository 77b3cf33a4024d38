/** The two shapes of work the engine commits: a command on an existing instance, and a new instance. */
import type { ExecutableProcess } from './model/types.js';
import type { InstanceWork } from './runtime/instance-work.js';
import type { DefinitionRecord } from './runtime/records.js';
import type { Runner } from './runtime/runner.js';

/** What a command does to a loaded instance, in memory; the engine then runs the tokens and commits. */
export type CommandBody<T> = (work: InstanceWork, runner: Runner) => T | Promise<T>;

/**
 * Runs one command on an instance: load, apply `body`, run the tokens, commit, publish; re-run on conflicts.
 * With `skipIfEnded`, an instance that has ended resolves to `false` instead of failing.
 */
export type CommandRunner = <T>(
  instanceId: string,
  actor: string | null,
  body: CommandBody<T>,
  options?: { skipIfEnded?: boolean },
) => Promise<T>;

/** A new instance to start and commit in one transaction. */
export interface NewInstance {
  readonly definition: DefinitionRecord;
  readonly process: ExecutableProcess;
  readonly startEventId: string;
  readonly variables: Record<string, unknown>;
  readonly businessKey?: string | null;
  readonly initiator?: string | null;
  /** The org unit the instance belongs to (call activities pass the caller's). */
  readonly org?: { readonly code: string | null; readonly path: string | null } | null;
  readonly id?: string;
  readonly parent?: { instanceId: string; executionId: string };
  /** Extra changes committed with the start (the message that started it, the start timer that fired). */
  readonly alongside?: (work: InstanceWork, runner: Runner) => void;
}
