import type { Config } from './config.js';
import './errors.js';
import { createAccountsService } from './features/accounts/accounts.service.js';
import { createSitesService } from './features/sites/sites.service.js';
import { type Clock, systemClock } from './platform/clock.js';
import { createDatabase, type Database } from './platform/db/database.js';
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

  const sites = createSitesService({ database, clock, defaultRegion: config.defaultRegion });
  const accounts = createAccountsService({ database, clock, sites });

  return {
    config,
    clock,
    logger,
    database,
    sites,
    accounts,
    async close(): Promise<void> {
      await database.close();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
