import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { fail, type Outcome, ok } from '../../platform/outcome.js';
import { createCarrierRepository } from './carrier.repository.js';
import { parseRouteUrl, RouteUrlError, redactRouteUrl } from './route-url.js';

/**
 * The route table: which SMPP link sends a message. Operators add routes with `stratus route add`:
 * for one sender number, for one department, or the default. The lookup order (links.ts) is number, department,
 * the table's default, SMPP_URL, then the built-in simulator.
 *
 * The URL holds the bind password, so it is stored sealed with AES-256-GCM under SECRET_KEY (the key that also
 * seals the JWT signing keys); lists show it redacted.
 */
export type RouteKind = 'number' | 'department' | 'default';

export interface CarrierRoute {
  id: string;
  kind: RouteKind;
  /** E.164 number, department id, or '' for the default route. */
  match: string;
  url: string;
  redactedUrl: string;
  createdAt: number;
  updatedAt: number;
}

export function createCarrierRouteTable(deps: { database: Database; clock: Clock; encryptionKey: Buffer }) {
  const { database, clock, encryptionKey } = deps;
  const repository = createCarrierRepository();

  return {
    /** Adds (or replaces) a route. `match` must already be normalised (E.164 or a department id). */
    async add(input: {
      kind: RouteKind;
      match: string;
      url: string;
    }): Promise<Outcome<CarrierRoute, 'carrier.invalid_route'>> {
      try {
        parseRouteUrl(input.url);
      } catch (error) {
        if (error instanceof RouteUrlError) return fail('carrier.invalid_route', error.message);
        throw error;
      }
      const now = clock.now();
      const row = await repository.upsertRoute(database.db, {
        id: newId(now),
        kind: input.kind,
        match: input.kind === 'default' ? '' : input.match,
        url_encrypted: seal(input.url, encryptionKey),
        url_redacted: redactRouteUrl(input.url),
        created_at: now,
        updated_at: now,
      });
      return ok({ ...toRoute(row, input.url) });
    },

    async list(): Promise<CarrierRoute[]> {
      const rows = await repository.listRoutes(database.db);
      return rows.map((row) => toRoute(row, unseal(row.url_encrypted, encryptionKey)));
    },

    async remove(id: string): Promise<boolean> {
      return repository.deleteRoute(database.db, id);
    },
  };
}

export type CarrierRouteTable = ReturnType<typeof createCarrierRouteTable>;

function toRoute(
  row: { id: string; kind: RouteKind; match: string; url_redacted: string; created_at: number; updated_at: number },
  url: string,
): CarrierRoute {
  return {
    id: row.id,
    kind: row.kind,
    match: row.match,
    url,
    redactedUrl: row.url_redacted,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function seal(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

function unseal(sealed: string, key: Buffer): string {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', key, iv!);
  decipher.setAuthTag(tag!);
  return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
}
