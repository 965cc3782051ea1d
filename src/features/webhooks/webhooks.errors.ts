import { defineErrors } from '../../platform/http/errors.js';

export const WebhookErrors = defineErrors({
  'webhooks.not_found': { status: 404, message: 'Webhook subscription not found' },
  'webhooks.delivery_not_found': { status: 404, message: 'Webhook delivery not found' },
  'webhooks.invalid_uri': { status: 400, message: 'The uri must be an absolute http or https URL' },
  'webhooks.uri_not_allowed': {
    status: 400,
    message: 'The uri resolves to an address webhooks may not be sent to (private, loopback, link-local or multicast)',
  },
  'webhooks.invalid_filters': { status: 400, message: 'No event filter of the subscription is valid' },
  'webhooks.invalid_expiration': { status: 400, message: 'expiresDateInMillies must be a time in the future' },
  'webhooks.validation_failed': { status: 400, message: 'The uri did not pass the validation handshake' },
  'webhooks.uri_taken': { status: 409, message: 'Another subscription of the organisation has that uri' },
  'webhooks.delivery_in_progress': { status: 409, message: 'An attempt of the delivery is in flight' },
  'webhooks.subscription_not_active': { status: 409, message: 'The webhook subscription is not ACTIVE' },
});

export type WebhookErrorCode = keyof typeof WebhookErrors;
