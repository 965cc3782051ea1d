import pg from 'pg';
import { TEST_PG_PREFIX } from './database.js';

/**
 * Runs once before the suite. With TEST_DATABASE_URL set, PostgreSQL must answer: the suite fails here
 * rather than skipping a single test. Databases left by an interrupted earlier run (their worker process
 * is gone) are dropped; those of a run still going beside this one are left alone.
 */
export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    console.log('[stratus tests] database: SQLite (set TEST_DATABASE_URL to run on PostgreSQL)');
    return;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is unreachable: ${(error as Error).message}`);
  }
  try {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      `${TEST_PG_PREFIX}%`,
    ]);
    for (const row of rows) {
      const pid = Number(row.datname.slice(TEST_PG_PREFIX.length).split('_')[0]);
      if (!isAlive(pid)) await client.query(`drop database if exists ${row.datname} with (force)`);
    }
  } finally {
    await client.end();
  }
  console.log(`[stratus tests] database: PostgreSQL (${new URL(url).host})`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
