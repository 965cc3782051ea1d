import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unwrap } from '../../platform/http/errors.js';
import { PageQuery, pageRequest, springPage } from '../../platform/http/pagination.js';
import { mergeQueryIntoBody } from '../../platform/http/params.js';
import { rejectUnknownFields } from '../../platform/http/unknown-fields.js';
import { type ScopeName, scopeName } from '../oauth/scopes.js';
import { deliveryStateOf, presentDelivery, presentSubscription } from './webhooks.presenters.js';
import {
  DeliveriesQuery,
  DeliveryPageSchema,
  DeliveryParams,
  DeliverySchema,
  RotatedSecretSchema,
  SubscriptionIdParams,
  SubscriptionPageSchema,
  SubscriptionSchema,
  UpsertSubscriptionBody,
} from './webhooks.schemas.js';
import type { Caller, WebhooksService } from './webhooks.service.js';

/**
 * The Webhook Subscriptions API (CONTRACT.md §7). The routes declare no single scope to the guard: a subscription
 * needs the scope of each of its filters (message filters SendMessage, contact filters ReadContact; §2), so the
 * service checks the caller's scopes against the filters, and a gap is the guard's plain 403.
 */
export function registerWebhookRoutes(
  api: FastifyInstance,
  deps: { webhooks: WebhooksService; scopePrefix: string },
): void {
  const routes = api.withTypeProvider<TypeBoxTypeProvider>();
  const { webhooks, scopePrefix } = deps;

  const callerOf = (request: FastifyRequest): Caller => ({
    orgId: request.auth.orgId,
    scopes: request.auth.scopes.map((scope) => scopeName(scopePrefix, scope)).filter((s): s is ScopeName => !!s),
  });

  routes.post('/webhooksubscription', {
    preValidation: [mergeQueryIntoBody, rejectUnknownFields(UpsertSubscriptionBody)],
    schema: {
      summary: 'Create or Update Webhook Subscription',
      description:
        'Validates the uri with the handshake (GET with a `validation-token` header that a 2xx must echo), then creates the subscription (201, with its `signingSecret`, shown once) or updates the one with the same `id` or `uri` (200). Filters of another organisation, or naming an unknown department or site, are answered in `disabledFilters`; none valid is a 400. Each filter needs its scope: message filters SendMessage, contact filters ReadContact.',
      tags: ['Webhook Subscriptions'],
      body: UpsertSubscriptionBody,
      response: { 200: SubscriptionSchema, 201: SubscriptionSchema },
    },
    handler: async (request, reply) => {
      const outcome = unwrap(await webhooks.upsert(callerOf(request), request.body));
      return reply
        .code(outcome.created ? 201 : 200)
        .send(presentSubscription(outcome.subscription, outcome.signingSecret));
    },
  });

  routes.get('/webhooksubscription/all', {
    schema: {
      summary: 'Get All Webhook Subscriptions',
      description:
        'A page of the organisation’s subscriptions, oldest first: those whose filters the token’s scopes cover (SendMessage or ReadContact needed).',
      tags: ['Webhook Subscriptions'],
      querystring: PageQuery,
      response: { 200: SubscriptionPageSchema },
    },
    handler: async (request) => {
      const page = pageRequest(request.query);
      const result = unwrap(await webhooks.page(callerOf(request), page.size, page.offset));
      return springPage(
        result.subscriptions.map((view) => presentSubscription(view)),
        result.total,
        page,
      );
    },
  });

  routes.get('/webhooksubscription/:id', {
    schema: {
      summary: 'Get Webhook Subscription',
      description: 'One subscription of the organisation.',
      tags: ['Webhook Subscriptions'],
      params: SubscriptionIdParams,
      response: { 200: SubscriptionSchema },
    },
    handler: async (request) => presentSubscription(unwrap(await webhooks.get(callerOf(request), request.params.id))),
  });

  routes.delete('/webhooksubscription/:id', {
    schema: {
      summary: 'Delete Webhook Subscription',
      description: 'Deletes the subscription, its pending deliveries and its delivery log; answers it as it was.',
      tags: ['Webhook Subscriptions'],
      params: SubscriptionIdParams,
      response: { 200: SubscriptionSchema },
    },
    handler: async (request) =>
      presentSubscription(unwrap(await webhooks.delete(callerOf(request), request.params.id))),
  });

  routes.get('/webhooksubscription/:id/deliveries', {
    schema: {
      summary: 'Get Webhook Deliveries',
      description:
        'A page of the subscription’s deliveries, newest first, each with every attempt (time, HTTP status, duration, the start of the answer, error).',
      tags: ['Webhook Subscriptions'],
      params: SubscriptionIdParams,
      querystring: DeliveriesQuery,
      response: { 200: DeliveryPageSchema },
    },
    handler: async (request) => {
      const page = pageRequest(request.query);
      const result = unwrap(
        await webhooks.deliveries(
          callerOf(request),
          request.params.id,
          deliveryStateOf(request.query.status),
          page.size,
          page.offset,
        ),
      );
      return springPage(result.deliveries.map(presentDelivery), result.total, page);
    },
  });

  routes.post('/webhooksubscription/:id/deliveries/:deliveryId/retry', {
    schema: {
      summary: 'Retry Webhook Delivery',
      description:
        'Makes the delivery due now, whatever its status (202): one more attempt, with the same `webhook-id`. 409 while the subscription is not ACTIVE or an attempt is in flight.',
      tags: ['Webhook Subscriptions'],
      params: DeliveryParams,
      response: { 202: DeliverySchema },
    },
    handler: async (request, reply) => {
      const delivery = unwrap(
        await webhooks.retryDelivery(callerOf(request), request.params.id, request.params.deliveryId),
      );
      return reply.code(202).send(presentDelivery(delivery));
    },
  });

  routes.post('/webhooksubscription/:id/secret', {
    schema: {
      summary: 'Rotate Webhook Signing Secret',
      description:
        'A new signing secret, shown once. For 24 hours deliveries carry signatures with both the new and the previous secret.',
      tags: ['Webhook Subscriptions'],
      params: SubscriptionIdParams,
      response: { 200: RotatedSecretSchema },
    },
    handler: async (request) => {
      const rotated = unwrap(await webhooks.rotateSecret(callerOf(request), request.params.id));
      return {
        signingSecret: rotated.signingSecret,
        previousSecretExpirationTime: new Date(rotated.previousSecretExpiresAt).toISOString(),
      };
    },
  });
}
