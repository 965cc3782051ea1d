import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpSchema } from '../../src/platform/db/schema-dump.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../harness/database.js';

describe(`schema snapshot (${testDialect()})`, () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(async () => test.drop());

  it('matches the committed snapshot (run `npm run schema:snapshot` after a reviewed migration)', async () => {
    const committed = readFileSync(`schema/${testDialect()}.sql`, 'utf8');
    expect(await dumpSchema(test.database)).toBe(committed);
  });
});
