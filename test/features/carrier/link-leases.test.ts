import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCarrierRepository } from '../../../src/features/carrier/carrier.repository.js';
import { createLinkLeases, type LinkLeasesOptions } from '../../../src/features/carrier/link-leases.js';
import { ManualClock } from '../../../src/platform/clock.js';
import { createDatabase, type Database } from '../../../src/platform/db/database.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../../harness/database.js';
import { testLogger } from './helpers.js';

const TTL_MS = 15_000;
const RENEW_MS = 5000;

describe(`carrier link leases on ${testDialect()}`, () => {
  let test: TestDatabase;
  let database: Database;
  let clock: ManualClock;
  const repository = createCarrierRepository();
  const unreachable: Database[] = [];

  beforeAll(async () => {
    test = await createTestDatabase();
    database = test.database;
  });
  afterAll(async () => {
    for (const broken of unreachable) await broken.close();
    await test.drop();
  });
  beforeEach(async () => {
    await database.db.deleteFrom('carrier_link_leases').execute();
    clock = new ManualClock();
  });

  function acquire(routeId: string, holder: string, ttlMs = TTL_MS) {
    const now = clock.now();
    return repository.acquireLease(database.db, { routeId, holder, now, expiresAt: now + ttlMs });
  }

  async function row(routeId: string) {
    return database.db.selectFrom('carrier_link_leases').selectAll().where('route_id', '=', routeId).executeTakeFirst();
  }

  /** A database whose every query fails, as during an outage: nothing listens on port 1. */
  function brokenDatabase(): Database {
    const broken = createDatabase('postgres://nobody@127.0.0.1:1/outage', { poolSize: 1 });
    unreachable.push(broken);
    return broken;
  }

  describe('repository', () => {
    it('acquires a free lease and records holder, expiry and update time', async () => {
      expect(await acquire('r1', 'a')).toBe(true);
      expect(await row('r1')).toEqual({
        route_id: 'r1',
        holder: 'a',
        expires_at: clock.now() + TTL_MS,
        updated_at: clock.now(),
      });
    });

    it('renews its own lease, pushing the expiry on', async () => {
      await acquire('r1', 'a');
      clock.advance(RENEW_MS);
      expect(await acquire('r1', 'a')).toBe(true);
      expect(await row('r1')).toMatchObject({ holder: 'a', expires_at: clock.now() + TTL_MS, updated_at: clock.now() });
    });

    it('refuses a lease another holder has until it expires, leaving the row alone', async () => {
      await acquire('r1', 'a');
      const before = await row('r1');
      clock.advance(TTL_MS - 1);
      expect(await acquire('r1', 'b')).toBe(false);
      expect(await row('r1')).toEqual(before);
    });

    it('lets another holder take an expired lease over, after which the old holder cannot renew it', async () => {
      await acquire('r1', 'a');
      clock.advance(TTL_MS);
      expect(await acquire('r1', 'b')).toBe(true);
      expect(await row('r1')).toMatchObject({ holder: 'b', expires_at: clock.now() + TTL_MS });
      expect(await acquire('r1', 'a')).toBe(false);
      expect((await row('r1'))?.holder).toBe('b');
    });

    it('keeps leases of different routes apart', async () => {
      expect(await acquire('r1', 'a')).toBe(true);
      expect(await acquire('r2', 'b')).toBe(true);
      expect((await repository.listLeases(database.db)).map((lease) => [lease.route_id, lease.holder])).toEqual([
        ['r1', 'a'],
        ['r2', 'b'],
      ]);
    });

    it('releases only its own lease; a released lease is free at once', async () => {
      await acquire('r1', 'a');
      expect(await repository.releaseLease(database.db, { routeId: 'r1', holder: 'b' })).toBe(false);
      expect((await row('r1'))?.holder).toBe('a');
      expect(await repository.releaseLease(database.db, { routeId: 'r1', holder: 'a' })).toBe(true);
      expect(await row('r1')).toBeUndefined();
      expect(await acquire('r1', 'b')).toBe(true);
    });

    it('releases every lease of one holder and none of another', async () => {
      await acquire('r1', 'a');
      await acquire('r2', 'a');
      await acquire('r3', 'b');
      expect(await repository.releaseLeasesOf(database.db, 'a')).toBe(2);
      expect((await repository.listLeases(database.db)).map((lease) => lease.route_id)).toEqual(['r3']);
    });

    it('gives a free lease to exactly one of many concurrent takers', async () => {
      const holders = Array.from({ length: 8 }, (_, i) => `holder-${i}`);
      const outcomes = await Promise.all(holders.map((holder) => acquire('contended', holder)));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await row('contended'))?.holder).toBe(holders[outcomes.indexOf(true)]);

      // The same when the lease has expired: one taker wins the takeover.
      clock.advance(TTL_MS);
      const takeovers = await Promise.all(holders.map((holder) => acquire('contended', `${holder}-next`)));
      expect(takeovers.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('keeper', () => {
    function keeper(holder: string, options: Partial<LinkLeasesOptions> = {}) {
      return createLinkLeases({
        database,
        clock,
        logger: testLogger,
        ttlMs: TTL_MS,
        renewIntervalMs: RENEW_MS,
        holder,
        ...options,
      });
    }

    it('refuses a TTL that one slow round could outlast', () => {
      expect(() => keeper('a', { ttlMs: 2 * RENEW_MS - 1 })).toThrow(TypeError);
      expect(() => keeper('a', { renewIntervalMs: 0 })).toThrow(TypeError);
      expect(keeper('a', { ttlMs: 2 * RENEW_MS }).renewIntervalMs).toBe(RENEW_MS);
    });

    it('names itself per process when no holder is given', () => {
      const options = { database, clock, logger: testLogger, ttlMs: TTL_MS, renewIntervalMs: RENEW_MS };
      const first = createLinkLeases(options);
      const second = createLinkLeases(options);
      expect(first.holder).toContain(`/${process.pid}/`);
      expect(first.holder).not.toBe(second.holder);
    });

    it('holds what it claimed until the TTL runs out on its clock, and renews by claiming again', async () => {
      const a = keeper('a');
      expect(a.holds('r1')).toBe(false);
      expect(await a.claim('r1')).toBe(true);
      expect(a.holds('r1')).toBe(true);
      expect(a.held()).toEqual(['r1']);
      clock.advance(TTL_MS - 1);
      expect(await a.claim('r1')).toBe(true);
      clock.advance(TTL_MS - 1);
      expect(a.holds('r1')).toBe(true);
      clock.advance(1);
      expect(a.holds('r1')).toBe(false);
    });

    it('does not hold a route another keeper holds, and takes it over once that lease expired', async () => {
      const a = keeper('a');
      const b = keeper('b');
      await a.claim('r1');
      expect(await b.claim('r1')).toBe(false);
      expect(b.holds('r1')).toBe(false);
      clock.advance(TTL_MS);
      expect(await b.claim('r1')).toBe(true);
      // The old holder learns it lost the route at its next claim.
      expect(await a.claim('r1')).toBe(false);
      expect(a.holds('r1')).toBe(false);
      expect(a.held()).toEqual([]);
      expect((await a.list()).map((lease) => lease.holder)).toEqual(['b']);
    });

    it('releases one route, or all of its own, so another keeper takes them without waiting', async () => {
      const a = keeper('a');
      const b = keeper('b');
      await a.claim('r1');
      await a.claim('r2');
      await a.release('r1');
      expect(a.holds('r1')).toBe(false);
      expect(await b.claim('r1')).toBe(true);
      await a.releaseAll();
      expect(a.held()).toEqual([]);
      expect(await b.claim('r2')).toBe(true);
      expect((await b.list()).map((lease) => lease.holder)).toEqual(['b', 'b']);
    });

    it('holds nothing it could not claim because the database does not answer', async () => {
      const failing = keeper('c', { database: brokenDatabase() });
      expect(await failing.claim('r9')).toBe(false);
      expect(failing.holds('r9')).toBe(false);
      expect(failing.held()).toEqual([]);
    });

    it('keeps a lease through a failed renewal only while it outlives the next round', async () => {
      // One keeper whose database fails after its first claim: a proxy switching between a working and a dead one.
      const broken = brokenDatabase();
      let failing = false;
      const switching: Database = {
        dialect: database.dialect,
        get db() {
          return failing ? broken.db : database.db;
        },
        transaction: (fn) => (failing ? broken : database).transaction(fn),
        ping: () => (failing ? broken : database).ping(),
        close: async () => {},
      };
      const a = keeper('a', { database: switching });
      expect(await a.claim('r1')).toBe(true);
      failing = true;
      clock.advance(RENEW_MS);
      // Renewed at 0 for 15 s; at 5 s the next round (10 s) is still inside: keep it.
      expect(await a.claim('r1')).toBe(true);
      expect(a.holds('r1')).toBe(true);
      clock.advance(RENEW_MS);
      // At 10 s the next round (15 s) would be too late: the bind must close now.
      expect(await a.claim('r1')).toBe(false);
      expect(a.holds('r1')).toBe(false);
      expect(a.held()).toEqual([]);
    });

    it('never rejects a release when the database is down: the lease expires instead', async () => {
      const a = keeper('a');
      await a.claim('r1');
      const down = keeper('a', { database: brokenDatabase() });
      await expect(down.release('r1')).resolves.toBeUndefined();
      await expect(down.releaseAll()).resolves.toBeUndefined();
      expect((await row('r1'))?.holder).toBe('a');
    });
  });
});
