import type { Static } from '@sinclair/typebox';
import type { DeliveryState } from './webhooks.repository.js';
import type { DeliverySchema, SubscriptionSchema } from './webhooks.schemas.js';
import type { DeliveryView, SubscriptionView } from './webhooks.service.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** A subscription as CONTRACT.md §7 answers it; `signingSecret` only in the answer that created it. */
export function presentSubscription(view: SubscriptionView, signingSecret?: string): Static<typeof SubscriptionSchema> {
  return {
    id: view.id,
    uri: view.uri,
    eventFilters: view.eventFilters,
    disabledFilters: view.disabledFilters,
    expirationTime: isoOrNull(view.expiresAt),
    expiresIn: view.expiresAt === null ? null : Math.max(0, Math.floor((view.expiresAt - view.asOf) / 1000)),
    status: view.status,
    createdDateTime: iso(view.createdAt),
    lastUpdateDateTime: iso(view.updatedAt),
    orgId: view.orgId,
    ...(signingSecret === undefined ? {} : { signingSecret }),
  };
}

export const DELIVERY_STATUS: Record<DeliveryState, string> = {
  pending: 'PENDING',
  succeeded: 'SUCCEEDED',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
};

export function deliveryStateOf(status: string | undefined): DeliveryState | undefined {
  if (status === undefined) return undefined;
  return (Object.keys(DELIVERY_STATUS) as DeliveryState[]).find((state) => DELIVERY_STATUS[state] === status);
}

export function presentDelivery(view: DeliveryView): Static<typeof DeliverySchema> {
  return {
    id: view.id,
    webhookId: view.webhookId,
    subscriptionId: view.subscriptionId,
    eventId: view.eventId,
    eventType: view.eventType,
    event: view.filter,
    status: DELIVERY_STATUS[view.state],
    attemptCount: view.attemptCount,
    nextAttemptDateTime: view.state === 'pending' ? isoOrNull(view.nextAttemptAt) : null,
    lastAttemptDateTime: isoOrNull(view.lastAttemptAt),
    deliveredDateTime: isoOrNull(view.deliveredAt),
    createdDateTime: iso(view.createdAt),
    lastUpdateDateTime: iso(view.updatedAt),
    payload: view.payload,
    attempts: view.attempts.map((attempt) => ({
      attempt: attempt.attempt,
      attemptDateTime: iso(attempt.attemptedAt),
      statusCode: attempt.statusCode,
      durationMs: attempt.durationMs,
      responseBody: attempt.responseBody,
      error: attempt.error,
      success: attempt.succeeded,
    })),
  };
}
