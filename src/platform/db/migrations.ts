import { type Kysely, type Migration, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_foundation.js';
import * as m0002 from './migrations/0002_oauth.js';
import * as m0003 from './migrations/0003_contacts.js';
import * as m0004 from './migrations/0004_messages.js';
import * as m0005 from './migrations/0005_webhooks.js';
import * as m0006 from './migrations/0006_carrier_leases.js';

/**
 * The one numbered migration history, run on both dialects. Listed in code rather than read from a folder,
 * so the compiled build needs no file globbing. Append new migrations; never edit a released one.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_oauth': m0002,
  '0003_contacts': m0003,
  '0004_messages': m0004,
  '0005_webhooks': m0005,
  '0006_carrier_leases': m0006,
};

// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema.
function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
}

export interface MigrationOutcome {
  applied: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: see migrator().
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationOutcome> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) throw error;
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Names of migrations this build knows but the database has not applied. */
// biome-ignore lint/suspicious/noExplicitAny: see migrator().
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const migrations = await migrator(db).getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
