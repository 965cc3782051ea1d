import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Tables } from './tables.js';

export type Dialect = 'sqlite' | 'postgres';

/** A connection or an open transaction: repositories accept either, so callers decide the transaction. */
export type Executor = Kysely<Tables> | Transaction<Tables>;

export interface Database {
  readonly dialect: Dialect;
  readonly db: Kysely<Tables>;
  /** Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(fn: (trx: Transaction<Tables>) => Promise<T>): Promise<T>;
  /** Throws when the database cannot answer a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Prepared statements kept per SQLite connection; Kysely asks to prepare every query again. */
const SQLITE_STATEMENT_CACHE_SIZE = 500;
const INT8_OID = 20;

/** Hooks to run once a transaction has committed, by transaction (see afterCommit). */
const commitHooks = new WeakMap<Executor, Set<() => void>>();

/**
 * Runs `hook` once what `executor` wrote is committed: at the end of its transaction when it is one (opened by
 * Database.transaction; nothing runs if it rolls back), at once when it is a bare connection (the statement has
 * committed already). For wake-ups of other parts of the process ("new events"), never for the data itself: a
 * process that dies before the hook runs loses nothing but the wake-up. A hook added twice to one transaction runs
 * once.
 */
export function afterCommit(executor: Executor, hook: () => void): void {
  if (!executor.isTransaction) {
    runHook(hook);
    return;
  }
  let hooks = commitHooks.get(executor);
  if (!hooks) {
    hooks = new Set();
    commitHooks.set(executor, hooks);
  }
  hooks.add(hook);
}

function runHook(hook: () => void): void {
  try {
    hook();
  } catch {
    // A wake-up that throws must not turn a committed transaction into a failed call.
  }
}

/** `db.transaction().execute(fn)`, then the afterCommit hooks of the transaction once it committed. */
async function transactionWithHooks<T>(db: Kysely<Tables>, fn: (trx: Transaction<Tables>) => Promise<T>): Promise<T> {
  let transaction: Transaction<Tables> | undefined;
  const result = await db.transaction().execute((trx) => {
    transaction = trx;
    return fn(trx);
  });
  const hooks = transaction && commitHooks.get(transaction);
  if (hooks) {
    commitHooks.delete(transaction!);
    for (const hook of hooks) runHook(hook);
  }
  return result;
}

export function dialectOf(databaseUrl: string): Dialect {
  return databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';
}

export interface DatabaseOptions {
  /** PostgreSQL connections in the pool (10). */
  poolSize?: number;
  /** How long a SQLite write waits for another process's lock before SQLITE_BUSY (5000 ms). */
  busyTimeoutMs?: number;
}

export function createDatabase(databaseUrl: string, options: DatabaseOptions = {}): Database {
  return dialectOf(databaseUrl) === 'sqlite'
    ? createSqlite(databaseUrl.slice('sqlite:'.length), options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS)
    : createPostgres(databaseUrl, options.poolSize ?? 10);
}

function createSqlite(file: string, busyTimeoutMs: number): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const connection = new SqliteDatabase(file);
  // WAL lets readers run beside the one writer; NORMAL sync is durable across process crashes in WAL mode.
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma(`busy_timeout = ${busyTimeoutMs}`);

  const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(connection) }) });
  return {
    dialect: 'sqlite',
    db,
    transaction: (fn) => transactionWithHooks(db, fn),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/**
 * Transactions begin with `BEGIN IMMEDIATE`: they take the write lock at once, waiting up to busy_timeout for it. A
 * deferred `BEGIN` that reads and then writes fails with SQLITE_BUSY_SNAPSHOT when another process committed in
 * between (several processes on one file: `serve --role api` beside `--role worker`), and that cannot be retried
 * by waiting. Our transactions all write, so nothing is lost by locking early.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver() {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/** Keeps prepared statements by SQL text, so a hot query is compiled by SQLite once. */
function withStatementCache(connection: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => connection.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement) return statement;
      statement = connection.prepare(text);
      if (cache.size >= SQLITE_STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(text, statement);
      return statement;
    },
  };
}

function createPostgres(databaseUrl: string, poolSize: number): Database {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    connectionTimeoutMillis: 5000,
    // Epoch-millisecond columns are BIGINT; they fit a JavaScript number exactly.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A client losing its server emits 'error'; unhandled, that would crash the process. The query in flight
  // fails on its own (and is answered 503), and the pool replaces the client on next use.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    db,
    transaction: (fn) => transactionWithHooks(db, fn),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
