import { join } from 'node:path';
import type { Config } from './config.js';
import './errors.js';
import { createAccountsService } from './features/accounts/accounts.service.js';
import { createCarrierRouteTable } from './features/carrier/carrier.routes-table.js';
import { createLinkLeases } from './features/carrier/link-leases.js';
import { createCarrierLinks } from './features/carrier/links.js';
import { createOptOutEngine } from './features/consents/consents.engine.js';
import { createConsentLedger } from './features/consents/consents.ledger.js';
import { createConsentsService } from './features/consents/consents.service.js';
import { createContactsService } from './features/contacts/contacts.service.js';
import { createFileMediaStore } from './features/messages/media.js';
import { createMessageJobHandlers } from './features/messages/messages.jobs.js';
import { createMessagesService } from './features/messages/messages.service.js';
import { createAuthorizationServer } from './features/oauth/authorization-server.js';
import { createKeyStore, resolveSecretKey } from './features/oauth/keys.js';
import { createOAuthService } from './features/oauth/oauth.service.js';
import { createSitesService } from './features/sites/sites.service.js';
import { createOutboundHttp } from './features/webhooks/webhooks.http.js';
import { createWebhookRetention, withWebhookRetention } from './features/webhooks/webhooks.retention.js';
import {
  createWebhookRunner,
  type WebhookRunnerOptions,
  withWebhookRunner,
} from './features/webhooks/webhooks.runner.js';
import { createWebhooksService } from './features/webhooks/webhooks.service.js';
import { createWebhookSignals } from './features/webhooks/webhooks.signals.js';
import { createSecretBox } from './features/webhooks/webhooks.signing.js';
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
  const jobs = createJobQueue({ clock });
  /** Every feature's job handlers, by task name; the worker role runs them. */
  const jobHandlers: JobHandlers = {};

  // Messages: the accept path, the send pipeline over carrier links, receipts and inbound texts.
  const media = createFileMediaStore(join(config.dataDir, 'media'), clock);
  const messages = createMessagesService({
    database,
    clock,
    logger,
    jobs,
    sites,
    accounts,
    contacts,
    optOut,
    media,
    defaultRegion: config.defaultRegion,
    publicUrl: config.publicUrl,
    allowPrivateMediaUrls: config.mediaAllowPrivateUrls,
  });
  const carrierRoutes = createCarrierRouteTable({
    database,
    clock,
    encryptionKey: resolveSecretKey(config.secretKey, config.dataDir),
  });
  /** Which worker process binds each `exclusive=true` route; one holder id per container (per process). */
  const carrierLeases = createLinkLeases({
    database,
    clock,
    logger,
    ttlMs: config.carrierLeaseTtlMs,
    renewIntervalMs: config.carrierLeaseRenewMs,
  });
  /** Links bind only when started (worker roles) or when a send needs one; the api role never does. */
  const carrierLinks = createCarrierLinks({
    routes: carrierRoutes,
    defaultUrl: config.smppUrl,
    leases: carrierLeases,
    logger,
    clock,
    onReceipt: (routeId, receipt) => messages.applyReceipt(routeId, receipt),
    onInbound: async (routeId, sms) => {
      await messages.receiveInbound(routeId, sms);
    },
  });
  const messageJobHandlers = createMessageJobHandlers({ messages, links: carrierLinks });
  Object.assign(jobHandlers, messageJobHandlers);

  // Webhooks (CONTRACT.md §7): the subscriptions API, and the runner that fans events out and delivers them.
  const webhookHttp = createOutboundHttp({
    allowPrivate: config.webhookAllowPrivate,
    userAgent: 'Stratus-Connect-Webhooks/1.0',
  });
  const webhookSecrets = createSecretBox(resolveSecretKey(config.secretKey, config.dataDir));
  const webhookSignals = createWebhookSignals();
  const webhooks = createWebhooksService({
    database,
    clock,
    sites,
    http: webhookHttp,
    secretBox: webhookSecrets,
    signals: webhookSignals,
    validationTimeoutMs: config.webhookValidationTimeoutMs,
  });
  /** The webhook runner of a worker process; tests and benchmarks may override its options. */
  const createWebhooksRunner = (overrides: Partial<WebhookRunnerOptions> = {}) =>
    createWebhookRunner({
      database,
      clock,
      logger,
      http: webhookHttp,
      secretBox: webhookSecrets,
      signals: webhookSignals,
      retrySchedule: config.webhookRetryScheduleMs,
      timeoutMs: config.webhookTimeoutMs,
      concurrency: config.webhookConcurrency,
      perSubscription: config.webhookPerSubscription,
      pollIntervalMs: config.webhookPollIntervalMs,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      ...overrides,
    });
  /** Deletes finished deliveries and dispatched events past WEBHOOK_RETENTION_DAYS; the worker role runs it. */
  const webhookRetention = createWebhookRetention({
    database,
    clock,
    logger,
    retentionMs: config.webhookRetentionDays * 86_400_000,
  });

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
    media,
    messages,
    carrierRoutes,
    carrierLeases,
    carrierLinks,
    /**
     * A worker for messages.send only, with SEND_CONCURRENCY slots, so the SMPP windows stay full whatever the
     * other jobs do. The general worker runs these jobs too.
     */
    createSendWorker: () =>
      createWorker({
        database,
        clock,
        logger,
        handlers: { 'messages.send': messageJobHandlers['messages.send'] },
        onlyRegisteredTasks: true,
        concurrency: config.sendConcurrency,
        pollIntervalMs: config.jobPollIntervalMs,
        lockTimeoutMs: config.jobLockTimeoutMs,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        queue: jobs,
      }),
    webhooks,
    createWebhooksRunner,
    webhookRetention,
    /** The general worker, with the webhook runner (fan-out and deliveries) and the retention sweep beside it. */
    createWorker: () =>
      withWebhookRetention(
        withWebhookRunner(
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
          createWebhooksRunner(),
        ),
        webhookRetention,
      ),
    async close(): Promise<void> {
      webhookHttp.close();
      await database.close();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
