import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import { pendingMigrations } from '../db/migrations.js';

/**
 * GET /healthz answers while the process runs; GET /readyz only while the database answers and every
 * migration this build knows is applied (503 otherwise, so a load balancer stops sending traffic).
 */
export function installHealthRoutes(app: FastifyInstance, database: Database): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await database.ping();
      const pending = await pendingMigrations(database.db);
      if (pending.length > 0)
        return reply.code(503).send({ status: 'unavailable', reason: 'migrations pending', pending });
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
}
