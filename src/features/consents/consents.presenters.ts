import type { Static } from '@sinclair/typebox';
import type { CustomConsentSchema } from './consents.schemas.js';
import type { CustomConsentView } from './consents.service.js';

/** A custom consent as the Consent API answers it (CONTRACT.md §6). */
export function presentCustomConsent(consent: CustomConsentView): Static<typeof CustomConsentSchema> {
  return {
    id: consent.id,
    orgId: consent.orgId,
    name: consent.name,
    description: consent.description,
    consentLevel: consent.consentLevel,
    consentTypes: consent.consentTypes,
    optInKeywords: consent.optInKeywords,
    optOutKeywords: consent.optOutKeywords,
    optInMessage: consent.optInMessage,
    optOutMessage: consent.optOutMessage,
    active: consent.active,
    createdBy: consent.createdBy,
    createdDateTime: new Date(consent.createdAt).toISOString(),
    lastUpdateDateTime: new Date(consent.updatedAt).toISOString(),
  };
}
