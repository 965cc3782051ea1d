import { Type } from '@sinclair/typebox';
import { PageQuery, SpringPageSchema } from '../../platform/http/pagination.js';

const nullableText = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

const CustomFieldValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
  description: 'A custom field value: a string (at most 1000 characters), a number or a boolean.',
});

export const ContactIdParams = Type.Object({
  id: Type.String({ description: 'Id of the contact (24 hex characters).' }),
});

export const MobileNumberParams = Type.Object({
  mobileNumber: Type.String({
    description:
      'The contact’s mobile number, E.164 (`+12025550143`) or national format (read with the default region).',
  }),
});

/** The editable fields of a contact, shared by create-or-update and the updates. */
const contactFields = {
  firstName: Type.Optional(nullableText('First name, at most 100 characters; null or "" clears it.')),
  lastName: Type.Optional(nullableText('Last name, at most 100 characters; null or "" clears it.')),
  email: Type.Optional(nullableText('Email address, at most 254 characters; null or "" clears it.')),
  company: Type.Optional(nullableText('Company, at most 100 characters; null or "" clears it.')),
  notes: Type.Optional(nullableText('Free notes, at most 5000 characters; null or "" clears them.')),
  tags: Type.Optional(
    Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: 'Labels, at most 50 of 1–50 characters each; replaces the old list; null clears it.',
    }),
  ),
  siteIds: Type.Optional(
    Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: 'Ids of sites of the organisation the contact belongs to; replaces the old list; null clears it.',
    }),
  ),
  customFields: Type.Optional(
    Type.Union([Type.Record(Type.String(), CustomFieldValue), Type.Null()], {
      description: 'Custom fields by name (at most 50, names 1–50 characters); replaces the old set; null clears it.',
    }),
  ),
};

/** Names accepted for the number (CONTRACT.md §5: the hosted field name is not on record). */
const numberFields = {
  mobileNumber: Type.Optional(Type.String({ description: 'Mobile number, E.164 or national format.' })),
  mobile: Type.Optional(Type.String({ description: 'Same as mobileNumber.' })),
  mobilePhone: Type.Optional(Type.String({ description: 'Same as mobileNumber.' })),
  phoneNumber: Type.Optional(Type.String({ description: 'Same as mobileNumber.' })),
  number: Type.Optional(Type.String({ description: 'Same as mobileNumber.' })),
};

export const UpsertContactBody = Type.Object(
  { ...numberFields, ...contactFields },
  {
    additionalProperties: false,
    description:
      'A contact keyed by its mobile number (required, under any of its accepted names): created when new, otherwise the fields sent are changed.',
  },
);

export const UpdateContactBody = Type.Object(
  { ...numberFields, ...contactFields },
  {
    additionalProperties: false,
    description: 'The fields to change; absent fields are left as they are. A number moves the contact to it.',
  },
);

export const ContactPageQuery = Type.Object({
  ...PageQuery.properties,
  siteId: Type.Optional(Type.String({ description: 'Only contacts belonging to this site.' })),
  tag: Type.Optional(Type.String({ description: 'Only contacts carrying this tag (exact, case-sensitive).' })),
});

export const ContactSearchQuery = Type.Object({
  ...ContactPageQuery.properties,
  number: Type.Optional(
    Type.String({ description: 'Digits the contact’s number contains; other characters are ignored.' }),
  ),
  q: Type.Optional(
    Type.String({ description: 'Text the name or email contains, case-insensitively; at most 100 characters.' }),
  ),
});

export const ContactConsentSchema = Type.Object(
  {
    customConsentId: Type.String({ description: 'Id of the custom consent.' }),
    status: Type.Union([Type.Literal('OPTED_IN'), Type.Literal('OPTED_OUT')], {
      description: 'The latest consent status for this purpose.',
    }),
    source: Type.String({ description: 'How it was given or withdrawn: keyword, api, app or import.' }),
    updatedDateTime: Type.String({ description: 'When, ISO-8601 UTC.' }),
  },
  { description: 'The contact’s current consent to one custom consent.' },
);

export const ContactSchema = Type.Object(
  {
    id: Type.String({ description: 'Contact id (24 hex characters).' }),
    orgId: Type.String({ description: 'Organisation id.' }),
    firstName: nullableText('First name.'),
    lastName: nullableText('Last name.'),
    mobileNumber: Type.String({ description: 'Mobile number, E.164; unique in the organisation.' }),
    email: nullableText('Email address.'),
    company: nullableText('Company.'),
    notes: nullableText('Free notes.'),
    tags: Type.Array(Type.String(), { description: 'Labels.' }),
    siteIds: Type.Array(Type.String(), { description: 'Sites the contact belongs to.' }),
    customFields: Type.Record(Type.String(), CustomFieldValue, { description: 'Custom fields by name.' }),
    optedOut: Type.Boolean({ description: 'Whether the number opted out of all messages of the organisation (STOP).' }),
    optedOutDateTime: Type.Union([Type.String(), Type.Null()], {
      description: 'When it opted out, ISO-8601 UTC; null when not opted out.',
    }),
    consents: Type.Array(ContactConsentSchema, { description: 'Current consent to each custom consent on record.' }),
    createdDateTime: Type.String({ description: 'Creation time, ISO-8601 UTC.' }),
    lastUpdateDateTime: Type.String({ description: 'Last change of the contact’s fields, ISO-8601 UTC.' }),
  },
  { description: 'A contact: a person the organisation texts.' },
);

export const ContactPageSchema = SpringPageSchema(ContactSchema);

export const ConsentHistoryEntrySchema = Type.Object(
  {
    id: Type.String({ description: 'Ledger entry id.' }),
    contactId: Type.Union([Type.String(), Type.Null()], { description: 'The contact at the time, if any.' }),
    mobileNumber: Type.String({ description: 'The number, E.164.' }),
    scope: Type.String({ description: '`global` (every message of the organisation) or a custom consent id.' }),
    customConsentId: Type.Union([Type.String(), Type.Null()], {
      description: 'The custom consent; null for the global scope.',
    }),
    status: Type.Union([Type.Literal('OPTED_IN'), Type.Literal('OPTED_OUT')], { description: 'The new status.' }),
    source: Type.String({ description: 'keyword, api, app or import.' }),
    actor: Type.String({ description: 'Who made the change: a user id, an API client id, or `system` (keywords).' }),
    departmentId: Type.Union([Type.String(), Type.Null()], {
      description: 'The department that received the keyword, for keyword entries.',
    }),
    messageId: Type.Union([Type.String(), Type.Null()], { description: 'The message that carried the keyword.' }),
    createdDateTime: Type.String({ description: 'When, ISO-8601 UTC.' }),
  },
  { description: 'One entry of the append-only consent ledger.' },
);

export const ConsentHistoryQuery = Type.Object({
  page: PageQuery.properties.page,
  size: PageQuery.properties.size,
});

export const ConsentHistoryPageSchema = SpringPageSchema(ConsentHistoryEntrySchema);
