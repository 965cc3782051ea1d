import type { Kysely } from 'kysely';

/**
 * Bind ownership across worker processes (features/carrier/link-leases.ts): one row per exclusive carrier route,
 * naming the process whose bind it is until `expires_at`. No foreign key to carrier_routes: the SMPP_URL route
 * (`env`) has no row there.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('carrier_link_leases')
    .addColumn('route_id', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('carrier_link_leases').execute();
}
