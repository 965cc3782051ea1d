import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type Container, createContainer } from '../../src/container.js';
import type { Clock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/**
 * The platform for one test file: a fresh migrated database, the services, and the HTTP app (not
 * listening; use app.inject, or listen on port 0 for real HTTP). Logs are silent unless TEST_LOG_LEVEL is set.
 */
export interface TestPlatform {
  app: FastifyInstance;
  container: Container;
  testDatabase: TestDatabase;
  close(): Promise<void>;
}

export async function createTestPlatform(
  options: { clock?: Clock; env?: Record<string, string>; beforeReady?: (app: FastifyInstance) => void } = {},
): Promise<TestPlatform> {
  const testDatabase = await createTestDatabase();
  const config = loadConfig({ DATA_DIR: '/tmp/stratus-test-data', ...options.env, DATABASE_URL: testDatabase.url });
  const container = createContainer({
    config,
    database: testDatabase.database,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const app = await buildApp(container);
  options.beforeReady?.(app);
  await app.ready();
  return {
    app,
    container,
    testDatabase,
    close: async () => {
      await app.close();
      await testDatabase.drop();
    },
  };
}
