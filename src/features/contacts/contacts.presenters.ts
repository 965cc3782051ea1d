import type { Static } from '@sinclair/typebox';
import type { LedgerEntry } from '../consents/consents.ledger.js';
import type { ConsentHistoryEntrySchema, ContactSchema } from './contacts.schemas.js';
import type { ContactView } from './contacts.service.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** A contact as the Contacts API answers it (CONTRACT.md §5). */
export function presentContact(contact: ContactView): Static<typeof ContactSchema> {
  return {
    id: contact.id,
    orgId: contact.orgId,
    firstName: contact.firstName,
    lastName: contact.lastName,
    mobileNumber: contact.mobileNumber,
    email: contact.email,
    company: contact.company,
    notes: contact.notes,
    tags: contact.tags,
    siteIds: contact.siteIds,
    customFields: contact.customFields,
    optedOut: contact.optedOut,
    optedOutDateTime: contact.optedOutAt === null ? null : iso(contact.optedOutAt),
    consents: contact.consents.map((c) => ({
      customConsentId: c.customConsentId,
      status: c.status,
      source: c.source,
      updatedDateTime: iso(c.updatedAt),
    })),
    createdDateTime: iso(contact.createdAt),
    lastUpdateDateTime: iso(contact.updatedAt),
  };
}

export function presentLedgerEntry(entry: LedgerEntry): Static<typeof ConsentHistoryEntrySchema> {
  return {
    id: entry.id,
    contactId: entry.contactId,
    mobileNumber: entry.mobileNumber,
    scope: entry.scope,
    customConsentId: entry.customConsentId,
    status: entry.status,
    source: entry.source,
    actor: entry.actor,
    departmentId: entry.departmentId,
    messageId: entry.messageId,
    createdDateTime: iso(entry.createdAt),
  };
}
