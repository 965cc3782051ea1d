import { type Expression, type SqlBool, sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { ContactsTable } from '../../platform/db/tables.js';

export type ContactRow = ContactsTable;

/** Columns an update may change (id, organisation and creation time never change). */
export type ContactChanges = Partial<Omit<ContactRow, 'id' | 'org_id' | 'created_at' | 'version' | 'updated_at'>>;

export interface ContactFilter {
  /** Contacts limited to this site (a 24-hex id). */
  siteId?: string;
  /** Contacts carrying this exact tag (case-sensitive). */
  tag?: string;
  /** Contacts whose E.164 number contains these digits. */
  digits?: string;
  /** Contacts whose search_text contains this already lower-cased text. */
  text?: string;
}

export interface ContactSort {
  field: 'created_at' | 'updated_at';
  direction: 'asc' | 'desc';
}

/** SQL of contacts. Every query names the organisation it reads. */
export function createContactsRepository() {
  function filtered(db: Executor, orgId: string, filter: ContactFilter) {
    let query = db.selectFrom('contacts').where('org_id', '=', orgId);
    // Site ids are 24 hex characters: the quoted id cannot occur in the JSON array other than as an element.
    if (filter.siteId !== undefined) query = query.where('site_ids', 'like', `%${JSON.stringify(filter.siteId)}%`);
    if (filter.tag !== undefined) query = query.where(hasTag(filter.tag));
    if (filter.digits !== undefined) query = query.where('mobile_number', 'like', `%${filter.digits}%`);
    if (filter.text !== undefined) {
      query = query.where(sql<SqlBool>`search_text like ${`%${escapeLike(filter.text)}%`} escape '\\'`);
    }
    return query;
  }

  return {
    /**
     * Inserts the contact unless the organisation already has one with its number; returns the row inserted, or
     * undefined when the number was taken. Never fails on the number, so it is safe inside a transaction on
     * PostgreSQL (where a failed statement aborts the transaction); a concurrent insert of the same number waits
     * for the other transaction and then inserts nothing.
     */
    async insertContactIfAbsent(db: Executor, row: ContactRow): Promise<ContactRow | undefined> {
      return db
        .insertInto('contacts')
        .values(row)
        .onConflict((oc) => oc.columns(['org_id', 'mobile_number']).doNothing())
        .returningAll()
        .executeTakeFirst();
    },

    /** Inserts the rows whose (organisation, number) is free, in one statement; returns those inserted. */
    async insertContactsIfAbsent(db: Executor, rows: readonly ContactRow[]): Promise<ContactRow[]> {
      if (rows.length === 0) return [];
      return db
        .insertInto('contacts')
        .values(rows)
        .onConflict((oc) => oc.columns(['org_id', 'mobile_number']).doNothing())
        .returningAll()
        .execute();
    },

    /** The ids of the organisation's contacts with these numbers. */
    async findContactIdsByNumbers(
      db: Executor,
      orgId: string,
      mobileNumbers: readonly string[],
    ): Promise<{ id: string; mobile_number: string }[]> {
      if (mobileNumbers.length === 0) return [];
      return db
        .selectFrom('contacts')
        .select(['id', 'mobile_number'])
        .where('org_id', '=', orgId)
        .where('mobile_number', 'in', mobileNumbers)
        .execute();
    },

    async findContactById(db: Executor, orgId: string, contactId: string): Promise<ContactRow | undefined> {
      return db
        .selectFrom('contacts')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', contactId)
        .executeTakeFirst();
    },

    async findContactByNumber(db: Executor, orgId: string, mobileNumber: string): Promise<ContactRow | undefined> {
      return db
        .selectFrom('contacts')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('mobile_number', '=', mobileNumber)
        .executeTakeFirst();
    },

    /**
     * Applies `changes` only if the contact is still at `version` (optimistic concurrency); undefined when another
     * writer changed it first. Throws a unique violation when the new number belongs to another contact.
     */
    async updateContactIfVersion(
      db: Executor,
      orgId: string,
      contactId: string,
      version: number,
      changes: ContactChanges,
      now: number,
    ): Promise<ContactRow | undefined> {
      return db
        .updateTable('contacts')
        .set({ ...changes, version: version + 1, updated_at: now })
        .where('org_id', '=', orgId)
        .where('id', '=', contactId)
        .where('version', '=', version)
        .returningAll()
        .executeTakeFirst();
    },

    async deleteContact(db: Executor, orgId: string, contactId: string): Promise<ContactRow | undefined> {
      return db
        .deleteFrom('contacts')
        .where('org_id', '=', orgId)
        .where('id', '=', contactId)
        .returningAll()
        .executeTakeFirst();
    },

    /** A page in a stable order: the sort field, then id. */
    async pageContacts(
      db: Executor,
      orgId: string,
      filter: ContactFilter,
      sort: ContactSort,
      limit: number,
      offset: number,
    ): Promise<ContactRow[]> {
      return filtered(db, orgId, filter)
        .selectAll()
        .orderBy(sort.field, sort.direction)
        .orderBy('id', sort.direction)
        .limit(limit)
        .offset(offset)
        .execute();
    },

    async countContacts(db: Executor, orgId: string, filter: ContactFilter): Promise<number> {
      const row = await filtered(db, orgId, filter)
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}

export type ContactsRepository = ReturnType<typeof createContactsRepository>;

/**
 * The JSON array in `tags` has an exact element `tag`. The array is rewritten as `,"a","b",` and searched for
 * `,"tag",` with replace(), which is case-sensitive and means the same on SQLite and PostgreSQL (LIKE is
 * case-insensitive on SQLite and case-sensitive on PostgreSQL, and instr/strpos differ by name). Inside a JSON
 * string every quote is escaped, so `,"` and `",` can only be element boundaries.
 */
function hasTag(tag: string): Expression<SqlBool> {
  const elements = sql<string>`(',' || substr(tags, 2, length(tags) - 2) || ',')`;
  return sql<SqlBool>`replace(${elements}, ${`,${JSON.stringify(tag)},`}, '') <> ${elements}`;
}

/** Escapes LIKE's wildcards (and the escape character itself) so user text matches literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
