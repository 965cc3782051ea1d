import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { type ConsentStateRow, createConsentsRepository, type LedgerRow } from './consents.repository.js';

export type ConsentStatus = 'OPTED_IN' | 'OPTED_OUT';
export type ConsentSource = 'keyword' | 'api' | 'app' | 'import';

/** The scope of an organisation-wide opt-out (STOP): every message of the organisation. */
export const GLOBAL_SCOPE = 'global';

/**
 * What an absent state means. Global: opted in — a business may answer a number that texted it until that number
 * says STOP. A custom consent: opted out — that purpose needs an explicit opt-in first.
 */
export function defaultStatus(scope: string): ConsentStatus {
  return scope === GLOBAL_SCOPE ? 'OPTED_IN' : 'OPTED_OUT';
}

export interface ConsentChange {
  orgId: string;
  /** E.164 (already normalised). */
  mobileNumber: string;
  /** The contact of the number, if any; kept in the entry even after the contact is deleted. */
  contactId: string | null;
  /** GLOBAL_SCOPE or a custom consent id. */
  scope: string;
  status: ConsentStatus;
  source: ConsentSource;
  /** A user id, an OAuth client id, or `system`. */
  actor: string;
  departmentId?: string | null;
  messageId?: string | null;
}

export interface LedgerEntry {
  id: string;
  orgId: string;
  contactId: string | null;
  mobileNumber: string;
  /** GLOBAL_SCOPE or a custom consent id. */
  scope: string;
  /** The custom consent of the entry; null for the global scope. */
  customConsentId: string | null;
  status: ConsentStatus;
  source: ConsentSource;
  actor: string;
  departmentId: string | null;
  messageId: string | null;
  createdAt: number;
}

/** The current state of one scope of a number: the latest ledger entry's status, source and time. */
export interface ConsentState {
  scope: string;
  status: ConsentStatus;
  source: ConsentSource;
  updatedAt: number;
  ledgerId: string;
}

export interface ConsentLedgerDeps {
  database: Database;
  clock: Clock;
}

/**
 * The consent ledger: an append-only record of every consent change of a number, by scope, and the current state
 * derived from it (`consent_states`, the latest entry per scope, written in the same transaction as the entry).
 * Consent belongs to the number, not the contact record: deleting or re-creating a contact changes nothing here.
 * Used by the contacts feature (a contact's optedOut and consents[]) and by the opt-out engine. See README.md.
 */
export function createConsentLedger(deps: ConsentLedgerDeps) {
  const { database, clock } = deps;
  const repository = createConsentsRepository();

  return {
    /**
     * Appends `change` to the ledger if it changes the number's state in that scope, with `trx` (pass the
     * transaction of whatever else belongs to the change). Returns the entry, or null when the state already was
     * `change.status` (explicitly, or by default): a second STOP appends nothing.
     */
    async record(trx: Executor, change: ConsentChange): Promise<LedgerEntry | null> {
      const now = clock.now();
      const entry: LedgerRow = {
        id: newId(now),
        org_id: change.orgId,
        contact_id: change.contactId,
        mobile_number: change.mobileNumber,
        scope: change.scope,
        status: change.status,
        source: change.source,
        actor: change.actor,
        department_id: change.departmentId ?? null,
        message_id: change.messageId ?? null,
        created_at: now,
      };
      const state: ConsentStateRow = {
        org_id: change.orgId,
        mobile_number: change.mobileNumber,
        scope: change.scope,
        status: change.status,
        source: change.source,
        ledger_id: entry.id,
        updated_at: now,
      };
      const changed =
        change.status === defaultStatus(change.scope)
          ? await repository.updateStateIfDifferent(trx, state)
          : await repository.upsertStateIfDifferent(trx, state);
      if (!changed) return null;
      await repository.insertLedgerEntry(trx, entry);
      return toEntry(entry);
    },

    /** The effective status of one scope of a number (its default when it has no entry). */
    async statusOf(db: Executor, orgId: string, mobileNumber: string, scope: string): Promise<ConsentStatus> {
      const state = await repository.findState(db, orgId, mobileNumber, scope);
      return state?.status ?? defaultStatus(scope);
    },

    /** The current states of numbers, by number; a number without entries is absent from the map. */
    async statesOf(db: Executor, orgId: string, mobileNumbers: string[]): Promise<Map<string, ConsentState[]>> {
      const rows = await repository.listStatesOfNumbers(db, orgId, [...new Set(mobileNumbers)]);
      const states = new Map<string, ConsentState[]>();
      for (const row of rows) {
        const list = states.get(row.mobile_number) ?? [];
        list.push({
          scope: row.scope,
          status: row.status,
          source: row.source as ConsentSource,
          updatedAt: row.updated_at,
          ledgerId: row.ledger_id,
        });
        states.set(row.mobile_number, list);
      }
      return states;
    },

    /** Every ledger entry of a number in the organisation, oldest first. */
    async history(orgId: string, mobileNumber: string): Promise<LedgerEntry[]> {
      return (await repository.listLedgerOfNumber(database.db, orgId, mobileNumber)).map(toEntry);
    },
  };
}

export type ConsentLedger = ReturnType<typeof createConsentLedger>;

function toEntry(row: LedgerRow): LedgerEntry {
  return {
    id: row.id,
    orgId: row.org_id,
    contactId: row.contact_id,
    mobileNumber: row.mobile_number,
    scope: row.scope,
    customConsentId: row.scope === GLOBAL_SCOPE ? null : row.scope,
    status: row.status,
    source: row.source,
    actor: row.actor,
    departmentId: row.department_id,
    messageId: row.message_id,
    createdAt: row.created_at,
  };
}
