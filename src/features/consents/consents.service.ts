import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { retryOnConflict, VersionConflict } from '../../platform/db/optimistic.js';
import { isId, newId } from '../../platform/ids.js';
import { asOutcome, ExpectedFailure, type Failure, fail, type Outcome, ok, uniqueOr } from '../../platform/outcome.js';
import type { ConsentErrorCode } from './consents.errors.js';
import { keywordKey, MAX_KEYWORD_KEY_LENGTH, reservedFamily } from './consents.keywords.js';
import {
  type ConsentKeywordRow,
  type CustomConsentChanges,
  type CustomConsentRow,
  createConsentsRepository,
} from './consents.repository.js';

export interface ConsentsServiceDeps {
  database: Database;
  clock: Clock;
}

export const CONSENT_LEVELS = ['CONVERSATIONAL', 'INFORMATIONAL', 'PROMOTIONAL'] as const;
export type ConsentLevel = (typeof CONSENT_LEVELS)[number];

/** Limits of custom consent fields (CONTRACT.md §6 is silent; these are ours). */
export const CONSENT_LIMITS = {
  name: 100,
  description: 1000,
  consentTypes: 50,
  consentType: 100,
  keywords: 20,
  keyword: 50,
  /** Four GSM-7 segments: a confirmation should stay short. */
  message: 640,
} as const;

/** A custom consent as services see it; the presenter turns it into the wire shape of CONTRACT.md §6. */
export interface CustomConsentView {
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  consentLevel: ConsentLevel;
  consentTypes: string[];
  /** As written; matched by their matching form (keywordKey). */
  optInKeywords: string[];
  optOutKeywords: string[];
  /** Sent when a number opts in with a keyword; a default naming the consent when null. */
  optInMessage: string | null;
  optOutMessage: string | null;
  active: boolean;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

/** The editable fields of a custom consent. Absent: unchanged; null clears a nullable field (or empties a list). */
export interface CustomConsentFields {
  name?: string;
  description?: string | null;
  consentLevel?: string;
  consentTypes?: string[] | null;
  optInKeywords?: string[] | null;
  optOutKeywords?: string[] | null;
  optInMessage?: string | null;
  optOutMessage?: string | null;
  active?: boolean;
}

export interface CreateCustomConsentInput extends CustomConsentFields {
  orgId: string;
  name: string;
  consentLevel: string;
  /** Who creates it: a user id, an OAuth client id, or `system`. */
  createdBy: string | null;
}

/** Custom consents: purposes a contact may opt in to, each with its own keywords. See README.md. */
export function createConsentsService(deps: ConsentsServiceDeps) {
  const { database, clock } = deps;
  const repository = createConsentsRepository();

  /**
   * Writes the consent's keyword rows (after removing its old ones) in `trx`. A keyword of another consent of the
   * organisation fails with consents.keyword_taken naming it; the primary key catches a concurrent taker.
   */
  async function writeKeywords(trx: Executor, row: CustomConsentRow, now: number): Promise<void> {
    await repository.deleteKeywordsOfConsent(trx, row.org_id, row.id);
    const keywordRows: ConsentKeywordRow[] = [
      ...(JSON.parse(row.opt_in_keywords) as string[]).map((k) => ({ keyword: k, direction: 'in' as const })),
      ...(JSON.parse(row.opt_out_keywords) as string[]).map((k) => ({ keyword: k, direction: 'out' as const })),
    ].map(({ keyword, direction }) => ({
      org_id: row.org_id,
      keyword: keywordKey(keyword),
      consent_id: row.id,
      direction,
      created_at: now,
    }));
    const taken = await repository.findKeywords(
      trx,
      row.org_id,
      keywordRows.map((k) => k.keyword),
    );
    if (taken.length > 0) {
      throw new ExpectedFailure(
        fail('consents.keyword_taken', `The keyword ${taken[0]!.keyword} belongs to another custom consent`, {
          keyword: taken[0]!.keyword,
        }),
      );
    }
    await uniqueOr(repository.insertKeywords(trx, keywordRows), 'consents.keyword_taken');
  }

  /** Reads, changes and conditionally writes one consent in a transaction, retrying on a concurrent change. */
  async function modify(
    orgId: string,
    consentId: string,
    change: (row: CustomConsentRow) => Outcome<CustomConsentChanges, ConsentErrorCode>,
  ): Promise<Outcome<CustomConsentView, ConsentErrorCode>> {
    if (!isId(consentId)) return fail('consents.not_found');
    const outcome = await asOutcome<CustomConsentRow, ConsentErrorCode>(() =>
      retryOnConflict(() =>
        database.transaction(async (trx) => {
          const before = await repository.findConsent(trx, orgId, consentId);
          if (!before) throw new ExpectedFailure(fail('consents.not_found'));
          const changes = change(before);
          if (!changes.ok) throw new ExpectedFailure(changes);
          const diff = Object.fromEntries(
            Object.entries(changes.value).filter(
              ([column, value]) => before[column as keyof CustomConsentRow] !== value,
            ),
          ) as CustomConsentChanges;
          if (Object.keys(diff).length === 0) return before;
          const now = clock.now();
          const after = await uniqueOr(
            repository.updateConsentIfVersion(trx, orgId, consentId, before.version, diff, now),
            'consents.name_taken',
          );
          if (!after) throw new VersionConflict();
          if (diff.opt_in_keywords !== undefined || diff.opt_out_keywords !== undefined) {
            await writeKeywords(trx, after, now);
          }
          return after;
        }),
      ),
    );
    return outcome.ok ? ok(toView(outcome.value)) : outcome;
  }

  return {
    async create(input: CreateCustomConsentInput): Promise<Outcome<CustomConsentView, ConsentErrorCode>> {
      const columns = columnsOf(input, { opt_in_keywords: '[]', opt_out_keywords: '[]' });
      if (!columns.ok) return columns;
      if (input.name === undefined) return invalid('name', 'is required');
      if (input.consentLevel === undefined) return invalid('consentLevel', 'is required');
      const now = clock.now();
      const row: CustomConsentRow = {
        id: newId(now),
        org_id: input.orgId,
        name: '',
        description: null,
        consent_level: 'CONVERSATIONAL',
        consent_types: '[]',
        opt_in_keywords: '[]',
        opt_out_keywords: '[]',
        opt_in_message: null,
        opt_out_message: null,
        active: 1,
        created_by: input.createdBy,
        version: 1,
        created_at: now,
        updated_at: now,
        ...columns.value,
      };
      const outcome = await asOutcome<CustomConsentRow, ConsentErrorCode>(() =>
        database.transaction(async (trx) => {
          await uniqueOr(repository.insertConsent(trx, row), 'consents.name_taken');
          await writeKeywords(trx, row, now);
          return row;
        }),
      );
      return outcome.ok ? ok(toView(outcome.value)) : outcome;
    },

    /** Changes the fields sent (PUT /customconsent/{id}); keywords are checked again as a whole. */
    async update(
      orgId: string,
      consentId: string,
      fields: CustomConsentFields,
    ): Promise<Outcome<CustomConsentView, ConsentErrorCode>> {
      return modify(orgId, consentId, (before) => columnsOf(fields, before));
    },

    async get(orgId: string, consentId: string): Promise<Outcome<CustomConsentView, ConsentErrorCode>> {
      const row = isId(consentId) ? await repository.findConsent(database.db, orgId, consentId) : undefined;
      return row ? ok(toView(row)) : fail('consents.not_found');
    },

    /** A page of the organisation's custom consents, oldest first; `active` filters by status. */
    async page(
      orgId: string,
      filter: { active?: boolean },
      limit: number,
      offset: number,
    ): Promise<{ consents: CustomConsentView[]; total: number }> {
      const [rows, total] = await Promise.all([
        repository.pageConsents(database.db, orgId, filter, limit, offset),
        repository.countConsents(database.db, orgId, filter),
      ]);
      return { consents: rows.map(toView), total };
    },

    /**
     * Activates or deactivates a consent (POST /customconsent/{id}/change). An inactive consent's keywords stay
     * reserved to it but are not acted on, and nobody may be opted in to it.
     */
    async changeStatus(
      orgId: string,
      consentId: string,
      active: boolean,
    ): Promise<Outcome<CustomConsentView, ConsentErrorCode>> {
      return modify(orgId, consentId, () => ok({ active: active ? 1 : 0 }));
    },

    /**
     * Adds or removes consent types (POST /customconsent/{id}/type). Adding one already there and removing one
     * absent change nothing; the order of the others is kept.
     */
    async changeTypes(
      orgId: string,
      consentId: string,
      action: 'add' | 'remove',
      types: string[],
    ): Promise<Outcome<CustomConsentView, ConsentErrorCode>> {
      if (action !== 'add' && action !== 'remove') return invalid('action', 'must be add or remove');
      const given = consentTypesOf(types);
      if (!given.ok) return given;
      return modify(orgId, consentId, (before) => {
        const current = JSON.parse(before.consent_types) as string[];
        const next =
          action === 'add'
            ? [...current, ...given.value.filter((t) => !current.includes(t))]
            : current.filter((t) => !given.value.includes(t));
        if (next.length > CONSENT_LIMITS.consentTypes) {
          return invalid('consentTypes', `must have at most ${CONSENT_LIMITS.consentTypes} items`);
        }
        return ok({ consent_types: JSON.stringify(next) });
      });
    },
  };
}

export type ConsentsService = ReturnType<typeof createConsentsService>;

export function toView(row: CustomConsentRow): CustomConsentView {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    consentLevel: row.consent_level,
    consentTypes: JSON.parse(row.consent_types) as string[],
    optInKeywords: JSON.parse(row.opt_in_keywords) as string[],
    optOutKeywords: JSON.parse(row.opt_out_keywords) as string[],
    optInMessage: row.opt_in_message,
    optOutMessage: row.opt_out_message,
    active: row.active === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function invalid(field: string, problem: string): Failure<ConsentErrorCode> {
  return fail('consents.invalid_field', `${field} ${problem}`, { field });
}

/**
 * Validates the fields sent and turns them into column values. `current` supplies the keyword lists not sent, so
 * the opt-in and opt-out lists are always checked against each other.
 */
function columnsOf(
  fields: CustomConsentFields,
  current: Pick<CustomConsentRow, 'opt_in_keywords' | 'opt_out_keywords'>,
): Outcome<CustomConsentChanges, ConsentErrorCode> {
  const columns: CustomConsentChanges = {};
  if (fields.name !== undefined) {
    const name = typeof fields.name === 'string' ? fields.name.trim() : '';
    if (name.length < 1 || name.length > CONSENT_LIMITS.name) {
      return invalid('name', `must have 1 to ${CONSENT_LIMITS.name} characters`);
    }
    columns.name = name;
  }
  if (fields.consentLevel !== undefined) {
    if (!(CONSENT_LEVELS as readonly string[]).includes(fields.consentLevel)) {
      return invalid('consentLevel', `must be one of ${CONSENT_LEVELS.join(', ')}`);
    }
    columns.consent_level = fields.consentLevel as ConsentLevel;
  }
  for (const [field, column, max] of [
    ['description', 'description', CONSENT_LIMITS.description],
    ['optInMessage', 'opt_in_message', CONSENT_LIMITS.message],
    ['optOutMessage', 'opt_out_message', CONSENT_LIMITS.message],
  ] as const) {
    const value = fields[field];
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') return invalid(field, 'must be a string');
    const trimmed = value?.trim() ?? '';
    if (trimmed.length > max) return invalid(field, `must have at most ${max} characters`);
    columns[column] = trimmed === '' ? null : trimmed;
  }
  if (fields.active !== undefined) {
    if (typeof fields.active !== 'boolean') return invalid('active', 'must be true or false');
    columns.active = fields.active ? 1 : 0;
  }
  if (fields.consentTypes !== undefined) {
    const types = consentTypesOf(fields.consentTypes ?? []);
    if (!types.ok) return types;
    columns.consent_types = JSON.stringify(types.value);
  }
  if (fields.optInKeywords !== undefined || fields.optOutKeywords !== undefined) {
    const optIn = keywordsOf(
      fields.optInKeywords === undefined ? JSON.parse(current.opt_in_keywords) : (fields.optInKeywords ?? []),
      'optInKeywords',
    );
    if (!optIn.ok) return optIn;
    const optOut = keywordsOf(
      fields.optOutKeywords === undefined ? JSON.parse(current.opt_out_keywords) : (fields.optOutKeywords ?? []),
      'optOutKeywords',
    );
    if (!optOut.ok) return optOut;
    const inKeys = new Set(optIn.value.map(keywordKey));
    const both = optOut.value.find((k) => inKeys.has(keywordKey(k)));
    if (both !== undefined) {
      return fail('consents.invalid_keyword', `The keyword ${both} cannot both opt in and opt out`, {
        keyword: both,
      });
    }
    columns.opt_in_keywords = JSON.stringify(optIn.value);
    columns.opt_out_keywords = JSON.stringify(optOut.value);
  }
  return ok(columns);
}

function consentTypesOf(value: unknown): Outcome<string[], ConsentErrorCode> {
  if (!Array.isArray(value)) return invalid('consentTypes', 'must be a list of strings');
  const types: string[] = [];
  for (const item of value) {
    const trimmed = typeof item === 'string' ? item.trim() : '';
    if (trimmed.length < 1 || trimmed.length > CONSENT_LIMITS.consentType) {
      return invalid('consentTypes', `items must be strings of 1 to ${CONSENT_LIMITS.consentType} characters`);
    }
    if (!types.includes(trimmed)) types.push(trimmed);
  }
  if (types.length > CONSENT_LIMITS.consentTypes) {
    return invalid('consentTypes', `must have at most ${CONSENT_LIMITS.consentTypes} items`);
  }
  return ok(types);
}

/**
 * Keywords as written (trimmed), one per matching form. Each must reduce to 1–30 letters or digits and must not be
 * a STOP, START or HELP family word, which the engine handles for the whole organisation (CONTRACT.md §6).
 */
function keywordsOf(value: unknown, field: string): Outcome<string[], ConsentErrorCode> {
  if (!Array.isArray(value)) return invalid(field, 'must be a list of strings');
  const keywords: string[] = [];
  const keys = new Set<string>();
  for (const item of value) {
    const trimmed = typeof item === 'string' ? item.trim() : '';
    const key = keywordKey(trimmed);
    if (trimmed.length > CONSENT_LIMITS.keyword || key.length < 1 || key.length > MAX_KEYWORD_KEY_LENGTH) {
      return fail('consents.invalid_keyword', `Not a valid keyword: ${String(item)}`, { keyword: item });
    }
    if (reservedFamily(key)) {
      return fail('consents.reserved_keyword', `The keyword ${trimmed} is reserved`, { keyword: trimmed });
    }
    if (keys.has(key)) continue;
    keys.add(key);
    keywords.push(trimmed);
  }
  if (keywords.length > CONSENT_LIMITS.keywords) {
    return invalid(field, `must have at most ${CONSENT_LIMITS.keywords} keywords`);
  }
  return ok(keywords);
}
