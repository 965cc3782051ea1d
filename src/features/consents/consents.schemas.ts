import { Type } from '@sinclair/typebox';
import { PageQuery, SpringPageSchema } from '../../platform/http/pagination.js';

const ConsentLevel = Type.Union(
  [Type.Literal('CONVERSATIONAL'), Type.Literal('INFORMATIONAL'), Type.Literal('PROMOTIONAL')],
  { description: 'CONVERSATIONAL, INFORMATIONAL or PROMOTIONAL (the CTIA message categories).' },
);
const nullableText = (description: string) => Type.Union([Type.String(), Type.Null()], { description });
const stringList = (description: string) => Type.Union([Type.Array(Type.String()), Type.Null()], { description });

export const ConsentIdParams = Type.Object({
  id: Type.String({ description: 'Id of the custom consent (24 hex characters).' }),
});

const editableFields = {
  description: Type.Optional(nullableText('What the contact consents to, at most 1000 characters.')),
  consentTypes: Type.Optional(stringList('Free labels (e.g. `sms`), at most 50 of 1–100 characters.')),
  optInKeywords: Type.Optional(
    stringList(
      'Words that, sent as a whole message, opt the sender in: at most 20, each 1–30 letters or digits once punctuation and spaces are dropped, unique in the organisation, never a STOP/START/HELP word.',
    ),
  ),
  optOutKeywords: Type.Optional(
    stringList('Words that opt the sender out of this consent; same rules as optInKeywords.'),
  ),
  optInMessage: Type.Optional(
    nullableText(
      'Reply to an opt-in keyword, at most 640 characters; `{org}`, `{consent}` and `{keyword}` are filled in.',
    ),
  ),
  optOutMessage: Type.Optional(nullableText('Reply to an opt-out keyword, at most 640 characters.')),
  active: Type.Optional(Type.Boolean({ description: 'Whether the consent is in use (default true).' })),
};

export const CreateConsentBody = Type.Object(
  {
    name: Type.String({ description: 'Name, 1–100 characters, unique in the organisation.' }),
    consentLevel: ConsentLevel,
    ...editableFields,
  },
  { additionalProperties: false, description: 'A new custom consent.' },
);

export const UpdateConsentBody = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'Name, 1–100 characters, unique in the organisation.' })),
    consentLevel: Type.Optional(ConsentLevel),
    ...editableFields,
  },
  { additionalProperties: false, description: 'The fields to change; absent fields are left as they are.' },
);

export const ChangeStatusBody = Type.Object(
  {
    active: Type.Optional(Type.Boolean({ description: 'true to activate, false to deactivate.' })),
    status: Type.Optional(
      Type.Union([Type.Literal('ACTIVE'), Type.Literal('INACTIVE')], { description: 'Same as active, by name.' }),
    ),
  },
  { additionalProperties: false, description: 'The new status, as `active` or `status`, in the query or the body.' },
);

export const ChangeTypesBody = Type.Object(
  {
    action: Type.Union([Type.Literal('add'), Type.Literal('remove')], {
      description: '`add` the types (those present are kept once) or `remove` them (absent ones are ignored).',
    }),
    consentTypes: Type.Array(Type.String(), { description: 'The consent types to add or remove.' }),
  },
  { additionalProperties: false, description: 'Consent types to add or remove.' },
);

export const ConsentPageQuery = Type.Object({
  ...PageQuery.properties,
  active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) consents.' })),
});

export const CustomConsentSchema = Type.Object(
  {
    id: Type.String({ description: 'Custom consent id (24 hex characters).' }),
    orgId: Type.String({ description: 'Organisation id.' }),
    name: Type.String({ description: 'Name, unique in the organisation.' }),
    description: nullableText('What the contact consents to.'),
    consentLevel: ConsentLevel,
    consentTypes: Type.Array(Type.String(), { description: 'Free labels.' }),
    optInKeywords: Type.Array(Type.String(), { description: 'Keywords that opt the sender in, as written.' }),
    optOutKeywords: Type.Array(Type.String(), { description: 'Keywords that opt the sender out, as written.' }),
    optInMessage: nullableText('Reply to an opt-in keyword; a default naming the consent when null.'),
    optOutMessage: nullableText('Reply to an opt-out keyword; a default naming the consent when null.'),
    active: Type.Boolean({ description: 'Whether the consent is in use; an inactive one’s keywords are ignored.' }),
    createdBy: nullableText('Who created it: a user id or an API client id.'),
    createdDateTime: Type.String({ description: 'Creation time, ISO-8601 UTC.' }),
    lastUpdateDateTime: Type.String({ description: 'Last change, ISO-8601 UTC.' }),
  },
  { description: 'A custom consent: a purpose a contact may opt in to.' },
);

export const CustomConsentPageSchema = SpringPageSchema(CustomConsentSchema);
