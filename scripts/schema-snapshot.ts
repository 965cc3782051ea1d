/**
 * Rewrites schema/sqlite.sql and schema/postgres.sql from a fresh database of each dialect.
 * Run: npm run schema:snapshot  (PostgreSQL from TEST_DATABASE_URL, default the local test database)
 */
import { writeFileSync } from 'node:fs';
import { dumpSchema } from '../src/platform/db/schema-dump.js';
import { createTestDatabase } from '../test/harness/database.js';

for (const dialect of ['sqlite', 'postgres'] as const) {
  if (dialect === 'sqlite') delete process.env.TEST_DATABASE_URL;
  else process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
  const test = await createTestDatabase();
  try {
    writeFileSync(`schema/${dialect}.sql`, await dumpSchema(test.database));
    console.log(`schema/${dialect}.sql written`);
  } finally {
    await test.drop();
  }
}
