/**
 * Examples of the OpenAPI document that the route schemas do not give themselves. A field keeps the examples its
 * schema declares; otherwise the first rule that fits its type applies:
 *  1. an example by the shape of the object it is in (a field name that means different things in different
 *     objects, such as `status` or `size`), the object being recognised by field names only it has;
 *  2. an example by field name;
 *  3. a value the schema implies (`const`, `enum`, `default`, a `minimum`) or a pattern of the name
 *     (`…Id`, `…DateTime`, `…InMillies`).
 * Every value here is fictional: 555-01xx numbers, example.com addresses, made-up ids.
 */

/** A 24-hex id, ObjectId-like (CONTRACT.md §3). */
export const EXAMPLE_ID = '6650c2f1a3b4c5d6e7f80912';
export const EXAMPLE_ORG_ID = '6650c2f1a3b4c5d6e7f80001';
export const EXAMPLE_SITE_ID = '6650c2f1a3b4c5d6e7f80002';
export const EXAMPLE_DEPARTMENT_ID = '6650c2f1a3b4c5d6e7f80003';
const EXAMPLE_TIME = '2026-03-14T15:09:26.535Z';
const EXAMPLE_MILLIS = 1773500966535;
const EXAMPLE_CONTACT_NUMBER = '+12025550143';

const BY_NAME: Record<string, unknown> = {
  id: EXAMPLE_ID,
  orgId: EXAMPLE_ORG_ID,
  siteId: EXAMPLE_SITE_ID,
  departmentId: EXAMPLE_DEPARTMENT_ID,
  siteIds: [EXAMPLE_SITE_ID],
  contactId: '6650c2f1a3b4c5d6e7f80a11',
  messageId: '6650c2f1a3b4c5d6e7f80b22',
  customConsentId: '6650c2f1a3b4c5d6e7f80c33',
  subscriptionId: '6650c2f1a3b4c5d6e7f80d44',
  deliveryId: '6650c2f1a3b4c5d6e7f80e55',
  eventId: '6650c2f1a3b4c5d6e7f80f66',
  webhookId: 'a8d40c9c-7328-4751-a5cd-4d2a0f34c4a7',
  name: 'Main',
  timeZone: 'America/New_York',
  active: true,
  phoneNumbers: ['+12025550100'],
  from: '+12025550100',
  to: EXAMPLE_CONTACT_NUMBER,
  mobileNumber: EXAMPLE_CONTACT_NUMBER,
  mobile: EXAMPLE_CONTACT_NUMBER,
  mobilePhone: EXAMPLE_CONTACT_NUMBER,
  phoneNumber: EXAMPLE_CONTACT_NUMBER,
  number: EXAMPLE_CONTACT_NUMBER,
  contact: EXAMPLE_CONTACT_NUMBER,
  text: 'Your table for two is ready. Reply STOP to opt out.',
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  company: 'Analytical Engines Ltd',
  notes: 'Prefers texts after 5 pm.',
  tags: ['vip'],
  tag: 'vip',
  q: 'ada',
  customFields: { loyaltyPoints: 120, preferredStore: 'Downtown' },
  optedOut: false,
  optedOutDateTime: null,
  source: 'api',
  actor: '6650c2f1a3b4c5d6e7f80aa0',
  scope: 'global',
  description: 'Reminders of upcoming appointments.',
  consentTypes: ['sms'],
  optInKeywords: ['REMIND'],
  optOutKeywords: ['NOREMIND'],
  optInMessage: 'You are now subscribed to {consent} from {org}. Reply {keyword} again any time.',
  optOutMessage: 'You will no longer receive {consent} from {org}.',
  createdBy: '6650c2f1a3b4c5d6e7f80aa0',
  agentEmail: 'agent@example.com',
  mediaUrl: ['https://example.com/images/menu.png'],
  mediaUrls: ['https://example.com/images/menu.png'],
  url: 'https://example.com/m/3q2Zx1r5T0aVb8Kd9LmN4w',
  contentType: 'image/png',
  mediaFallback: null,
  result: 'Message Processed Successfully',
  segments: 1,
  encoding: 'GSM-7',
  direction: 'outbound',
  errorCode: null,
  errorMessage: null,
  lastUpdated: EXAMPLE_MILLIS,
  uri: 'https://example.com/stratus/events',
  eventFilters: [`/orgId/${EXAMPLE_ORG_ID}/department/${EXAMPLE_DEPARTMENT_ID}/message?direction=inbound`],
  event: `/orgId/${EXAMPLE_ORG_ID}/department/${EXAMPLE_DEPARTMENT_ID}/message?direction=inbound`,
  filter: `/orgId/6650c2f1a3b4c5d6e7f8ffff/department/${EXAMPLE_DEPARTMENT_ID}/message`,
  reason: 'ORG_MISMATCH',
  message: 'The filter names another organisation',
  expiresDateInMillies: 1893456000000,
  expirationTime: '2030-01-01T00:00:00.000Z',
  expiresIn: 2678400,
  signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  previousSecretExpirationTime: '2026-03-15T15:09:26.535Z',
  eventType: 'message.received',
  attemptCount: 1,
  attempt: 1,
  statusCode: 200,
  durationMs: 84,
  responseBody: 'ok',
  error: null,
  success: true,
  nextAttemptDateTime: null,
  deliveredDateTime: EXAMPLE_TIME,
  payload: {
    uuid: 'a8d40c9c-7328-4751-a5cd-4d2a0f34c4a7',
    timestamp: EXAMPLE_TIME,
    event: `/orgId/${EXAMPLE_ORG_ID}/department/${EXAMPLE_DEPARTMENT_ID}/message?direction=inbound`,
    subscriptionId: '6650c2f1a3b4c5d6e7f80d44',
    orgId: EXAMPLE_ORG_ID,
    messageInfo: {
      messageId: '6650c2f1a3b4c5d6e7f80b22',
      direction: 'inbound',
      status: 'received',
      from: EXAMPLE_CONTACT_NUMBER,
      to: '+12025550100',
      siteId: EXAMPLE_SITE_ID,
      departmentId: EXAMPLE_DEPARTMENT_ID,
      lastUpdated: EXAMPLE_MILLIS,
    },
  },
  sort: 'createdDateTime,desc',
  since: '2026-03-01T00:00:00.000Z',
  until: '2026-03-31T23:59:59.999Z',
  page: 0,
  timestamp: EXAMPLE_TIME,
};

/** Objects told apart by fields only they have, and the examples of their ambiguous fields. */
const BY_SHAPE: { has: string[]; examples: Record<string, unknown> }[] = [
  {
    has: ['content', 'totalElements'],
    examples: {
      size: 20,
      number: 0,
      totalElements: 1,
      totalPages: 1,
      numberOfElements: 1,
      first: true,
      last: true,
      empty: false,
    },
  },
  { has: ['url', 'contentType', 'size'], examples: { size: 48213 } },
  { has: ['result', 'segments'], examples: { status: 'queued' } },
  { has: ['direction', 'segments', 'encoding'], examples: { status: 'delivered' } },
  { has: ['webhookId', 'attemptCount'], examples: { status: 'SUCCEEDED', id: '6650c2f1a3b4c5d6e7f80e55' } },
  { has: ['uri', 'eventFilters', 'disabledFilters'], examples: { status: 'ACTIVE' } },
  { has: ['departments', 'timeZone'], examples: { name: 'Main' } },
  { has: ['phoneNumbers', 'timeZone'], examples: { name: 'Front Desk' } },
  { has: ['consentLevel'], examples: { name: 'Appointment reminders' } },
];

type JsonSchema = Record<string, unknown>;

/** The JSON types a schema admits (type arrays, and the members of anyOf/oneOf). */
function typesOf(schema: JsonSchema): Set<string> {
  const types = new Set<string>();
  const type = schema.type;
  if (typeof type === 'string') types.add(type);
  if (Array.isArray(type)) for (const t of type) types.add(String(t));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const members = schema[key];
    if (Array.isArray(members))
      for (const member of members) for (const t of typesOf(member as JsonSchema)) types.add(t);
  }
  if (types.size === 0 && (schema.enum || schema.const !== undefined)) {
    const values = schema.const !== undefined ? [schema.const] : (schema.enum as unknown[]);
    for (const value of values) types.add(jsonType(value));
  }
  return types;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** Whether `value` has one of the schema's types (an unknown schema admits anything). */
export function fitsType(schema: JsonSchema, value: unknown): boolean {
  const types = typesOf(schema);
  if (types.size === 0) return true;
  const type = jsonType(value);
  return types.has(type) || (type === 'integer' && types.has('number'));
}

/** Literal values a schema allows (const, enum, or a union of them), or undefined when it is not a closed set. */
function literalsOf(schema: JsonSchema): unknown[] | undefined {
  if (schema.const !== undefined) return [schema.const];
  if (Array.isArray(schema.enum)) return schema.enum;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const members = schema[key];
    if (!Array.isArray(members)) continue;
    const values: unknown[] = [];
    for (const member of members as JsonSchema[]) {
      const literals = literalsOf(member);
      if (!literals) return undefined;
      values.push(...literals);
    }
    return values;
  }
  return undefined;
}

/** An example implied by the schema itself or by a naming pattern, or undefined. */
function impliedExample(name: string, schema: JsonSchema): unknown {
  const literals = literalsOf(schema);
  if (literals && literals.length > 0) return literals[0];
  if (schema.default !== undefined) return schema.default;
  const types = typesOf(schema);
  if (types.has('string')) {
    if (/Id$/.test(name)) return EXAMPLE_ID;
    if (/(DateTime|Time)$/.test(name)) return EXAMPLE_TIME;
  }
  if (types.has('integer') || types.has('number')) {
    if (/(InMillies|Millis|Ms)$/.test(name)) return EXAMPLE_MILLIS;
    if (typeof schema.minimum === 'number') return schema.minimum;
  }
  if (types.has('boolean')) return true;
  return undefined;
}

function hasExample(schema: JsonSchema): boolean {
  return (Array.isArray(schema.examples) && schema.examples.length > 0) || schema.example !== undefined;
}

/** The example of field `name` of an object with fields `siblings`, or undefined when no rule gives one. */
export function exampleFor(name: string, schema: JsonSchema, siblings: readonly string[]): unknown {
  const candidates: unknown[] = [];
  for (const shape of BY_SHAPE) {
    if (shape.has.every((field) => siblings.includes(field)) && name in shape.examples) {
      candidates.push(shape.examples[name]);
    }
  }
  if (name in BY_NAME) candidates.push(BY_NAME[name]);
  candidates.push(impliedExample(name, schema));
  const literals = literalsOf(schema);
  return candidates.find(
    (value) =>
      value !== undefined &&
      fitsType(schema, value) &&
      (!literals || literals.some((literal) => JSON.stringify(literal) === JSON.stringify(value))),
  );
}

/**
 * Adds `examples` to every property of every object schema below `schema` that has none, recursing into
 * properties, items, unions and additionalProperties. Objects and arrays of objects get no example of their
 * own: Swagger UI builds theirs from their fields.
 */
export function addExamples(schema: unknown): void {
  if (!schema || typeof schema !== 'object') return;
  if (Array.isArray(schema)) {
    for (const item of schema) addExamples(item);
    return;
  }
  const object = schema as JsonSchema;
  const properties = object.properties as Record<string, JsonSchema> | undefined;
  if (properties) {
    const siblings = Object.keys(properties);
    for (const [name, property] of Object.entries(properties)) {
      if (!hasExample(property) && !isComposite(property)) {
        const example = exampleFor(name, property, siblings);
        if (example !== undefined) property.examples = [example];
      }
    }
  }
  for (const [key, value] of Object.entries(object)) {
    if (key === 'examples' || key === 'example' || key === 'default' || key === 'const' || key === 'enum') continue;
    addExamples(value);
  }
}

/** Whether the schema is an object, or an array of objects: containers whose fields carry the examples. */
export function isComposite(schema: JsonSchema): boolean {
  const types = typesOf(schema);
  if (schema.properties) return true;
  if (types.has('array')) {
    const items = schema.items as JsonSchema | undefined;
    return !!items && (items.properties !== undefined || typesOf(items).has('object'));
  }
  return false;
}

/** The example of a parameter (query, path) by its name and schema. */
export function parameterExample(name: string, schema: JsonSchema): unknown {
  return exampleFor(name, schema, []);
}
