import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Executor } from '../db/database.js';
import { AppError, defineErrors } from './errors.js';

/**
 * `Idempotency-Key` (CONTRACT.md §3, after Stripe's and the IETF draft "The Idempotency-Key HTTP Header Field"):
 * the same key with the same request within 24 h replays the first answer; with a different request it is a 422.
 *
 * The key row is written in the transaction of the change it answers for (claimIdempotencyKey), so a request is
 * never both remembered and rolled back, and two concurrent requests with one key cannot both act: PostgreSQL makes
 * the second insert wait for the first transaction, then sees its row; SQLite serialises writers anyway. Keys are
 * per organisation. Only successful answers are remembered: a refused request may be retried with the same key.
 */
export const IdempotencyErrors = defineErrors({
  'request.idempotency_mismatch': {
    status: 422,
    message: 'This Idempotency-Key was used with a different request in the last 24 hours',
  },
});

/** How long a key is remembered (CONTRACT.md §3). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header, or undefined; a malformed one (empty, over 255, not printable ASCII) is a 400. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new AppError('request.invalid', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
  return key;
}

/** SHA-256 of a canonical JSON of `value` (object keys sorted), so field order does not matter. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (Buffer.isBuffer(value)) return JSON.stringify(createHash('sha256').update(value).digest('hex'));
  return JSON.stringify(value) ?? 'null';
}

export interface IdempotencyScope {
  orgId: string;
  key: string;
  hash: string;
}

export type IdempotencyLookup<T> = { state: 'new' } | { state: 'replay'; response: T } | { state: 'mismatch' };

/** A read before any work: a remembered answer to replay, a mismatch, or new. */
export async function lookupIdempotencyKey<T>(
  db: Executor,
  scope: IdempotencyScope,
  now: number,
): Promise<IdempotencyLookup<T>> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'response', 'created_at'])
    .where('org_id', '=', scope.orgId)
    .where('key', '=', scope.key)
    .executeTakeFirst();
  if (!row || row.created_at <= now - IDEMPOTENCY_TTL_MS) return { state: 'new' };
  if (row.request_hash !== scope.hash) return { state: 'mismatch' };
  return { state: 'replay', response: JSON.parse(row.response) as T };
}

/**
 * Remembers `response` for the key, in the caller's transaction. When another request took the key meanwhile (a
 * concurrent twin), answers like lookupIdempotencyKey instead and writes nothing: the caller must roll back.
 */
export async function claimIdempotencyKey<T>(
  trx: Executor,
  scope: IdempotencyScope,
  response: T,
  now: number,
): Promise<IdempotencyLookup<T>> {
  // An expired row of the key is forgotten first, so the key can be used again after 24 h.
  await trx
    .deleteFrom('idempotency_keys')
    .where('org_id', '=', scope.orgId)
    .where('key', '=', scope.key)
    .where('created_at', '<=', now - IDEMPOTENCY_TTL_MS)
    .execute();
  const inserted = await trx
    .insertInto('idempotency_keys')
    .values({
      org_id: scope.orgId,
      key: scope.key,
      request_hash: scope.hash,
      response: JSON.stringify(response),
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['org_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  if (inserted) return { state: 'new' };
  return lookupIdempotencyKey<T>(trx, scope, now);
}

/** Deletes keys older than the TTL; returns how many. */
export async function deleteExpiredIdempotencyKeys(db: Executor, now: number): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<=', now - IDEMPOTENCY_TTL_MS)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
