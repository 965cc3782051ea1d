import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pendingMigrations } from '../../src/platform/db/migrations.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../harness/database.js';

describe(`migrations on ${testDialect()}`, () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(async () => test.drop());

  it('leaves nothing pending after migrating', async () => {
    expect(await pendingMigrations(test.database.db)).toEqual([]);
    expect(test.database.dialect).toBe(testDialect());
  });
});
