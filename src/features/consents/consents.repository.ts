import type { Executor } from '../../platform/db/database.js';
import type {
  ConsentKeywordsTable,
  ConsentLedgerTable,
  ConsentStatesTable,
  CustomConsentsTable,
} from '../../platform/db/tables.js';

export type CustomConsentRow = CustomConsentsTable;
export type ConsentKeywordRow = ConsentKeywordsTable;
export type LedgerRow = ConsentLedgerTable;
export type ConsentStateRow = ConsentStatesTable;

/** Columns an update of a custom consent may change (id, organisation, creator and creation time never change). */
export type CustomConsentChanges = Partial<
  Omit<CustomConsentRow, 'id' | 'org_id' | 'created_by' | 'created_at' | 'version' | 'updated_at'>
>;

/** SQL of custom consents, their keywords, the consent ledger and the current consent states. */
export function createConsentsRepository() {
  return {
    async insertConsent(db: Executor, row: CustomConsentRow): Promise<void> {
      await db.insertInto('custom_consents').values(row).execute();
    },

    async findConsent(db: Executor, orgId: string, consentId: string): Promise<CustomConsentRow | undefined> {
      return db
        .selectFrom('custom_consents')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', consentId)
        .executeTakeFirst();
    },

    /** Applies `changes` only if the row is still at `version`; undefined when another writer got there first. */
    async updateConsentIfVersion(
      db: Executor,
      orgId: string,
      consentId: string,
      version: number,
      changes: CustomConsentChanges,
      now: number,
    ): Promise<CustomConsentRow | undefined> {
      return db
        .updateTable('custom_consents')
        .set({ ...changes, version: version + 1, updated_at: now })
        .where('org_id', '=', orgId)
        .where('id', '=', consentId)
        .where('version', '=', version)
        .returningAll()
        .executeTakeFirst();
    },

    async pageConsents(
      db: Executor,
      orgId: string,
      filter: { active?: boolean },
      limit: number,
      offset: number,
    ): Promise<CustomConsentRow[]> {
      let query = db.selectFrom('custom_consents').selectAll().where('org_id', '=', orgId);
      if (filter.active !== undefined) query = query.where('active', '=', filter.active ? 1 : 0);
      return query.orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
    },

    async countConsents(db: Executor, orgId: string, filter: { active?: boolean }): Promise<number> {
      let query = db
        .selectFrom('custom_consents')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('org_id', '=', orgId);
      if (filter.active !== undefined) query = query.where('active', '=', filter.active ? 1 : 0);
      return Number((await query.executeTakeFirstOrThrow()).count);
    },

    /** Keyword rows of the organisation among `keys` (matching forms), whichever consent holds them. */
    async findKeywords(db: Executor, orgId: string, keys: string[]): Promise<ConsentKeywordRow[]> {
      if (keys.length === 0) return [];
      return db
        .selectFrom('consent_keywords')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('keyword', 'in', keys)
        .execute();
    },

    /** The consent a keyword (matching form) belongs to, with the keyword's direction. */
    async findConsentByKeyword(
      db: Executor,
      orgId: string,
      key: string,
    ): Promise<{ consent: CustomConsentRow; direction: 'in' | 'out' } | undefined> {
      const keyword = await db
        .selectFrom('consent_keywords')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('keyword', '=', key)
        .executeTakeFirst();
      if (!keyword) return undefined;
      const consent = await db
        .selectFrom('custom_consents')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', keyword.consent_id)
        .executeTakeFirst();
      return consent && { consent, direction: keyword.direction };
    },

    async deleteKeywordsOfConsent(db: Executor, orgId: string, consentId: string): Promise<void> {
      await db.deleteFrom('consent_keywords').where('org_id', '=', orgId).where('consent_id', '=', consentId).execute();
    },

    /** Throws a unique violation when a keyword is taken in the organisation (the primary key). */
    async insertKeywords(db: Executor, rows: ConsentKeywordRow[]): Promise<void> {
      if (rows.length > 0) await db.insertInto('consent_keywords').values(rows).execute();
    },

    // The ledger is append-only: there is deliberately no update or delete of consent_ledger here.
    async insertLedgerEntry(db: Executor, row: LedgerRow): Promise<void> {
      await db.insertInto('consent_ledger').values(row).execute();
    },

    async listLedgerOfNumber(db: Executor, orgId: string, mobileNumber: string): Promise<LedgerRow[]> {
      return db
        .selectFrom('consent_ledger')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('mobile_number', '=', mobileNumber)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },

    /**
     * Sets the state of (number, scope) to `row.status` unless it already is; true when it changed. An absent row
     * is created. Race-safe: on PostgreSQL a concurrent writer of the same key waits for this one's commit and then
     * sees the status already set (ON CONFLICT … DO UPDATE … WHERE), so only one of them reports a change.
     */
    async upsertStateIfDifferent(db: Executor, row: ConsentStateRow): Promise<boolean> {
      const changed = await db
        .insertInto('consent_states')
        .values(row)
        .onConflict((oc) =>
          oc
            .columns(['org_id', 'mobile_number', 'scope'])
            .doUpdateSet({
              status: (eb) => eb.ref('excluded.status'),
              source: (eb) => eb.ref('excluded.source'),
              ledger_id: (eb) => eb.ref('excluded.ledger_id'),
              updated_at: (eb) => eb.ref('excluded.updated_at'),
            })
            .where('consent_states.status', '<>', row.status),
        )
        .returning('ledger_id')
        .executeTakeFirst();
      return changed !== undefined;
    },

    /**
     * Sets the state of (number, scope) to `row.status` only if a row exists with another status; true when it
     * changed. Used when `row.status` is the scope's default, which an absent row already means.
     */
    async updateStateIfDifferent(db: Executor, row: ConsentStateRow): Promise<boolean> {
      const result = await db
        .updateTable('consent_states')
        .set({ status: row.status, source: row.source, ledger_id: row.ledger_id, updated_at: row.updated_at })
        .where('org_id', '=', row.org_id)
        .where('mobile_number', '=', row.mobile_number)
        .where('scope', '=', row.scope)
        .where('status', '<>', row.status)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async findState(
      db: Executor,
      orgId: string,
      mobileNumber: string,
      scope: string,
    ): Promise<ConsentStateRow | undefined> {
      return db
        .selectFrom('consent_states')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('mobile_number', '=', mobileNumber)
        .where('scope', '=', scope)
        .executeTakeFirst();
    },

    async listStatesOfNumbers(db: Executor, orgId: string, mobileNumbers: string[]): Promise<ConsentStateRow[]> {
      if (mobileNumbers.length === 0) return [];
      return db
        .selectFrom('consent_states')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('mobile_number', 'in', mobileNumbers)
        .orderBy('updated_at')
        .orderBy('ledger_id')
        .execute();
    },
  };
}

export type ConsentsRepository = ReturnType<typeof createConsentsRepository>;
