import SqliteDatabase from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type Container, createContainer } from '../../src/container.js';
import { createDatabase } from '../../src/platform/db/database.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../harness/database.js';
import { TcpProxy } from '../harness/tcp-proxy.js';

/** A database that goes away answers 503 (readyz and requests), and the process recovers when it returns. */
describe(`database outage on ${testDialect()}`, () => {
  let testDatabase: TestDatabase;
  let proxy: TcpProxy | undefined;
  let container: Container;
  let app: FastifyInstance;
  let orgId: string;

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    let url = testDatabase.url;
    if (testDialect() === 'postgres') {
      const target = new URL(url);
      proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
      target.port = String(await proxy.start());
      url = target.toString();
    }
    const config = loadConfig({ DATABASE_URL: url, DATA_DIR: '/tmp/stratus-test-data' });
    const database = createDatabase(url, { poolSize: 2, busyTimeoutMs: 100 });
    container = createContainer({ config, database, logger: createLogger('silent') });
    app = await buildApp(container);
    // A route that writes, so a lost or locked database shows on a real request.
    app.post('/test/site', async (request) => {
      const outcome = await container.sites.createSite({ orgId, name: (request.body as { name: string }).name });
      return { ok: outcome.ok };
    });
    await app.ready();
    const created = await container.accounts.createOrganization({ name: 'Outage Org' });
    if (!created.ok) throw new Error(created.code);
    orgId = created.value.organization.id;
  });

  afterAll(async () => {
    await app.close();
    await container.close();
    await proxy?.stop();
    await testDatabase.drop();
  });

  const writeSite = (name: string) => app.inject({ method: 'POST', url: '/test/site', payload: { name } });

  if (testDialect() === 'postgres') {
    it('answers 503 while PostgreSQL is unreachable and recovers when it returns', async () => {
      expect((await writeSite('before')).statusCode).toBe(200);
      await proxy!.stop();

      const ready = await app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().reason).toBe('database unreachable');
      const during = await writeSite('during');
      expect(during.statusCode).toBe(503);
      expect(during.json().code).toBe('service.unavailable');

      await proxy!.start();
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
      expect((await writeSite('after')).statusCode).toBe(200);
    });
  } else {
    it('answers 503 while another process holds the SQLite write lock and recovers after', async () => {
      expect((await writeSite('before')).statusCode).toBe(200);
      const other = new SqliteDatabase(testDatabase.url.slice('sqlite:'.length));
      other.exec('BEGIN IMMEDIATE');
      try {
        const during = await writeSite('during');
        expect(during.statusCode).toBe(503);
        expect(during.json().code).toBe('service.unavailable');
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect((await writeSite('after')).statusCode).toBe(200);
    });
  }
});
