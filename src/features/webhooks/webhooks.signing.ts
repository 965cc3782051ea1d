import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Signing of webhook deliveries with the Standard Webhooks scheme (https://www.standardwebhooks.com/, spec
 * "Signature scheme"): `webhook-signature: v1,<base64 HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}">`,
 * keyed with the bytes of the subscription's secret, which is shown in the spec's form `whsec_<base64 of the key>`.
 * Several signatures are separated by a space: during a secret rotation both the new and the previous secret sign.
 * Receivers check with verifyWebhook (webhooks.verify.ts).
 */

export const SECRET_PREFIX = 'whsec_';
/** 32 key bytes: the spec asks for 24 to 64. */
const SECRET_BYTES = 32;

/** A new signing secret, `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The key bytes of a `whsec_…` secret. */
export function secretKeyBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** One `v1,<base64>` signature of a delivery. */
export function signDelivery(secret: string, webhookId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKeyBytes(secret)).update(`${webhookId}.${timestampSeconds}.${body}`);
  return `v1,${mac.digest('base64')}`;
}

/** The three Standard Webhooks headers of one attempt, signed with every secret given (newest first). */
export function webhookHeaders(
  secrets: readonly string[],
  webhookId: string,
  timestampSeconds: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((secret) => signDelivery(secret, webhookId, timestampSeconds, body)).join(' '),
  };
}

/**
 * Signing secrets must be readable again to sign, so unlike client secrets they cannot be stored as hashes. They are
 * stored AES-256-GCM encrypted under a key derived (HKDF-SHA256, RFC 5869) from SECRET_KEY's key, so a copy of
 * the database alone does not let anyone forge deliveries.
 */
export function createSecretBox(encryptionKey: Buffer) {
  const key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'stratus webhook signing secrets', 32));
  return {
    seal(plain: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
    },
    open(sealed: string): string {
      const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
      const decipher = createDecipheriv('aes-256-gcm', key, iv!);
      decipher.setAuthTag(tag!);
      return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
    },
  };
}

export type SecretBox = ReturnType<typeof createSecretBox>;
