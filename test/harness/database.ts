import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/platform/db/database.js';
import { migrateToLatest } from '../../src/platform/db/migrations.js';

/**
 * A fresh, migrated database for one test file: a temporary SQLite file, or — when TEST_DATABASE_URL is
 * set — a new PostgreSQL database created beside the one it names. Files never share data, so they run
 * in parallel. A missing PostgreSQL is an error, never a skip.
 */
export interface TestDatabase {
  database: Database;
  url: string;
  drop(): Promise<void>;
}

export const TEST_PG_PREFIX = 'stratus_test_';

export function testDialect(): 'sqlite' | 'postgres' {
  return process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite';
}

/**
 * Creates an empty database and returns its URL, without running migrations: a new PostgreSQL database beside the
 * one `adminUrl` names (its name starts with `prefix`), or a temporary SQLite file when there is no `adminUrl`.
 */
export async function createEmptyDatabase(
  adminUrl: string | undefined,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (!adminUrl) {
    const dir = mkdtempSync(join(tmpdir(), `${prefix.replace(/_+$/, '')}-`));
    return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `${prefix}${process.pid}_${randomBytes(4).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

/** An empty database of the test dialect (TEST_DATABASE_URL), without running migrations. */
export function createEmptyTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  return createEmptyDatabase(process.env.TEST_DATABASE_URL, TEST_PG_PREFIX);
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyTestDatabase();
  const database = createDatabase(empty.url, { poolSize: 5 });
  await migrateToLatest(database.db);
  return {
    database,
    url: empty.url,
    drop: async () => {
      await database.close();
      await empty.drop();
    },
  };
}
