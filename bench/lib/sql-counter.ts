/**
 * Counts the SQL statements knex sends (its 'query' event, which also fires for BEGIN/COMMIT/ROLLBACK of
 * transactions), by kind. With `attribute`, statements are also attributed to what the caller was doing,
 * through AsyncLocalStorage: wrap a call in `counter.as('complete', () => engine.completeTask(…))` and every
 * statement it causes counts under 'complete'; statements of nobody's call (the outbox relay) count as
 * 'background'. The engine sends a command's reads and writes as statement batches (one round trip, statements
 * joined by ";\n", values as bindings): a batch counts as one round trip and as each of its statements.
 * AsyncLocalStorage puts a hook on every promise, so measured windows count without it
 * (everything under 'all') and the attribution is a separate, unmeasured census.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Knex } from 'knex';

export type StatementKind =
  'select' | 'insert' | 'update' | 'delete' | 'begin' | 'commit' | 'rollback' | 'other';

/** Statement counts per attribution (e.g. start, complete, list, background), then per statement kind. */
export type StatementCounts = Record<string, Partial<Record<StatementKind, number>>>;

export class SqlCounter {
  private readonly storage = new AsyncLocalStorage<string>();
  private counts: StatementCounts = {};
  /** Statements that ran inside a transaction, per attribution (BEGIN/COMMIT included). */
  private inTransaction: Record<string, number> = {};
  /** Queries sent (a batch is one), per attribution. */
  private roundTrips: Record<string, number> = {};
  private enabled = false;
  private readonly listener = (query: { sql?: string; __knexTxId?: string }) => {
    if (!this.enabled) return;
    const who = this.attribute ? (this.storage.getStore() ?? 'background') : 'all';
    const statements = (query.sql ?? '').split(';\n');
    const bucket = (this.counts[who] ??= {});
    for (const statement of statements) {
      const kind = classify(statement);
      bucket[kind] = (bucket[kind] ?? 0) + 1;
    }
    this.roundTrips[who] = (this.roundTrips[who] ?? 0) + 1;
    if (query.__knexTxId) this.inTransaction[who] = (this.inTransaction[who] ?? 0) + statements.length;
  };

  constructor(
    private readonly knex: Knex,
    readonly attribute = false,
  ) {
    knex.on('query', this.listener);
  }

  /** Runs `fn` with its statements attributed to `who` (when attributing). */
  as<T>(who: string, fn: () => Promise<T>): Promise<T> {
    return this.attribute ? this.storage.run(who, fn) : fn();
  }

  /** Starts counting from zero. */
  reset(enabled = true): void {
    this.counts = {};
    this.inTransaction = {};
    this.roundTrips = {};
    this.enabled = enabled;
  }

  stop(): void {
    this.enabled = false;
  }

  snapshot(): {
    counts: StatementCounts;
    inTransaction: Record<string, number>;
    roundTrips: Record<string, number>;
  } {
    return {
      counts: structuredClone(this.counts),
      inTransaction: { ...this.inTransaction },
      roundTrips: { ...this.roundTrips },
    };
  }

  /** Stops listening, and takes AsyncLocalStorage's promise hook away again. */
  detach(): void {
    this.knex.removeListener('query', this.listener);
    this.storage.disable();
  }
}

export function classify(sql: string): StatementKind {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase();
  switch (word) {
    case 'select':
    case 'insert':
    case 'update':
    case 'delete':
    case 'begin':
    case 'commit':
    case 'rollback':
      return word;
    case 'start':
      return 'begin';
    default:
      return 'other';
  }
}

/** Adds statement counts of several processes together. */
export function mergeCounts(into: StatementCounts, from: StatementCounts): StatementCounts {
  for (const [who, kinds] of Object.entries(from)) {
    const bucket = (into[who] ??= {});
    for (const [kind, n] of Object.entries(kinds) as [StatementKind, number][])
      bucket[kind] = (bucket[kind] ?? 0) + n;
  }
  return into;
}

export function totalOf(counts: StatementCounts, who?: readonly string[]): number {
  let n = 0;
  for (const [name, kinds] of Object.entries(counts)) {
    if (who && !who.includes(name)) continue;
    for (const v of Object.values(kinds)) n += v ?? 0;
  }
  return n;
}

export function kindOf(counts: StatementCounts, kind: StatementKind, who?: readonly string[]): number {
  let n = 0;
  for (const [name, kinds] of Object.entries(counts)) {
    if (who && !who.includes(name)) continue;
    n += kinds[kind] ?? 0;
  }
  return n;
}
