import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { retryOnConflict, VERSION_ATTEMPTS, VersionConflict } from '../../platform/db/optimistic.js';
import { type NewEvent, recordEvent, recordEvents } from '../../platform/events/events.js';
import { isId, newId } from '../../platform/ids.js';
import { asOutcome, ExpectedFailure, fail, type Outcome, ok, uniqueOr } from '../../platform/outcome.js';
import { normalizePhoneNumber } from '../../platform/phone.js';
import {
  type ConsentLedger,
  type ConsentSource,
  type ConsentStatus,
  GLOBAL_SCOPE,
  type LedgerEntry,
} from '../consents/consents.ledger.js';
import type { SitesService } from '../sites/sites.service.js';
import type { ContactErrorCode } from './contacts.errors.js';
import {
  type ContactChanges,
  type ContactFilter,
  type ContactRow,
  type ContactSort,
  createContactsRepository,
} from './contacts.repository.js';

export interface ContactsServiceDeps {
  database: Database;
  clock: Clock;
  defaultRegion: string;
  sites: SitesService;
  consentLedger: ConsentLedger;
}

/** Limits of contact fields (CONTRACT.md §5 is silent; these are ours). */
export const CONTACT_LIMITS = {
  name: 100,
  company: 100,
  email: 254,
  notes: 5000,
  tags: 50,
  tag: 50,
  siteIds: 100,
  customFields: 50,
  customFieldKey: 50,
  customFieldValue: 1000,
  query: 100,
} as const;

/** Deliberately loose (RFC 5322 is not worth enforcing): one @, no spaces, a dot in the domain. */
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
export type CustomFieldValue = string | number | boolean;

/**
 * The editable fields of a contact. An absent field is left as it is; null (or an empty string) clears it.
 * Lists and customFields are replaced whole when sent.
 */
export interface ContactFields {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  company?: string | null;
  notes?: string | null;
  tags?: string[] | null;
  siteIds?: string[] | null;
  customFields?: Record<string, CustomFieldValue> | null;
}

export interface ContactUpdate extends ContactFields {
  /** A new number for the contact (any format; normalised with the default region). */
  mobileNumber?: string;
}

export interface UpsertContactInput extends ContactFields {
  orgId: string;
  /** The key of the upsert (any format; normalised with the default region). */
  mobileNumber: string;
}

/** A custom consent's current state for a contact (its number). */
export interface ContactConsent {
  customConsentId: string;
  status: ConsentStatus;
  source: ConsentSource;
  updatedAt: number;
}

/** A contact as services see it; the presenter turns it into the wire shape of CONTRACT.md §5. */
export interface ContactView {
  id: string;
  orgId: string;
  firstName: string | null;
  lastName: string | null;
  mobileNumber: string;
  email: string | null;
  company: string | null;
  notes: string | null;
  tags: string[];
  siteIds: string[];
  customFields: Record<string, CustomFieldValue>;
  /** Derived from the consent ledger: the number's latest global entry is OPTED_OUT. */
  optedOut: boolean;
  /** Time of that entry, when opted out. */
  optedOutAt: number | null;
  /** Derived from the consent ledger: the latest entry of each custom consent the number has one for. */
  consents: ContactConsent[];
  createdAt: number;
  updatedAt: number;
}

export interface ContactPageQuery {
  siteId?: string;
  tag?: string;
  sort?: ContactSort;
}

export interface ContactSearchQuery extends ContactPageQuery {
  /** Digits the number must contain; other characters are ignored ("(202) 555" → 202555). */
  number?: string;
  /** Text the name ("first last") or email must contain, case-insensitively. */
  q?: string;
}

const DEFAULT_SORT: ContactSort = { field: 'created_at', direction: 'asc' };

/** Contacts of an organisation: the people it texts, keyed by mobile number. See README.md. */
export function createContactsService(deps: ContactsServiceDeps) {
  const { database, clock, sites, consentLedger } = deps;
  const repository = createContactsRepository();

  function normalizeNumber(raw: unknown): Outcome<string, ContactErrorCode> {
    const number = typeof raw === 'string' ? normalizePhoneNumber(raw, deps.defaultRegion) : null;
    return number ? ok(number) : fail('contacts.invalid_number', `Not a valid phone number: ${String(raw)}`);
  }

  /** Validates the fields sent and turns them into column values; nothing is written on any failure. */
  async function columnsOf(orgId: string, fields: ContactFields): Promise<Outcome<ContactChanges, ContactErrorCode>> {
    const changes: ContactChanges = {};
    const text = (
      field: keyof ContactFields,
      column: 'first_name' | 'last_name' | 'company' | 'notes' | 'email',
      max: number,
    ): Failure | undefined => {
      const value = fields[field];
      if (value === undefined) return;
      if (value !== null && typeof value !== 'string') return invalid(field, 'must be a string');
      const trimmed = value?.trim() ?? '';
      if (trimmed.length > max) return invalid(field, `must have at most ${max} characters`);
      changes[column] = trimmed === '' ? null : trimmed;
    };
    const failure =
      text('firstName', 'first_name', CONTACT_LIMITS.name) ??
      text('lastName', 'last_name', CONTACT_LIMITS.name) ??
      text('company', 'company', CONTACT_LIMITS.company) ??
      text('notes', 'notes', CONTACT_LIMITS.notes) ??
      text('email', 'email', CONTACT_LIMITS.email);
    if (failure) return failure;
    if (changes.email && !EMAIL_PATTERN.test(changes.email)) return invalid('email', 'is not a valid email address');

    if (fields.tags !== undefined) {
      const tags = stringList(fields.tags ?? [], 'tags', CONTACT_LIMITS.tags, CONTACT_LIMITS.tag);
      if (!tags.ok) return tags;
      changes.tags = JSON.stringify(tags.value);
    }
    if (fields.siteIds !== undefined) {
      const siteIds = stringList(fields.siteIds ?? [], 'siteIds', CONTACT_LIMITS.siteIds, 24);
      if (!siteIds.ok) return siteIds;
      for (const siteId of siteIds.value) {
        if (!isId(siteId) || !(await sites.getSite(orgId, siteId)).ok) {
          return fail('contacts.invalid_site', `Not a site of the organisation: ${siteId}`, { field: 'siteIds' });
        }
      }
      changes.site_ids = JSON.stringify(siteIds.value);
    }
    if (fields.customFields !== undefined) {
      const custom = customFieldsOf(fields.customFields ?? {});
      if (!custom.ok) return custom;
      changes.custom_fields = JSON.stringify(custom.value);
    }
    return ok(changes);
  }

  async function views(orgId: string, rows: ContactRow[]): Promise<ContactView[]> {
    const states = await consentLedger.statesOf(
      database.db,
      orgId,
      rows.map((r) => r.mobile_number),
    );
    return rows.map((row) => {
      const numberStates = states.get(row.mobile_number) ?? [];
      const global = numberStates.find((s) => s.scope === GLOBAL_SCOPE);
      const optedOut = global?.status === 'OPTED_OUT';
      return {
        id: row.id,
        orgId: row.org_id,
        firstName: row.first_name,
        lastName: row.last_name,
        mobileNumber: row.mobile_number,
        email: row.email,
        company: row.company,
        notes: row.notes,
        tags: JSON.parse(row.tags) as string[],
        siteIds: JSON.parse(row.site_ids) as string[],
        customFields: JSON.parse(row.custom_fields) as Record<string, CustomFieldValue>,
        optedOut,
        optedOutAt: optedOut ? global!.updatedAt : null,
        consents: numberStates
          .filter((s) => s.scope !== GLOBAL_SCOPE)
          .map((s) => ({ customConsentId: s.scope, status: s.status, source: s.source, updatedAt: s.updatedAt })),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      };
    });
  }

  async function view(orgId: string, row: ContactRow): Promise<ContactView> {
    return (await views(orgId, [row]))[0]!;
  }

  function newRow(orgId: string, mobileNumber: string, changes: ContactChanges, now: number): ContactRow {
    const row: ContactRow = {
      id: newId(now),
      org_id: orgId,
      first_name: null,
      last_name: null,
      mobile_number: mobileNumber,
      email: null,
      company: null,
      notes: null,
      tags: '[]',
      site_ids: '[]',
      custom_fields: '{}',
      search_text: '',
      version: 1,
      created_at: now,
      updated_at: now,
      ...changes,
    };
    row.search_text = searchText(row);
    return row;
  }

  async function created(trx: Executor, row: ContactRow): Promise<void> {
    await recordEvent(trx, createdEvent(row));
  }

  /**
   * Applies `changes` to `before` in `trx`: only the columns that differ are written, with the search text, a new
   * version and the contact.updated event. Returns the row as it is now (unchanged when nothing differed).
   */
  async function update(trx: Executor, before: ContactRow, changes: ContactChanges): Promise<ContactRow> {
    const diff: ContactChanges = {};
    for (const [column, value] of Object.entries(changes) as [keyof ContactChanges, string | null][]) {
      if (before[column] !== value) (diff as Record<string, unknown>)[column] = value;
    }
    if (Object.keys(diff).length === 0) return before;
    const now = clock.now();
    const search = searchText({ ...before, ...diff });
    if (search !== before.search_text) diff.search_text = search;
    const after = await uniqueOr(
      repository.updateContactIfVersion(trx, before.org_id, before.id, before.version, diff, now),
      'contacts.number_taken',
    );
    if (!after) throw new VersionConflict();
    await recordEvent(trx, {
      orgId: after.org_id,
      type: 'contact.updated',
      subjectId: after.id,
      payload: {
        contactId: after.id,
        mobileNumber: after.mobile_number,
        lastUpdated: after.updated_at,
        changedFields: changedFields(diff),
        ...(diff.mobile_number ? { previousMobileNumber: before.mobile_number } : {}),
      },
      at: now,
    });
    return after;
  }

  async function updateWhere(
    orgId: string,
    find: (db: Executor) => Promise<ContactRow | undefined>,
    input: ContactUpdate,
  ): Promise<Outcome<ContactView, ContactErrorCode>> {
    const changes = await columnsOf(orgId, input);
    if (!changes.ok) return changes;
    if (input.mobileNumber !== undefined) {
      const number = normalizeNumber(input.mobileNumber);
      if (!number.ok) return number;
      changes.value.mobile_number = number.value;
    }
    const outcome = await asOutcome(() =>
      retryOnConflict(() =>
        database.transaction(async (trx) => {
          const before = await find(trx);
          if (!before) throw new ExpectedFailure(fail('contacts.not_found'));
          return update(trx, before, changes.value);
        }),
      ),
    );
    return outcome.ok ? ok(await view(orgId, outcome.value)) : (outcome as Failure);
  }

  async function pageOf(
    orgId: string,
    filter: ContactFilter,
    sort: ContactSort | undefined,
    limit: number,
    offset: number,
  ): Promise<{ contacts: ContactView[]; total: number }> {
    const [rows, total] = await Promise.all([
      repository.pageContacts(database.db, orgId, filter, sort ?? DEFAULT_SORT, limit, offset),
      repository.countContacts(database.db, orgId, filter),
    ]);
    return { contacts: await views(orgId, rows), total };
  }

  function pageFilter(query: ContactPageQuery): ContactFilter | null {
    // An id that is not 24-hex names no site: the page is empty rather than an error, like any unknown site.
    if (query.siteId !== undefined && !isId(query.siteId)) return null;
    return {
      ...(query.siteId !== undefined ? { siteId: query.siteId } : {}),
      ...(query.tag !== undefined && query.tag.trim() !== '' ? { tag: query.tag.trim() } : {}),
    };
  }

  /**
   * The contacts of numbers of one organisation, created with no other fields where absent, in a few statements (a
   * batch of accepted texts), in the caller's transaction: the ids by number. New contacts get their contact.created
   * event in `trx`. Look first: most texts go to known contacts, and a read is cheaper than an insert that conflicts;
   * a number inserted by a concurrent transaction meanwhile is found by the next look.
   */
  async function ensureContacts(
    trx: Executor,
    orgId: string,
    mobileNumbers: readonly string[],
  ): Promise<Map<string, string>> {
    const wanted = [...new Set(mobileNumbers)];
    const ids = new Map<string, string>();
    for (let attempt = 1; ; attempt++) {
      const missing = wanted.filter((number) => !ids.has(number));
      for (const row of await repository.findContactIdsByNumbers(trx, orgId, missing)) {
        ids.set(row.mobile_number, row.id);
      }
      const absent = wanted.filter((number) => !ids.has(number));
      if (absent.length === 0) return ids;
      const now = clock.now();
      const inserted = await repository.insertContactsIfAbsent(
        trx,
        absent.map((number) => newRow(orgId, number, {}, now)),
      );
      for (const row of inserted) ids.set(row.mobile_number, row.id);
      await recordEvents(trx, inserted.map(createdEvent));
      // Numbers inserted by a concurrent transaction meanwhile are found by the next look.
      if (ids.size === wanted.length) return ids;
      if (attempt >= VERSION_ATTEMPTS) throw new Error('The contacts of the numbers keep being deleted');
    }
  }

  return {
    /**
     * Creates the contact of `mobileNumber`, or changes the fields sent of the one that exists (CONTRACT.md §5,
     * POST /contact). Atomic: concurrent upserts of one number make one contact (the unique constraint and
     * ON CONFLICT DO NOTHING), the others update it. `created` tells 201 from 200.
     */
    async upsertByNumber(
      input: UpsertContactInput,
    ): Promise<Outcome<{ contact: ContactView; created: boolean }, ContactErrorCode>> {
      const { orgId, mobileNumber, ...fields } = input;
      const number = normalizeNumber(mobileNumber);
      if (!number.ok) return number;
      const changes = await columnsOf(orgId, fields);
      if (!changes.ok) return changes;
      const outcome = await asOutcome(() =>
        retryOnConflict(() =>
          database.transaction(async (trx) => {
            const fresh = newRow(orgId, number.value, changes.value, clock.now());
            const inserted = await repository.insertContactIfAbsent(trx, fresh);
            if (inserted) {
              await created(trx, inserted);
              return { row: inserted, created: true };
            }
            const before = await repository.findContactByNumber(trx, orgId, number.value);
            // Deleted between the two statements by a concurrent transaction: start again.
            if (!before) throw new VersionConflict();
            return { row: await update(trx, before, changes.value), created: false };
          }),
        ),
      );
      if (!outcome.ok) return outcome as Failure;
      return ok({ contact: await view(orgId, outcome.value.row), created: outcome.value.created });
    },

    /** Changes the fields sent of a contact (PUT /contact/{id}); a new mobileNumber must be free in the org. */
    async updateById(
      orgId: string,
      contactId: string,
      input: ContactUpdate,
    ): Promise<Outcome<ContactView, ContactErrorCode>> {
      if (!isId(contactId)) return fail('contacts.not_found');
      return updateWhere(orgId, (db) => repository.findContactById(db, orgId, contactId), input);
    },

    /** Changes the fields sent of the contact of a number (PUT /contact/mobile/{mobileNumber}); 404 when none. */
    async updateByNumber(
      orgId: string,
      mobileNumber: string,
      input: ContactUpdate,
    ): Promise<Outcome<ContactView, ContactErrorCode>> {
      const number = normalizeNumber(mobileNumber);
      if (!number.ok) return number;
      return updateWhere(orgId, (db) => repository.findContactByNumber(db, orgId, number.value), input);
    },

    async getById(orgId: string, contactId: string): Promise<Outcome<ContactView, ContactErrorCode>> {
      const row = isId(contactId) ? await repository.findContactById(database.db, orgId, contactId) : undefined;
      return row ? ok(await view(orgId, row)) : fail('contacts.not_found');
    },

    /** The contact of a number in any format (GET /contact/mobile/{mobileNumber}); 404 when none. */
    async getByNumber(orgId: string, mobileNumber: string): Promise<Outcome<ContactView, ContactErrorCode>> {
      const number = normalizeNumber(mobileNumber);
      if (!number.ok) return number;
      const row = await repository.findContactByNumber(database.db, orgId, number.value);
      return row ? ok(await view(orgId, row)) : fail('contacts.not_found');
    },

    /** A page of the organisation's contacts (GET /contact/all), oldest first unless sorted otherwise. */
    async page(
      orgId: string,
      query: ContactPageQuery,
      limit: number,
      offset: number,
    ): Promise<{ contacts: ContactView[]; total: number }> {
      const filter = pageFilter(query);
      return filter ? pageOf(orgId, filter, query.sort, limit, offset) : { contacts: [], total: 0 };
    },

    /**
     * Contacts whose number contains the digits of `number` and whose name or email contains `q`, both optional
     * (GET /contact/search). Case-insensitive for every script alike on both dialects: the text is lower-cased in
     * JavaScript on write (search_text) and on query, and LIKE's wildcards in `q` are matched literally.
     */
    async search(
      orgId: string,
      query: ContactSearchQuery,
      limit: number,
      offset: number,
    ): Promise<Outcome<{ contacts: ContactView[]; total: number }, ContactErrorCode>> {
      const filter = pageFilter(query);
      if (query.number !== undefined && query.number.trim() !== '') {
        const digits = query.number.replace(/\D/g, '');
        if (digits === '') return invalid('number', 'must contain digits');
        if (filter) filter.digits = digits;
      }
      if (query.q !== undefined) {
        const text = searchForm(query.q);
        if (text.length > CONTACT_LIMITS.query)
          return invalid('q', `must have at most ${CONTACT_LIMITS.query} characters`);
        if (filter && text !== '') filter.text = text;
      }
      return ok(filter ? await pageOf(orgId, filter, query.sort, limit, offset) : { contacts: [], total: 0 });
    },

    /**
     * Deletes the contact row (DELETE /contact/{id}). Its consent ledger and state stay, keyed by the number: a
     * contact created again for that number is still opted out if it was.
     */
    async delete(orgId: string, contactId: string): Promise<Outcome<ContactView, ContactErrorCode>> {
      if (!isId(contactId)) return fail('contacts.not_found');
      const outcome = await asOutcome(() =>
        database.transaction(async (trx) => {
          const row = await repository.deleteContact(trx, orgId, contactId);
          if (!row) throw new ExpectedFailure(fail('contacts.not_found'));
          const now = clock.now();
          await recordEvent(trx, {
            orgId,
            type: 'contact.deleted',
            subjectId: row.id,
            payload: { contactId: row.id, mobileNumber: row.mobile_number, lastUpdated: now },
            at: now,
          });
          return row;
        }),
      );
      return outcome.ok ? ok(await view(orgId, outcome.value)) : (outcome as Failure);
    },

    /**
     * The consent ledger of the contact's number, oldest first (GET /contact/{id}/consenthistory). Consent belongs
     * to the number, so entries recorded before this contact record existed (or under a deleted one) are included.
     */
    async consentHistory(orgId: string, contactId: string): Promise<Outcome<LedgerEntry[], ContactErrorCode>> {
      const row = isId(contactId) ? await repository.findContactById(database.db, orgId, contactId) : undefined;
      if (!row) return fail('contacts.not_found');
      return ok(await consentLedger.history(orgId, row.mobile_number));
    },

    /**
     * The contact of an E.164 number, created with no other fields if absent, in the caller's transaction (the
     * opt-out engine records a keyword's contact and its consent change together): its id.
     */
    async ensureContact(trx: Executor, orgId: string, mobileNumber: string): Promise<{ id: string }> {
      const ids = await ensureContacts(trx, orgId, [mobileNumber]);
      return { id: ids.get(mobileNumber)! };
    },

    ensureContacts,

    /**
     * Records contact.updated for a consent change of the contact's number, in the caller's transaction, so
     * subscribers learn that optedOut (global scope) or consents[] (a custom consent) changed.
     */
    async recordConsentChanged(
      trx: Executor,
      change: { orgId: string; contactId: string; mobileNumber: string; scope: string; at: number },
    ): Promise<void> {
      await recordEvent(trx, {
        orgId: change.orgId,
        type: 'contact.updated',
        subjectId: change.contactId,
        payload: {
          contactId: change.contactId,
          mobileNumber: change.mobileNumber,
          lastUpdated: change.at,
          changedFields: [change.scope === GLOBAL_SCOPE ? 'optedOut' : 'consents'],
        },
        at: change.at,
      });
    },
  };
}

export type ContactsService = ReturnType<typeof createContactsService>;

type Failure = Extract<Outcome<never, ContactErrorCode>, { ok: false }>;

function invalid(field: string, problem: string): Failure {
  return fail('contacts.invalid_field', `${field} ${problem}`, { field });
}

/** A list of distinct trimmed non-empty strings, each at most `maxLength` characters, at most `maxItems` of them. */
function stringList(
  value: unknown,
  field: string,
  maxItems: number,
  maxLength: number,
): Outcome<string[], ContactErrorCode> {
  if (!Array.isArray(value)) return invalid(field, 'must be a list of strings');
  const list: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') return invalid(field, 'must be a list of strings');
    const trimmed = item.trim();
    if (trimmed === '' || trimmed.length > maxLength)
      return invalid(field, `items must have 1 to ${maxLength} characters`);
    if (!list.includes(trimmed)) list.push(trimmed);
  }
  if (list.length > maxItems) return invalid(field, `must have at most ${maxItems} items`);
  return ok(list);
}

function customFieldsOf(value: unknown): Outcome<Record<string, CustomFieldValue>, ContactErrorCode> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('customFields', 'must be an object');
  }
  const entries = Object.entries(value);
  if (entries.length > CONTACT_LIMITS.customFields) {
    return invalid('customFields', `must have at most ${CONTACT_LIMITS.customFields} fields`);
  }
  const fields: Record<string, CustomFieldValue> = {};
  for (const [key, item] of entries) {
    if (key.trim() === '' || key.length > CONTACT_LIMITS.customFieldKey) {
      return invalid('customFields', `names must have 1 to ${CONTACT_LIMITS.customFieldKey} characters`);
    }
    const valid =
      (typeof item === 'string' && item.length <= CONTACT_LIMITS.customFieldValue) ||
      (typeof item === 'number' && Number.isFinite(item)) ||
      typeof item === 'boolean';
    if (!valid) {
      return invalid(
        'customFields',
        `values must be strings of at most ${CONTACT_LIMITS.customFieldValue} characters, numbers or booleans`,
      );
    }
    fields[key] = item as CustomFieldValue;
  }
  return ok(fields);
}

/** The lower-cased, space-collapsed form of searchable text (names, email, and `q`). */
function searchForm(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** "first last" newline email, in search form; the newline keeps a `q` from matching across name and email. */
function searchText(row: Pick<ContactRow, 'first_name' | 'last_name' | 'email'>): string {
  return `${searchForm(`${row.first_name ?? ''} ${row.last_name ?? ''}`)}\n${searchForm(row.email ?? '')}`;
}

const FIELD_OF_COLUMN: Record<string, string> = {
  first_name: 'firstName',
  last_name: 'lastName',
  mobile_number: 'mobileNumber',
  email: 'email',
  company: 'company',
  notes: 'notes',
  tags: 'tags',
  site_ids: 'siteIds',
  custom_fields: 'customFields',
};

function changedFields(diff: ContactChanges): string[] {
  return Object.keys(diff)
    .map((column) => FIELD_OF_COLUMN[column])
    .filter((field): field is string => field !== undefined);
}

function createdEvent(row: ContactRow): NewEvent {
  return {
    orgId: row.org_id,
    type: 'contact.created',
    subjectId: row.id,
    payload: { contactId: row.id, mobileNumber: row.mobile_number, lastUpdated: row.updated_at },
    at: row.updated_at,
  };
}
