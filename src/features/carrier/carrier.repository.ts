import type { Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { CarrierRoutesTable } from '../../platform/db/tables.js';

export type CarrierRouteRow = Selectable<CarrierRoutesTable>;

/** SQL of the carrier route table, and nothing else. */
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
  };
}
