import type { Config } from './config.js';
import './errors.js';
import { createAccountsService } from './features/accounts/accounts.service.js';
import { createOptOutEngine } from './features/consents/consents.engine.js';
import { createConsentLedger } from './features/consents/consents.ledger.js';
import { createConsentsService } from './features/consents/consents.service.js';
import { createContactsService } from './features/contacts/contacts.service.js';
import { createAuthorizationServer } from './features/oauth/authorization-server.js';
import { createKeyStore, resolveSecretKey } from './features/oauth/keys.js';
import { createOAuthService } from './features/oauth/oauth.service.js';
import { createSitesService } from './features/sites/sites.service.js';
import { type Clock, systemClock } from './platform/clock.js';
import { createDatabase, type Database } from './platform/db/database.js';
import { createJobQueue, type JobHandlers } from './platform/jobs/queue.js';
import { createWorker } from './platform/jobs/worker.js';
import { createLogger, type Logger } from './platform/logger.js';

/**
 * Wires configuration → dependencies → services, once per process (and once per test).
 * Features receive what they need here; nothing reaches for a global.
 */
export interface ContainerOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
  database?: Database;
}

export function createContainer(options: ContainerOptions) {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const database = options.database ?? createDatabase(config.databaseUrl);

  const sites = createSitesService({
    database,
    clock,
    defaultRegion: config.defaultRegion,
    cacheTtlMs: config.sitesCacheTtlMs,
  });
  const accounts = createAccountsService({ database, clock, sites });
  const consentLedger = createConsentLedger({ database, clock });
  const contacts = createContactsService({
    database,
    clock,
    defaultRegion: config.defaultRegion,
    sites,
    consentLedger,
  });
  const consents = createConsentsService({ database, clock });
  const optOut = createOptOutEngine({
    database,
    defaultRegion: config.defaultRegion,
    accounts,
    contacts,
    consentLedger,
  });
  const keys = createKeyStore({
    database,
    clock,
    encryptionKey: resolveSecretKey(config.secretKey, config.dataDir),
    issuer: config.publicUrl,
  });
  const oauth = createOAuthService({
    database,
    clock,
    accounts,
    keys,
    publicUrl: config.publicUrl,
    scopePrefix: config.scopePrefix,
  });
  const authorizationServer = createAuthorizationServer({
    database,
    clock,
    keys,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    knownScopes: oauth.knownScopes,
  });
  const jobs = createJobQueue({ database, clock });
  /** Every feature's job handlers, by task name; the worker role runs them. */
  const jobHandlers: JobHandlers = {};

  return {
    config,
    clock,
    logger,
    database,
    sites,
    accounts,
    contacts,
    consents,
    optOut,
    keys,
    oauth,
    authorizationServer,
    jobs,
    jobHandlers,
    createWorker: () =>
      createWorker({
        database,
        clock,
        logger,
        handlers: jobHandlers,
        concurrency: config.jobConcurrency,
        pollIntervalMs: config.jobPollIntervalMs,
        lockTimeoutMs: config.jobLockTimeoutMs,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        queue: jobs,
      }),
    async close(): Promise<void> {
      await database.close();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
