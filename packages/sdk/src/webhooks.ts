import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookEvent } from './generated.js';

/**
 * Verification of webhook deliveries, Standard Webhooks scheme (https://www.standardwebhooks.com/):
 * `webhook-signature` holds space-separated `v1,<base64>` values, each an HMAC-SHA256 of
 * `{webhook-id}.{webhook-timestamp}.{raw body}` keyed with the bytes of the subscription's secret
 * (`whsec_<base64 of the key>`). Two signatures are sent while a secret is being rotated; one match is enough.
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

/** Headers as Node's IncomingMessage, a fetch Headers, or a plain object give them. */
export type WebhookHeaders =
  | Headers
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null };

export interface VerifyWebhookInput {
  /** The raw body, exactly as received: verify before parsing. */
  payload: string | Buffer | Uint8Array;
  headers: WebhookHeaders;
  /** The subscription's signing secret, `whsec_…`. */
  secret: string | string[];
  /** How far the timestamp may be from now, in seconds (default 300): older deliveries are replays. */
  toleranceSeconds?: number;
  /** Now, in epoch milliseconds (default Date.now()). */
  now?: number;
}

const PREFIX = 'whsec_';

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** The `v1,<base64>` signature of a delivery: what the server sends (useful to test a receiver). */
export function signWebhook(input: {
  secret: string;
  id: string;
  timestamp: number;
  payload: string | Buffer | Uint8Array;
}): string {
  const mac = createHmac('sha256', keyOf(input.secret));
  mac.update(`${input.id}.${input.timestamp}.`);
  mac.update(typeof input.payload === 'string' ? Buffer.from(input.payload, 'utf8') : input.payload);
  return `v1,${mac.digest('base64')}`;
}

/**
 * Checks the signature and age of a delivery and answers its parsed body; throws WebhookVerificationError when
 * a header is missing, the timestamp is out of tolerance, or no signature matches.
 */
export function verifyWebhook(input: VerifyWebhookInput): WebhookEvent {
  const id = header(input.headers, 'webhook-id');
  const timestamp = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !timestamp || !signatures)
    throw new WebhookVerificationError('Missing webhook-id, -timestamp or -signature');
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError('Invalid webhook-timestamp');
  const tolerance = input.toleranceSeconds ?? 300;
  const now = Math.floor((input.now ?? Date.now()) / 1000);
  if (Math.abs(now - Number(timestamp)) > tolerance) throw new WebhookVerificationError('Timestamp out of tolerance');

  const secrets = Array.isArray(input.secret) ? input.secret : [input.secret];
  const expected = secrets.map((secret) =>
    Buffer.from(signWebhook({ secret, id, timestamp: Number(timestamp), payload: input.payload }).slice(3), 'base64'),
  );
  const matches = signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return expected.some((mac) => mac.length === given.length && timingSafeEqual(mac, given));
  });
  if (!matches) throw new WebhookVerificationError('No matching signature');

  const text = typeof input.payload === 'string' ? input.payload : Buffer.from(input.payload).toString('utf8');
  return JSON.parse(text) as WebhookEvent;
}
