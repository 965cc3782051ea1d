import type { Database, Executor } from '../../platform/db/database.js';
import { isId } from '../../platform/ids.js';
import { type Failure, fail, type Outcome, ok } from '../../platform/outcome.js';
import { normalizePhoneNumber } from '../../platform/phone.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { ConsentErrorCode } from './consents.errors.js';
import { messageKey, reservedFamily } from './consents.keywords.js';
import {
  type ConsentLedger,
  type ConsentSource,
  type ConsentStatus,
  GLOBAL_SCOPE,
  type LedgerEntry,
} from './consents.ledger.js';
import { type CustomConsentRow, createConsentsRepository } from './consents.repository.js';

export interface OptOutEngineDeps {
  database: Database;
  defaultRegion: string;
  accounts: AccountsService;
  contacts: ContactsService;
  consentLedger: ConsentLedger;
}

/**
 * The organisation's auto-reply texts, stored in `organizations.settings` under these keys. `{org}` is replaced by
 * the organisation's name. The defaults follow the CTIA Messaging Principles and Best Practices (§5.1.2–5.1.3):
 * the opt-out confirmation names the sender, says no more messages will be sent, and how to resubscribe.
 */
export const DEFAULT_MESSAGING_TEXTS = {
  optOutConfirmation:
    'You have been unsubscribed from {org} messages. No more messages will be sent. Reply START to resubscribe.',
  optInConfirmation: 'You have been resubscribed to {org} messages. Reply HELP for help, STOP to unsubscribe.',
  helpText: '{org}: reply to this message to reach us. Msg & data rates may apply. Reply STOP to unsubscribe.',
} as const;
export type MessagingTextKey = keyof typeof DEFAULT_MESSAGING_TEXTS;
const TEXT_KEYS = Object.keys(DEFAULT_MESSAGING_TEXTS) as MessagingTextKey[];
/** Four GSM-7 segments. */
export const MAX_MESSAGING_TEXT_LENGTH = 640;

/** Replies of a custom consent without its own optInMessage / optOutMessage. `{consent}` is its name. */
export const DEFAULT_CONSENT_TEXTS = {
  optIn: 'You have opted in to {consent} messages from {org}. Reply {keyword} to opt out.',
  optInWithoutKeyword: 'You have opted in to {consent} messages from {org}. Reply STOP to stop all messages.',
  optOut: 'You have opted out of {consent} messages from {org}.',
} as const;

export interface MessagingSettings {
  /** Each as stored, or null when the organisation uses the default. */
  custom: Record<MessagingTextKey, string | null>;
  /** Each with the default applied and `{org}` filled in: the text that is sent. */
  effective: Record<MessagingTextKey, string>;
}

export type InboundKind = 'opt_out' | 'opt_in' | 'help' | 'consent_opt_in' | 'consent_opt_out' | 'none';

export interface InboundMessage {
  orgId: string;
  /** The department (inbox) that received it. */
  departmentId: string;
  /** The sender, any format (normalised with the default region). */
  fromNumber: string;
  text: string;
  /** The stored inbound message, recorded in the ledger entry. */
  messageId?: string;
}

export interface InboundClassification {
  kind: InboundKind;
  /** Whether the number's consent state changed (and a ledger entry was appended). */
  changed: boolean;
  /** The auto-reply to send to the sender, or null: confirmations once per change, the help text every time. */
  reply: string | null;
  /** The sender's contact (created if new) for every kind but `none`. */
  contactId: string | null;
  /** The custom consent of consent_opt_in / consent_opt_out. */
  consentId: string | null;
}

export type MayText =
  | { allowed: true }
  | { allowed: false; reason: 'opted_out' | 'consent_required' | 'consent_inactive' };

export interface ConsentCommand {
  orgId: string;
  /** Any format (normalised with the default region). */
  number: string;
  /** A custom consent; the organisation-wide (global) scope when absent. */
  consentId?: string;
  source: Exclude<ConsentSource, 'keyword'>;
  /** The user id, OAuth client id or `system` making the change. */
  actor: string;
}

export interface ConsentCommandResult {
  changed: boolean;
  /** The entry appended, or null when the number already was in that state. */
  entry: LedgerEntry | null;
  contactId: string;
}

const NONE: InboundClassification = { kind: 'none', changed: false, reply: null, contactId: null, consentId: null };

/**
 * The opt-out engine the messaging pipeline calls: it recognises STOP/START/HELP and custom consent keywords in
 * inbound texts, records consent changes in the ledger, and answers whether a number may be texted. See README.md.
 */
export function createOptOutEngine(deps: OptOutEngineDeps) {
  const { database, accounts, contacts, consentLedger } = deps;
  const repository = createConsentsRepository();

  async function settingsOf(
    orgId: string,
  ): Promise<Outcome<MessagingSettings & { orgName: string }, ConsentErrorCode>> {
    const organization = await accounts.getOrganization(orgId);
    if (!organization) return fail('consents.org_not_found');
    const stored = JSON.parse(organization.settings) as Record<string, unknown>;
    const custom = {} as Record<MessagingTextKey, string | null>;
    const effective = {} as Record<MessagingTextKey, string>;
    for (const key of TEXT_KEYS) {
      const value = stored[key];
      custom[key] = typeof value === 'string' && value.trim() !== '' ? value : null;
      effective[key] = fill(custom[key] ?? DEFAULT_MESSAGING_TEXTS[key], { org: organization.name });
    }
    return ok({ custom, effective, orgName: organization.name });
  }

  function consentReply(consent: CustomConsentRow, status: ConsentStatus, orgName: string): string {
    const values = { org: orgName, consent: consent.name };
    if (status === 'OPTED_OUT') return fill(consent.opt_out_message ?? DEFAULT_CONSENT_TEXTS.optOut, values);
    const keyword = (JSON.parse(consent.opt_out_keywords) as string[])[0];
    if (consent.opt_in_message) return fill(consent.opt_in_message, { ...values, keyword: keyword ?? 'STOP' });
    return keyword
      ? fill(DEFAULT_CONSENT_TEXTS.optIn, { ...values, keyword: keyword.toUpperCase() })
      : fill(DEFAULT_CONSENT_TEXTS.optInWithoutKeyword, values);
  }

  function normalizeNumber(raw: string): Outcome<string, ConsentErrorCode> {
    const number = normalizePhoneNumber(raw, deps.defaultRegion);
    return number ? ok(number) : fail('consents.invalid_number', `Not a valid phone number: ${raw}`);
  }

  /** Ensures the contact and appends the change (if any) in one transaction. */
  async function apply(
    input: { orgId: string; number: string; scope: string; status: ConsentStatus; source: ConsentSource },
    extra: { actor: string; departmentId?: string; messageId?: string },
  ): Promise<{ contactId: string; entry: LedgerEntry | null; globallyOptedOut: boolean }> {
    return database.transaction(async (trx) => {
      const contact = await contacts.ensureContact(trx, input.orgId, input.number);
      const entry = await consentLedger.record(trx, {
        orgId: input.orgId,
        mobileNumber: input.number,
        contactId: contact.id,
        scope: input.scope,
        status: input.status,
        source: input.source,
        actor: extra.actor,
        departmentId: extra.departmentId ?? null,
        messageId: extra.messageId ?? null,
      });
      if (entry) {
        await contacts.recordConsentChanged(trx, {
          orgId: input.orgId,
          contactId: contact.id,
          mobileNumber: input.number,
          scope: input.scope,
          at: entry.createdAt,
        });
      }
      const globallyOptedOut =
        input.scope === GLOBAL_SCOPE
          ? input.status === 'OPTED_OUT'
          : (await consentLedger.statusOf(trx, input.orgId, input.number, GLOBAL_SCOPE)) === 'OPTED_OUT';
      return { contactId: contact.id, entry, globallyOptedOut };
    });
  }

  async function command(
    input: ConsentCommand,
    status: ConsentStatus,
  ): Promise<Outcome<ConsentCommandResult, ConsentErrorCode>> {
    const number = normalizeNumber(input.number);
    if (!number.ok) return number;
    let scope = GLOBAL_SCOPE;
    if (input.consentId !== undefined) {
      const consent = isId(input.consentId)
        ? await repository.findConsent(database.db, input.orgId, input.consentId)
        : undefined;
      if (!consent) return fail('consents.not_found');
      // Withdrawing consent is always possible; giving it to a purpose the organisation switched off is not.
      if (status === 'OPTED_IN' && consent.active !== 1) return fail('consents.consent_inactive');
      scope = consent.id;
    }
    if (!(await accounts.getOrganization(input.orgId))) return fail('consents.org_not_found');
    const applied = await apply(
      { orgId: input.orgId, number: number.value, scope, status, source: input.source },
      { actor: input.actor },
    );
    return ok({ changed: applied.entry !== null, entry: applied.entry, contactId: applied.contactId });
  }

  /**
   * The numbers (E.164) among `numbers` that opted out of the whole organisation, read with `db`: the accept
   * transaction of a batch of texts asks once for all of them, so a STOP committed before it is always seen.
   */
  async function optedOutAmong(db: Executor, orgId: string, numbers: readonly string[]): Promise<Set<string>> {
    const states = await consentLedger.statesOf(db, orgId, [...numbers]);
    const optedOut = new Set<string>();
    for (const [number, list] of states) {
      if (list.some((state) => state.scope === GLOBAL_SCOPE && state.status === 'OPTED_OUT')) optedOut.add(number);
    }
    return optedOut;
  }

  return {
    /**
     * Classifies an inbound text (CONTRACT.md §6). The whole message, trimmed and reduced to letters and digits,
     * must be a keyword: STOP family → opt out of the organisation; START family → opt back in; HELP family → the
     * help text; an active custom consent's keyword → opt in to / out of that consent. Anything else is `none`.
     *
     * A change is appended to the ledger and confirmed once; repeating the keyword changes nothing and sends
     * nothing (so a "Yes" in a conversation with a subscribed number is not answered). HELP is answered every time,
     * even to an opted-out number, as carriers require. A custom consent's confirmation is not sent to a number
     * opted out of the whole organisation (the change is still recorded).
     */
    async classifyInbound(input: InboundMessage): Promise<Outcome<InboundClassification, ConsentErrorCode>> {
      const number = normalizeNumber(input.fromNumber);
      if (!number.ok) return number;
      const key = messageKey(input.text);
      if (key === null) return ok(NONE);

      const family = reservedFamily(key);
      let kind: InboundKind;
      let scope = GLOBAL_SCOPE;
      let status: ConsentStatus | null = null;
      let consent: CustomConsentRow | undefined;
      if (family === 'stop') [kind, status] = ['opt_out', 'OPTED_OUT'];
      else if (family === 'start') [kind, status] = ['opt_in', 'OPTED_IN'];
      else if (family === 'help') kind = 'help';
      else {
        const match = await repository.findConsentByKeyword(database.db, input.orgId, key);
        if (match?.consent.active !== 1) return ok(NONE);
        consent = match.consent;
        scope = consent.id;
        [kind, status] = match.direction === 'in' ? ['consent_opt_in', 'OPTED_IN'] : ['consent_opt_out', 'OPTED_OUT'];
      }

      const settings = await settingsOf(input.orgId);
      if (!settings.ok) return settings;
      const extra = {
        actor: 'system',
        departmentId: input.departmentId,
        ...(input.messageId !== undefined ? { messageId: input.messageId } : {}),
      };

      if (status === null) {
        const contact = await database.transaction((trx) => contacts.ensureContact(trx, input.orgId, number.value));
        return ok({
          kind,
          changed: false,
          reply: settings.value.effective.helpText,
          contactId: contact.id,
          consentId: null,
        });
      }

      const applied = await apply(
        { orgId: input.orgId, number: number.value, scope, status, source: 'keyword' },
        extra,
      );
      const changed = applied.entry !== null;
      let reply: string | null = null;
      if (changed && kind === 'opt_out') reply = settings.value.effective.optOutConfirmation;
      else if (changed && kind === 'opt_in') reply = settings.value.effective.optInConfirmation;
      else if (changed && consent && !applied.globallyOptedOut)
        reply = consentReply(consent, status, settings.value.orgName);
      return ok({ kind, changed, reply, contactId: applied.contactId, consentId: consent?.id ?? null });
    },

    optedOutAmong,

    /**
     * Whether the organisation may text `number` (for `consentId`'s purpose, when given). An organisation-wide
     * opt-out refuses everything; a custom consent must be active and opted in to.
     */
    async mayText(input: {
      orgId: string;
      number: string;
      consentId?: string;
    }): Promise<Outcome<MayText, ConsentErrorCode>> {
      const number = normalizeNumber(input.number);
      if (!number.ok) return number;
      if ((await optedOutAmong(database.db, input.orgId, [number.value])).has(number.value)) {
        return ok({ allowed: false, reason: 'opted_out' });
      }
      if (input.consentId === undefined) return ok({ allowed: true });
      const consent = isId(input.consentId)
        ? await repository.findConsent(database.db, input.orgId, input.consentId)
        : undefined;
      if (!consent) return fail('consents.not_found');
      if (consent.active !== 1) return ok({ allowed: false, reason: 'consent_inactive' });
      const status = await consentLedger.statusOf(database.db, input.orgId, number.value, consent.id);
      return ok(status === 'OPTED_IN' ? { allowed: true } : { allowed: false, reason: 'consent_required' });
    },

    /** Opts a number out (of the organisation, or of one consent) on behalf of an API client or a user of the app. */
    async optOut(input: ConsentCommand): Promise<Outcome<ConsentCommandResult, ConsentErrorCode>> {
      return command(input, 'OPTED_OUT');
    },

    /** Opts a number (back) in; opting in to an inactive consent is refused. */
    async optIn(input: ConsentCommand): Promise<Outcome<ConsentCommandResult, ConsentErrorCode>> {
      return command(input, 'OPTED_IN');
    },

    /** The organisation's auto-reply texts, as stored and as sent. */
    async getMessagingSettings(orgId: string): Promise<Outcome<MessagingSettings, ConsentErrorCode>> {
      const settings = await settingsOf(orgId);
      if (!settings.ok) return settings;
      return ok({ custom: settings.value.custom, effective: settings.value.effective });
    },

    /** Changes the texts sent (1–640 characters, `{org}` allowed); null restores a default. */
    async updateMessagingSettings(
      orgId: string,
      changes: Partial<Record<MessagingTextKey, string | null>>,
    ): Promise<Outcome<MessagingSettings, ConsentErrorCode>> {
      const values: Record<string, string | null> = {};
      for (const [key, value] of Object.entries(changes)) {
        if (!(TEXT_KEYS as string[]).includes(key)) return invalidSetting(key, 'is not a messaging setting');
        if (value === undefined) continue;
        if (value !== null && typeof value !== 'string') return invalidSetting(key, 'must be a string or null');
        const trimmed = value?.trim() ?? '';
        if (value !== null && (trimmed.length < 1 || trimmed.length > MAX_MESSAGING_TEXT_LENGTH)) {
          return invalidSetting(key, `must have 1 to ${MAX_MESSAGING_TEXT_LENGTH} characters`);
        }
        values[key] = value === null ? null : trimmed;
      }
      const updated = await accounts.updateOrganizationSettings(orgId, values);
      if (!updated.ok) return fail('consents.org_not_found');
      const settings = await settingsOf(orgId);
      return settings.ok ? ok({ custom: settings.value.custom, effective: settings.value.effective }) : settings;
    },
  };
}

export type OptOutEngine = ReturnType<typeof createOptOutEngine>;

function invalidSetting(key: string, problem: string): Failure<ConsentErrorCode> {
  return fail('consents.invalid_setting', `${key} ${problem}`, { field: key });
}

/** Replaces `{name}` placeholders; unknown ones are left as written. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
