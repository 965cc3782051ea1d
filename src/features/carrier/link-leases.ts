import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { Logger } from '../../platform/logger.js';
import { type CarrierLinkLeaseRow, createCarrierRepository } from './carrier.repository.js';

/**
 * Bind ownership across worker processes. Some SMSCs accept one bind per system_id, so a route marked
 * `exclusive=true` is bound by one process at a time: the holder of its lease, a row of `carrier_link_leases`
 * (route, holder, expires_at). The link manager (links.ts) asks `claim()` for every exclusive route each round
 * (CARRIER_LEASE_RENEW_MS): that takes a free or expired lease, or renews its own, for CARRIER_LEASE_TTL_MS. A
 * process that crashes stops renewing, and another takes the route over once the lease has expired; a graceful stop
 * releases its leases so another takes over at its next round.
 *
 * Time comes from each process's clock: expires_at is written by the holder and compared by the taker, so the
 * machines' clocks must agree to well within the TTL (as for job locks).
 */

export interface LinkLeasesOptions {
  database: Database;
  clock: Clock;
  logger: Logger;
  /** How long a lease lasts after it is taken or renewed (CARRIER_LEASE_TTL_MS). */
  ttlMs: number;
  /** How often the holder renews (CARRIER_LEASE_RENEW_MS); below half the TTL, so one slow round loses nothing. */
  renewIntervalMs: number;
  /** Unique among live processes; `<host>/<pid>/<random>` when absent. */
  holder?: string;
}

export interface LinkLeases {
  readonly holder: string;
  readonly renewIntervalMs: number;
  /**
   * Takes or renews the lease of a route; resolves to whether this process holds it now. Never rejects: when the
   * database cannot answer, a lease held already is kept only while it surely outlives the next round, so the bind
   * is closed before anyone else could take the route.
   */
  claim(routeId: string): Promise<boolean>;
  /** Whether this process holds the route's lease now (by its last successful claim and the clock). */
  holds(routeId: string): boolean;
  /** Routes whose lease this process holds or held at its last claim. */
  held(): string[];
  /** Gives one route's lease up (after its bind closed). Never rejects: an unreleased lease expires anyway. */
  release(routeId: string): Promise<void>;
  /** Gives every lease of this process up (graceful shutdown, after the binds closed). Never rejects. */
  releaseAll(): Promise<void>;
  /** Every lease row with its holder, for status output. */
  list(): Promise<CarrierLinkLeaseRow[]>;
}

export function createLinkLeases(options: LinkLeasesOptions): LinkLeases {
  const { database, clock, ttlMs, renewIntervalMs } = options;
  if (!(renewIntervalMs > 0) || !(ttlMs >= 2 * renewIntervalMs)) {
    throw new TypeError('link leases: ttlMs must be at least twice renewIntervalMs, and both positive');
  }
  const holder = options.holder ?? `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  const log = options.logger.child({ component: 'carrier-leases', holder });
  const repository = createCarrierRepository();
  /** Route id → when this process's lease ends, by its own clock at its last successful claim. */
  const heldUntil = new Map<string, number>();

  return {
    holder,
    renewIntervalMs,

    async claim(routeId) {
      const now = clock.now();
      try {
        const expiresAt = now + ttlMs;
        if (await repository.acquireLease(database.db, { routeId, holder, now, expiresAt })) {
          heldUntil.set(routeId, expiresAt);
          return true;
        }
        heldUntil.delete(routeId);
        return false;
      } catch (error) {
        const until = heldUntil.get(routeId);
        const keep = until !== undefined && now + renewIntervalMs < until;
        log.warn({ err: error, routeId, keep }, 'could not renew a carrier route lease');
        if (!keep) heldUntil.delete(routeId);
        return keep;
      }
    },

    holds(routeId) {
      const until = heldUntil.get(routeId);
      return until !== undefined && clock.now() < until;
    },

    held() {
      return [...heldUntil.keys()];
    },

    async release(routeId) {
      heldUntil.delete(routeId);
      try {
        await repository.releaseLease(database.db, { routeId, holder });
      } catch (error) {
        log.warn({ err: error, routeId }, 'could not release a carrier route lease; it will expire');
      }
    },

    async releaseAll() {
      heldUntil.clear();
      try {
        await repository.releaseLeasesOf(database.db, holder);
      } catch (error) {
        log.warn({ err: error }, 'could not release the carrier route leases; they will expire');
      }
    },

    list() {
      return repository.listLeases(database.db);
    },
  };
}
