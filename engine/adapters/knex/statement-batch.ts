/**
 * Sends several statements to MySQL/MariaDB in one round trip (the connection is opened with
 * `multipleStatements`, connect.ts). A command's load is one batch of SELECTs and its commit one batch of writes
 * between BEGIN and COMMIT: on loopback each round trip costs the client a socket write and the kernel a wake-up,
 * and they — not MariaDB's commit rate — bounded the engine (bench/README.md).
 *
 * Every value travels as a binding (mysql2 escapes it client-side, as it does for single statements); statements
 * are knex builders or knex.raw with `?` placeholders, never SQL glued from values.
 */
import type { Knex } from 'knex';

type Row = Record<string, unknown>;

/** What MySQL answers for a statement that returns no rows. */
export interface WriteResult {
  readonly affectedRows: number;
}

/** One entry per statement: rows for a SELECT, a WriteResult for everything else. */
export type BatchResult = Row[] | WriteResult;

/**
 * Runs the statements in one round trip on `db` (a transaction, or the pool for reads) and returns one result
 * per statement. A failing statement stops the batch: the error is mysql2's, its message shortened to the
 * server's (the SQL of a whole batch, values inlined, does not belong in logs).
 */
export async function runBatch(
  db: Knex | Knex.Transaction,
  statements: readonly (Knex.QueryBuilder | Knex.Raw)[],
): Promise<BatchResult[]> {
  if (statements.length === 0) return [];
  const sql: string[] = [];
  const bindings: unknown[] = [];
  for (const statement of statements) {
    const native = statement.toSQL().toNative();
    sql.push(native.sql);
    bindings.push(...native.bindings);
  }
  let answer: unknown;
  try {
    answer = await db.raw(sql.join(';\n'), bindings as Knex.RawBinding[]);
  } catch (err) {
    const e = err as { sqlMessage?: string; message?: string };
    if (typeof e.sqlMessage === 'string')
      e.message = `${e.sqlMessage} (in a batch of ${statements.length} statements)`;
    throw err;
  }
  // mysql2 through knex.raw answers [results, fields]; one statement gives its result, several an array of them
  const results = (answer as [unknown, unknown])[0];
  const list = statements.length === 1 ? [results] : (results as unknown[]);
  if (!Array.isArray(list) || list.length !== statements.length)
    throw new Error(
      `Expected ${statements.length} results from a statement batch, but got ${Array.isArray(list) ? list.length : typeof list}`,
    );
  return list as BatchResult[];
}

/** The rows of a SELECT's result. */
export function rowsOf(result: BatchResult | undefined): Row[] {
  if (!Array.isArray(result)) throw new Error('Expected the rows of a SELECT in a statement batch');
  return result;
}

/** The affected-row count of a write's result (matched rows: mysql2 connects with FOUND_ROWS). */
export function affectedRowsOf(result: BatchResult | undefined): number {
  if (!result || Array.isArray(result))
    throw new Error('Expected the answer of a write in a statement batch');
  return Number(result.affectedRows);
}

/** A pooled mysql2 connection, as knex's pool hands it out (callback API). */
interface PooledConnection {
  query(
    options: { sql: string; values?: unknown[] },
    callback: (err: Error | null, results?: unknown) => void,
  ): void;
  /** Set to the error when the connection must not be reused (knex's pool then destroys it). */
  __knex__disposed?: unknown;
}

interface PoolClient {
  acquireConnection(): Promise<PooledConnection>;
  releaseConnection(connection: PooledConnection): Promise<unknown>;
  emit(event: 'query', data: Record<string, unknown>): boolean;
}

export interface TransactionBatchOptions {
  /** Checks the statements' results; an error it throws rolls the transaction back. */
  readonly check?: (results: BatchResult[]) => void;
  /**
   * Explains a failed statement from inside the still-open transaction (e.g. "the instance moved on: a lost
   * race"); returns the error to throw instead, or undefined to keep the original.
   */
  readonly explain?: (
    err: unknown,
    select: (statement: Knex.QueryBuilder) => Promise<Record<string, unknown>[]>,
  ) => Promise<Error | undefined>;
}

/**
 * One transaction in two round trips: `START TRANSACTION` and the statements in the first, `COMMIT` (or
 * `ROLLBACK` when a statement failed or `check` objects) in the second. knex's transactions send BEGIN on its
 * own; this saves that round trip on every command. The connection comes from knex's pool and goes back to it;
 * one that failed mid-transaction without a clean ROLLBACK is marked so the pool destroys it. knex's 'query'
 * event is emitted for each query sent, as knex would (the benchmarks count statements with it).
 */
export async function runTransactionBatch(
  knex: Knex,
  statements: readonly (Knex.QueryBuilder | Knex.Raw)[],
  options: TransactionBatchOptions = {},
): Promise<void> {
  const client = knex.client as unknown as PoolClient;
  const chunks = chunkBySize(
    statements.map((statement) => statement.toSQL().toNative()),
    MAX_BATCH_BYTES,
  );
  const txId = `batch${++transactionCounter}`;
  const connection = await client.acquireConnection();
  const send = (text: string, values: unknown[] = []) => {
    client.emit('query', { sql: text, bindings: values, __knexTxId: txId, method: 'raw' });
    return new Promise<unknown>((resolve, reject) =>
      connection.query({ sql: text, values }, (err, results) => (err ? reject(err) : resolve(results))),
    );
  };
  const rollback = async () => {
    try {
      await send('ROLLBACK');
    } catch (err) {
      connection.__knex__disposed = err;
    }
  };
  try {
    const results: BatchResult[] = [];
    try {
      for (const [i, chunk] of chunks.entries()) {
        const sql = chunk.map((n) => n.sql);
        if (i === 0) sql.unshift('START TRANSACTION');
        const answer = await send(
          sql.join(';\n'),
          chunk.flatMap((n) => [...n.bindings]),
        );
        // one statement answers its result, several an array of them
        const list = sql.length === 1 ? [answer as BatchResult] : (answer as BatchResult[]);
        results.push(...(i === 0 ? list.slice(1) : list));
      }
    } catch (err) {
      const e = err as { sqlMessage?: string; message?: string; fatal?: boolean };
      if (typeof e.sqlMessage === 'string')
        e.message = `${e.sqlMessage} (in a batch of ${statements.length} statements)`;
      if (e.fatal) {
        connection.__knex__disposed = err;
        throw err;
      }
      const explained = await options
        .explain?.(err, async (statement) => {
          const native = statement.toSQL().toNative();
          return (await send(native.sql, [...native.bindings])) as Record<string, unknown>[];
        })
        .catch(() => undefined);
      await rollback();
      throw explained ?? err;
    }
    try {
      options.check?.(results);
    } catch (err) {
      await rollback();
      throw err;
    }
    try {
      await send('COMMIT');
    } catch (err) {
      connection.__knex__disposed = err;
      throw err;
    }
  } finally {
    await client.releaseConnection(connection);
  }
}

let transactionCounter = 0;

/**
 * Most bytes one batch of a commit carries (SQL and values): a commit that writes a lot (thousands of history
 * rows of a runaway loop) goes in several batches inside its transaction instead of one query larger than the
 * server's max_allowed_packet (16 MB on MariaDB, which drops the connection).
 */
const MAX_BATCH_BYTES = 1_000_000;

type NativeStatement = { readonly sql: string; readonly bindings: readonly unknown[] };

/** Consecutive statements in chunks of at most `maxBytes` (estimated), each chunk at least one statement. */
export function chunkBySize(statements: readonly NativeStatement[], maxBytes: number): NativeStatement[][] {
  const chunks: NativeStatement[][] = [];
  let current: NativeStatement[] = [];
  let bytes = 0;
  for (const statement of statements) {
    const size = statement.sql.length + statement.bindings.reduce<number>((n, b) => n + sizeOf(b), 0);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(statement);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A binding's size as sent, near enough (strings count their UTF-8 bytes, escaped up to twice). */
function sizeOf(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8') * 2 + 2;
  if (Buffer.isBuffer(value)) return value.length * 2 + 3;
  return 24;
}
