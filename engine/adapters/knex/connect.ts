/**
 * Opens knex on MySQL/MariaDB (a `mysql://` URL) or SQLite (a file path or `sqlite:` URL), with the
 * session settings the engine relies on: UTC, READ COMMITTED on MySQL; WAL and a busy timeout on SQLite.
 */
import knexFactory, { type Knex } from 'knex';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Dialect = 'mysql' | 'sqlite';

export interface DatabaseOptions {
  /** `mysql://user:pass@host:port/db`, or `sqlite:<path>` / a path; `:memory:` for a throwaway SQLite. */
  readonly url: string;
  /** MySQL pool size (default 10). SQLite always uses one connection. */
  readonly poolMax?: number;
}

export function dialectOf(url: string): Dialect {
  return /^mysql2?:\/\//.test(url) || /^mariadb:\/\//.test(url) ? 'mysql' : 'sqlite';
}

export function connectDatabase(options: DatabaseOptions): Knex {
  if (dialectOf(options.url) === 'mysql') {
    const url = new URL(options.url.replace(/^(mysql2|mariadb):/, 'mysql:'));
    return knexFactory({
      client: 'mysql2',
      connection: {
        host: url.hostname,
        port: url.port ? Number(url.port) : 3306,
        user: decodeURIComponent(url.username || 'root'),
        password: decodeURIComponent(url.password),
        database: url.pathname.replace(/^\//, '') || undefined,
        timezone: 'Z',
        charset: 'utf8mb4',
        supportBigNumbers: true,
        dateStrings: false,
        // the store sends a command's reads, and its writes, as one batch each (statement-batch.ts); every value
        // is a binding, and no SQL in the code base is built from values (test/architecture.test.ts checks)
        multipleStatements: true,
      },
      pool: {
        min: 0,
        max: options.poolMax ?? 10,
        afterCreate(
          conn: { query: (sql: string, cb: (err: Error | null) => void) => void },
          done: (err: Error | null, conn: unknown) => void,
        ) {
          conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (err) => {
            if (err) return done(err, conn);
            conn.query("SET time_zone = '+00:00'", (err2) => done(err2, conn));
          });
        },
      },
      acquireConnectionTimeout: 20000,
    });
  }
  const filename = options.url.replace(/^sqlite:(\/\/)?/, '') || ':memory:';
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { pragma: (s: string) => void }, done: (err: Error | null, conn: unknown) => void) {
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('busy_timeout = 5000');
        done(null, conn);
      },
    },
  });
}

/** Creates a MySQL database if it does not exist (used by tests, benchmarks and first start). */
export async function ensureMysqlDatabase(url: string): Promise<void> {
  const parsed = new URL(url.replace(/^(mysql2|mariadb):/, 'mysql:'));
  const name = parsed.pathname.replace(/^\//, '');
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new Error(`Expected a database name of letters, digits and _, but got "${name}"`);
  parsed.pathname = '/';
  const admin = connectDatabase({ url: parsed.toString(), poolMax: 1 });
  try {
    await admin.raw(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.destroy();
  }
}

/** Drops a MySQL database (tests clean up after themselves). */
export async function dropMysqlDatabase(url: string): Promise<void> {
  const parsed = new URL(url.replace(/^(mysql2|mariadb):/, 'mysql:'));
  const name = parsed.pathname.replace(/^\//, '');
  if (!/^[A-Za-z0-9_]+$/.test(name)) return;
  parsed.pathname = '/';
  const admin = connectDatabase({ url: parsed.toString(), poolMax: 1 });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await admin.destroy();
  }
}
