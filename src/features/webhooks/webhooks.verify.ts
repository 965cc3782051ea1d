import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verifying a Stratus Connect webhook on the receiving side (Standard Webhooks, https://www.standardwebhooks.com/).
 * This file depends on `node:crypto` only, so a receiver may copy it as it is. Usage, e.g. with Express:
 *
 * ```ts
 * import { verifyWebhook } from './webhooks.verify.js';
 *
 * app.post('/stratus', express.raw({ type: 'application/json' }), (req, res) => {
 *   try {
 *     const event = verifyWebhook(process.env.STRATUS_WEBHOOK_SECRET!, req.headers, req.body);
 *     // dedupe by event.uuid (= the webhook-id header): deliveries are at least once
 *     res.sendStatus(204);
 *   } catch {
 *     res.sendStatus(400);
 *   }
 * });
 * ```
 *
 * Pass the body exactly as received (a Buffer or string), never a re-serialised object: the signature covers the
 * bytes. While a secret is being rotated the server signs with both secrets; either one verifies, and a receiver may
 * pass `[newSecret, oldSecret]` while it switches over.
 */

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface VerifyOptions {
  /** Largest accepted distance between `webhook-timestamp` and now, in seconds (300, as the spec recommends). */
  toleranceSeconds?: number;
  /** The current time in epoch milliseconds (Date.now()). */
  now?: number;
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value[0] : value;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/**
 * Checks the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers of a delivery against `secret` (or any
 * of several secrets) and answers the parsed JSON body. Throws WebhookVerificationError when a header is missing, the
 * timestamp is outside the tolerance (a replay), or no `v1` signature matches.
 */
export function verifyWebhook<T = unknown>(
  secret: string | readonly string[],
  headers: HeaderBag,
  body: string | Uint8Array,
  options: VerifyOptions = {},
): T {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook headers');

  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(seconds)) {
    throw new WebhookVerificationError('invalid webhook-timestamp');
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - seconds) > tolerance) throw new WebhookVerificationError('timestamp outside the tolerance');

  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const signed = `${id}.${timestamp}.${text}`;
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const expected = secrets.map((s) => createHmac('sha256', keyOf(s)).update(signed).digest());
  for (const part of signatures.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(part.slice(comma + 1), 'base64');
    if (expected.some((mac) => mac.length === given.length && timingSafeEqual(mac, given))) {
      return JSON.parse(text) as T;
    }
  }
  throw new WebhookVerificationError('no matching signature');
}
