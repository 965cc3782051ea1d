import type { Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { CarrierLinkLeasesTable, CarrierRoutesTable } from '../../platform/db/tables.js';

export type CarrierRouteRow = Selectable<CarrierRoutesTable>;
export type CarrierLinkLeaseRow = Selectable<CarrierLinkLeasesTable>;

/** SQL of the carrier route table and of the link leases, and nothing else. */
export function createCarrierRepository() {
  return {
    /** Adds a route, or replaces the URL of the route with the same kind and match. */
    async upsertRoute(db: Executor, row: CarrierRouteRow): Promise<CarrierRouteRow> {
      return db
        .insertInto('carrier_routes')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['kind', 'match']).doUpdateSet((eb) => ({
            url_encrypted: eb.ref('excluded.url_encrypted'),
            url_redacted: eb.ref('excluded.url_redacted'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    async listRoutes(db: Executor): Promise<CarrierRouteRow[]> {
      return db.selectFrom('carrier_routes').selectAll().orderBy('kind').orderBy('match').execute();
    },

    async deleteRoute(db: Executor, id: string): Promise<boolean> {
      const result = await db.deleteFrom('carrier_routes').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    /**
     * Takes the lease of a route for `holder`, or renews it, in one statement: true when `holder` now holds it until
     * `expiresAt`. The insert wins when no row exists; on conflict the row is overwritten only when it is already
     * `holder`'s (a renewal) or has expired by `now` (a takeover from a holder that stopped renewing), so two
     * processes can never both hold it. PostgreSQL locks the conflicting row for ON CONFLICT DO UPDATE … WHERE and
     * judges the WHERE on its latest committed version, so concurrent takers serialise and only the first succeeds;
     * SQLite runs a write statement under its single write lock.
     */
    async acquireLease(
      db: Executor,
      lease: { routeId: string; holder: string; now: number; expiresAt: number },
    ): Promise<boolean> {
      const row = await db
        .insertInto('carrier_link_leases')
        .values({ route_id: lease.routeId, holder: lease.holder, expires_at: lease.expiresAt, updated_at: lease.now })
        .onConflict((oc) =>
          oc
            .column('route_id')
            .doUpdateSet((eb) => ({
              holder: eb.ref('excluded.holder'),
              expires_at: eb.ref('excluded.expires_at'),
              updated_at: eb.ref('excluded.updated_at'),
            }))
            .where((eb) =>
              eb.or([
                eb('carrier_link_leases.holder', '=', lease.holder),
                eb('carrier_link_leases.expires_at', '<=', lease.now),
              ]),
            ),
        )
        .returning('route_id')
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Gives the lease of one route up, if `holder` has it; true when it did. */
    async releaseLease(db: Executor, lease: { routeId: string; holder: string }): Promise<boolean> {
      const result = await db
        .deleteFrom('carrier_link_leases')
        .where('route_id', '=', lease.routeId)
        .where('holder', '=', lease.holder)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    /** Gives every lease of `holder` up (a graceful shutdown); resolves to how many. */
    async releaseLeasesOf(db: Executor, holder: string): Promise<number> {
      const result = await db.deleteFrom('carrier_link_leases').where('holder', '=', holder).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Every lease row, live or expired, by route. */
    async listLeases(db: Executor): Promise<CarrierLinkLeaseRow[]> {
      return db.selectFrom('carrier_link_leases').selectAll().orderBy('route_id').execute();
    },
  };
}
