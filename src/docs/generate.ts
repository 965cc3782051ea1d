import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createContainer } from '../container.js';
import { migrateToLatest } from '../platform/db/migrations.js';
import { createLogger } from '../platform/logger.js';
import { toPostmanCollection } from './postman.js';

/**
 * The values the committed snapshots are generated with, whatever the environment says: the placeholder host of
 * a local `npm start`, the default stage and scope prefix. The served documents use the real configuration.
 */
export const SNAPSHOT_ENV = {
  PUBLIC_URL: 'http://localhost:8080',
  STAGE: '/stratustexting-prod',
  SCOPE_PREFIX: 'https://com.beetexting.scopes/',
} as const;

export interface GeneratedDocs {
  openapi: Record<string, unknown>;
  postman: Record<string, unknown>;
}

/**
 * Builds the app on a throwaway SQLite database with SNAPSHOT_ENV and returns its OpenAPI document and the Postman
 * collection made from it. Nothing listens; nothing of the environment leaks in.
 */
export async function generateDocs(): Promise<GeneratedDocs> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-openapi-'));
  try {
    const config = loadConfig({
      ...SNAPSHOT_ENV,
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${join(dataDir, 'stratus.db')}`,
      SECRET_KEY: 'openapi-snapshot-only-secret-key-0123456789',
      LOG_LEVEL: 'silent',
    });
    const container = createContainer({ config, logger: createLogger('silent') });
    try {
      await migrateToLatest(container.database.db);
      const app = await buildApp(container);
      try {
        await app.ready();
        const openapi = JSON.parse(JSON.stringify(app.swagger())) as Record<string, unknown>;
        return { openapi, postman: toPostmanCollection(openapi) };
      } finally {
        await app.close();
      }
    } finally {
      await container.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
