import { Type } from '@sinclair/typebox';
import { SpringPageSchema } from '../../platform/http/pagination.js';
import { MAX_URI_LENGTH } from './webhooks.http.js';

/** Most filters one subscription may list. */
export const MAX_FILTERS = 50;

export const SubscriptionIdParams = Type.Object({
  id: Type.String({ description: 'Id of the webhook subscription (24 hex characters).' }),
});

export const DeliveryParams = Type.Object({
  id: Type.String({ description: 'Id of the webhook subscription (24 hex characters).' }),
  deliveryId: Type.String({ description: 'Id of the delivery (24 hex characters).' }),
});

export const UpsertSubscriptionBody = Type.Object(
  {
    id: Type.Optional(
      Type.String({ description: 'Id of an existing subscription to update; without it, the uri decides.' }),
    ),
    uri: Type.String({
      minLength: 1,
      maxLength: MAX_URI_LENGTH,
      description:
        'Where events are POSTed: an http(s) URL that answers the validation handshake (GET with a `validation-token` header, echoed back on a 2xx).',
      examples: ['https://example.com/stratus/events'],
    }),
    eventFilters: Type.Array(Type.String({ maxLength: 500, description: 'One event filter.' }), {
      minItems: 1,
      maxItems: MAX_FILTERS,
      description:
        'Event filters: `/orgId/{orgId}/department/{departmentId}/message?direction=inbound|outbound` (no direction: both), `/orgId/{orgId}/site/{siteId}/message`, `/orgId/{orgId}/message`, `/orgId/{orgId}/contact`.',
      examples: [['/orgId/6b092a0a3e1c1f0d3a77670a/department/6b092a0a3e1c1f0d3a77670c/message?direction=inbound']],
    }),
    expiresDateInMillies: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'When the subscription expires, epoch milliseconds (that spelling). Omitted on create: it never expires; omitted on update: unchanged.',
      }),
    ),
  },
  { description: 'A webhook subscription to create, or to update (same `id` or same `uri`).' },
);

export const DisabledFilterSchema = Type.Object(
  {
    filter: Type.String({ description: 'The filter as sent (canonical form when it could be read).' }),
    reason: Type.String({
      description: 'Why it is disabled: INVALID_FILTER, ORG_MISMATCH, UNKNOWN_DEPARTMENT or UNKNOWN_SITE.',
    }),
    message: Type.String({ description: 'The reason in words.' }),
  },
  { description: 'A filter that was not enabled.' },
);

export const SubscriptionSchema = Type.Object(
  {
    id: Type.String({ description: 'Subscription id (24 hex characters).' }),
    uri: Type.String({ description: 'Where events are POSTed.' }),
    eventFilters: Type.Array(Type.String(), { description: 'The enabled filters, in canonical form.' }),
    disabledFilters: Type.Array(DisabledFilterSchema, { description: 'Filters that were not enabled, with why.' }),
    expirationTime: Type.Union([Type.String(), Type.Null()], {
      description: 'When the subscription expires, ISO-8601 UTC; null when it never does.',
    }),
    expiresIn: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Seconds left before it expires (0 once expired); null when it never does.',
    }),
    status: Type.String({
      description:
        'ACTIVE; INACTIVE after a 410 Gone or 5 days of failed deliveries; EXPIRED after the expiration time.',
    }),
    createdDateTime: Type.String({ description: 'Creation time, ISO-8601 UTC.' }),
    lastUpdateDateTime: Type.String({ description: 'Last change, ISO-8601 UTC.' }),
    orgId: Type.String({ description: 'Organisation id.' }),
    signingSecret: Type.Optional(
      Type.String({
        description:
          'Only in the answer that created the subscription: the Standard Webhooks secret (`whsec_…`) that signs every delivery. Shown once.',
      }),
    ),
  },
  { description: 'A webhook subscription.' },
);

export const SubscriptionPageSchema = SpringPageSchema(SubscriptionSchema);

export const DeliveriesQuery = Type.Object({
  page: Type.Integer({ minimum: 0, default: 0, description: 'Page number, starting at 0.' }),
  size: Type.Integer({ minimum: 1, maximum: 1000, default: 20, description: 'Items per page, 1 to 1000.' }),
  status: Type.Optional(
    Type.Union(
      [Type.Literal('PENDING'), Type.Literal('SUCCEEDED'), Type.Literal('FAILED'), Type.Literal('CANCELLED')],
      { description: 'Only deliveries in this status.' },
    ),
  ),
});

export const AttemptSchema = Type.Object(
  {
    attempt: Type.Integer({ description: '1 for the first attempt of the delivery.' }),
    attemptDateTime: Type.String({ description: 'When the attempt started, ISO-8601 UTC.' }),
    statusCode: Type.Union([Type.Integer(), Type.Null()], {
      description: 'HTTP status of the answer; null when there was none.',
    }),
    durationMs: Type.Integer({ description: 'Milliseconds from the start of the request to the end of the answer.' }),
    responseBody: Type.Union([Type.String(), Type.Null()], {
      description: 'The first 1024 bytes of the answer body.',
    }),
    error: Type.Union([Type.String(), Type.Null()], {
      description: 'Why the attempt failed (timeout, refused, non-2xx answer, redirect); null on success.',
    }),
    success: Type.Boolean({ description: 'Whether the receiver answered 2xx in time.' }),
  },
  { description: 'One attempt to deliver an event.' },
);

export const DeliverySchema = Type.Object(
  {
    id: Type.String({ description: 'Delivery id (24 hex characters), for the retry endpoint.' }),
    webhookId: Type.String({
      description: 'The `webhook-id` header and the body’s `uuid`: the same on every attempt.',
    }),
    subscriptionId: Type.String({ description: 'The subscription.' }),
    eventId: Type.String({ description: 'The event delivered.' }),
    eventType: Type.String({ description: 'Its type, e.g. `message.received` or `contact.created`.' }),
    event: Type.String({ description: 'The filter of the subscription the event matched.' }),
    status: Type.String({
      description:
        'PENDING (an attempt is due or in flight), SUCCEEDED, FAILED (retries exhausted, or 410) or CANCELLED (the subscription stopped).',
    }),
    attemptCount: Type.Integer({ description: 'Attempts made so far.' }),
    nextAttemptDateTime: Type.Union([Type.String(), Type.Null()], {
      description: 'When the next attempt is due, ISO-8601 UTC; null unless PENDING.',
    }),
    lastAttemptDateTime: Type.Union([Type.String(), Type.Null()], { description: 'Start of the last attempt.' }),
    deliveredDateTime: Type.Union([Type.String(), Type.Null()], {
      description: 'When a receiver accepted it; null until then.',
    }),
    createdDateTime: Type.String({ description: 'When the delivery was created (the event fanned out).' }),
    lastUpdateDateTime: Type.String({ description: 'Last change of the delivery.' }),
    payload: Type.Unknown({ description: 'The JSON body POSTed on every attempt.' }),
    attempts: Type.Array(AttemptSchema, { description: 'Every attempt, oldest first.' }),
  },
  { description: 'One event on its way to one subscription.' },
);

export const DeliveryPageSchema = SpringPageSchema(DeliverySchema);

export const RotatedSecretSchema = Type.Object(
  {
    signingSecret: Type.String({ description: 'The new secret (`whsec_…`), shown once.' }),
    previousSecretExpirationTime: Type.String({
      description: 'Until then deliveries carry a signature with the previous secret too, ISO-8601 UTC.',
    }),
  },
  { description: 'A rotated signing secret.' },
);
