import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLinkLeases } from '../../../src/features/carrier/link-leases.js';
import { type CarrierLinks, createCarrierLinks, ENV_ROUTE_ID } from '../../../src/features/carrier/links.js';
import type { SmscSimulator } from '../../../src/features/carrier/simulator.js';
import { buildSubmitParts } from '../../../src/features/carrier/smpp-session.js';
import {
  createMessageJobHandlers,
  ROUTE_HELD_ELSEWHERE_DELAY_MS,
} from '../../../src/features/messages/messages.jobs.js';
import { ManualClock } from '../../../src/platform/clock.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../../src/platform/jobs/queue.js';
import { createWorker } from '../../../src/platform/jobs/worker.js';
import { createTestPlatform, type TestPlatform } from '../../harness/app.js';
import { testDialect } from '../../harness/database.js';
import { orgWithHeaders, sendSms } from '../messages-helpers.js';
import { CREDENTIALS, startSimulator, testLogger, waitFor } from './helpers.js';

/**
 * Exclusive routes (`exclusive=true`) in one test process: each link manager plays a worker process with its own
 * lease keeper on one database, against the simulator over real TCP. Lease rounds are run by hand and time is a
 * ManualClock, so takeovers need no waiting; the two-process test runs real `stratus serve` processes.
 */
const TTL_MS = 120_000;
/** Longer than any test: the rounds these tests need are run by hand. */
const RENEW_MS = 60_000;
const FROM = '+15550001000';
const TO = '+12125550199';

describe(`exclusive carrier routes on ${testDialect()}`, () => {
  let sim: SmscSimulator;
  let platform: TestPlatform;
  let clock: ManualClock;
  let dataDir: string;
  let routeUrl: string;
  const opened: CarrierLinks[] = [];

  beforeAll(async () => {
    sim = await startSimulator();
    dataDir = mkdtempSync(join(tmpdir(), 'stratus-exclusive-'));
    clock = new ManualClock();
    routeUrl = `smpp://${CREDENTIALS.systemId}:${CREDENTIALS.password}@127.0.0.1:${sim.port}?tps=0&reconnectMinMs=10&reconnectMaxMs=50`;
    platform = await createTestPlatform({
      clock,
      env: {
        DATA_DIR: dataDir,
        SMPP_URL: `${routeUrl}&exclusive=true`,
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
      },
    });
  });
  afterAll(async () => {
    await sim.close();
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  /** The simulator's bind count when the test began: its stats run across tests. */
  let bindsBefore = 0;
  beforeEach(() => {
    sim.reset();
    bindsBefore = sim.stats.binds;
  });
  afterEach(async () => {
    for (const links of opened.splice(0)) await links.close();
    await waitFor(() => sim.sessionCount === 0, 'every bind to end');
    const { db } = platform.container.database;
    await db.deleteFrom('carrier_link_leases').execute();
    await db.deleteFrom('carrier_routes').execute();
  });

  /** The link manager of one "worker process": its own lease holder, the platform's database and clock. */
  function processLinks(holder: string): CarrierLinks {
    const { container } = platform;
    const links = createCarrierLinks({
      routes: container.carrierRoutes,
      defaultUrl: container.config.smppUrl,
      leases: createLinkLeases({
        database: container.database,
        clock,
        logger: testLogger,
        ttlMs: TTL_MS,
        renewIntervalMs: RENEW_MS,
        holder,
      }),
      reloadMs: 0,
      logger: testLogger,
      clock,
      onReceipt: (routeId, receipt) => container.messages.applyReceipt(routeId, receipt),
      onInbound: async (routeId, sms) => {
        await container.messages.receiveInbound(routeId, sms);
      },
    });
    opened.push(links);
    return links;
  }

  /** Process B holds the exclusive route and is bound; process A has its links and a send worker on them. */
  async function routeHeldByAnotherProcess() {
    const holder = processLinks('process-b');
    await holder.start();
    await holder.session(ENV_ROUTE_ID)!.waitUntilBound(5000);
    const here = processLinks('process-a');
    await here.start();
    const worker = createWorker({
      database: platform.container.database,
      clock,
      logger: testLogger,
      handlers: createMessageJobHandlers({ messages: platform.container.messages, links: here }),
      concurrency: 1,
      pollIntervalMs: 60_000,
      lockTimeoutMs: 60_000,
    });
    return { holder, here, worker };
  }

  async function leaseHolders(): Promise<Record<string, string>> {
    const rows = await platform.container.carrierLeases.list();
    return Object.fromEntries(rows.map((row) => [row.route_id, row.holder]));
  }

  const parts = () => buildSubmitParts({ from: FROM, to: TO, text: 'exclusive' });
  const target = { from: FROM, departmentId: 'no-department' };

  it('binds an exclusive route in the lease holder only; another process refuses sends with route_held_elsewhere', async () => {
    const a = processLinks('process-a');
    const b = processLinks('process-b');
    await a.start();
    await b.start();
    await a.session(ENV_ROUTE_ID)!.waitUntilBound(5000);
    expect(b.session(ENV_ROUTE_ID)).toBeUndefined();
    expect(await leaseHolders()).toEqual({ [ENV_ROUTE_ID]: 'process-a' });
    expect(a.status()).toMatchObject([{ routeId: ENV_ROUTE_ID, exclusive: true, state: 'bound' }]);

    expect(await a.submit(target, parts())).toMatchObject({ routeId: ENV_ROUTE_ID });
    await expect(b.submit(target, parts())).rejects.toMatchObject({
      name: 'TransientCarrierError',
      reason: 'route_held_elsewhere',
      retryable: true,
    });
    // Renewals change nothing: still one bind, still the same holder.
    clock.advance(RENEW_MS);
    await a.refreshLeases();
    await b.refreshLeases();
    expect(b.session(ENV_ROUTE_ID)).toBeUndefined();
    expect(sim.stats).toMatchObject({ binds: bindsBefore + 1, maxBound: 1 });
    expect(sim.submitted.map((submit) => submit.text)).toEqual(['exclusive']);
  });

  it('hands the route to another process at its next round when the holder stops gracefully', async () => {
    const a = processLinks('process-a');
    const b = processLinks('process-b');
    await a.start();
    await b.start();
    await a.session(ENV_ROUTE_ID)!.waitUntilBound(5000);

    await a.close();
    expect(await leaseHolders()).toEqual({});
    // No clock movement: the lease was released, not left to expire.
    await b.refreshLeases();
    await b.session(ENV_ROUTE_ID)!.waitUntilBound(5000);
    expect(await leaseHolders()).toEqual({ [ENV_ROUTE_ID]: 'process-b' });
    expect(await b.submit(target, parts())).toMatchObject({ routeId: ENV_ROUTE_ID });
    expect(sim.received.map((pdu) => pdu.command)).toContain('unbind');
    expect(sim.stats).toMatchObject({ binds: bindsBefore + 2, maxBound: 1 });
  });

  it("takes a silent holder's route over once its lease expired; the old holder closes its bind at its next round", async () => {
    const a = processLinks('process-a');
    const b = processLinks('process-b');
    await a.start();
    await b.start();
    await a.session(ENV_ROUTE_ID)!.waitUntilBound(5000);

    // process-a stops renewing (hung, or its database is away) for longer than the TTL.
    clock.advance(TTL_MS);
    await b.refreshLeases();
    await b.session(ENV_ROUTE_ID)!.waitUntilBound(5000);
    expect(await leaseHolders()).toEqual({ [ENV_ROUTE_ID]: 'process-b' });
    // Its own clock tells process-a its lease ran out: it sends nothing more on the route.
    await expect(a.submit(target, parts())).rejects.toMatchObject({ reason: 'route_held_elsewhere' });

    await a.refreshLeases();
    expect(a.session(ENV_ROUTE_ID)).toBeUndefined();
    await waitFor(() => sim.sessionCount === 1, 'the old holder to unbind');
    expect(await b.submit(target, parts())).toMatchObject({ routeId: ENV_ROUTE_ID });
  });

  it('binds routes without exclusive=true in every process, as before', async () => {
    const added = await platform.container.carrierRoutes.add({ kind: 'number', match: FROM, url: routeUrl });
    expect(added.ok).toBe(true);
    const routeId = added.ok ? added.value.id : '';
    const a = processLinks('process-a');
    const b = processLinks('process-b');
    await a.start();
    await b.start();
    await a.session(routeId)!.waitUntilBound(5000);
    await b.session(routeId)!.waitUntilBound(5000);
    expect(await a.submit(target, parts())).toMatchObject({ routeId });
    expect(await b.submit(target, parts())).toMatchObject({ routeId });
    // Only the exclusive SMPP_URL route has a lease; the number route is bound twice.
    expect(await leaseHolders()).toEqual({ [ENV_ROUTE_ID]: 'process-a' });
    expect(sim.sessionCount).toBe(3);
  });

  it('closes the bind, then gives the lease up, of a route that is no longer exclusive', async () => {
    const added = await platform.container.carrierRoutes.add({
      kind: 'default',
      match: '',
      url: `${routeUrl}&exclusive=true`,
    });
    const routeId = added.ok ? added.value.id : '';
    const a = processLinks('process-a');
    await a.start();
    await a.session(routeId)!.waitUntilBound(5000);
    expect(await leaseHolders()).toMatchObject({ [routeId]: 'process-a' });

    await platform.container.carrierRoutes.add({ kind: 'default', match: '', url: routeUrl });
    await a.refreshLeases();
    expect(a.session(routeId)).toBeUndefined();
    await waitFor(async () => !(routeId in (await leaseHolders())), 'the lease to be given up');
    // Now an ordinary route: the next send binds it without a lease.
    expect(await a.submit(target, parts())).toMatchObject({ routeId });
    expect(a.status().find((link) => link.routeId === routeId)).toMatchObject({ exclusive: false });
  });

  it('never lets a failing lease round reject: the route table or the lease store may be away', async () => {
    const { container } = platform;
    const keeper = createLinkLeases({
      database: container.database,
      clock,
      logger: testLogger,
      ttlMs: TTL_MS,
      renewIntervalMs: RENEW_MS,
      holder: 'process-a',
    });
    const failures: string[] = [];
    const common = {
      defaultUrl: container.config.smppUrl,
      reloadMs: 0,
      logger: testLogger,
      clock,
      onReceipt: async () => {},
      onInbound: async () => {},
    };
    const noTable = createCarrierLinks({
      ...common,
      routes: { list: () => Promise.reject(new Error('route table unreachable')) },
      leases: keeper,
    });
    opened.push(noTable);
    await expect(noTable.refreshLeases()).resolves.toBeUndefined();
    expect(noTable.session(ENV_ROUTE_ID)).toBeUndefined();

    const brokenStore = createCarrierLinks({
      ...common,
      routes: container.carrierRoutes,
      leases: {
        ...keeper,
        claim: async (routeId) => {
          failures.push(routeId);
          throw new Error('lease store exploded');
        },
      },
    });
    opened.push(brokenStore);
    await expect(brokenStore.refreshLeases()).resolves.toBeUndefined();
    expect(failures).toEqual([ENV_ROUTE_ID]);
    expect(brokenStore.session(ENV_ROUTE_ID)).toBeUndefined();
    await expect(brokenStore.submit(target, parts())).rejects.toMatchObject({ reason: 'route_held_elsewhere' });

    // A lease of a route that is gone, which the store then fails to give up: logged, never an unhandled rejection.
    let releaseAttempts = 0;
    const stuckRelease = createCarrierLinks({
      ...common,
      routes: container.carrierRoutes,
      leases: {
        ...keeper,
        claim: async () => false,
        held: () => ['removed-route'],
        release: async () => {
          releaseAttempts++;
          throw new Error('lease store exploded');
        },
      },
    });
    opened.push(stuckRelease);
    await expect(stuckRelease.refreshLeases()).resolves.toBeUndefined();
    await waitFor(() => releaseAttempts === 1, 'the release to be tried');
  });

  it('defers a send on a route held elsewhere without spending its attempts, and sends it once this process holds the route', async () => {
    const { container } = platform;
    const { holder, here, worker } = await routeHeldByAnotherProcess();

    const org = await orgWithHeaders(platform);
    const response = await sendSms(platform, org.headers, { from: org.phoneNumber, to: TO, text: 'wait for the bind' });
    expect(response.statusCode).toBe(200);
    const messageId: string = response.json().id;
    const { db } = container.database;
    const sendJob = () =>
      db.selectFrom('jobs').selectAll().where('task', '=', 'messages.send').where('payload', 'like', `%${messageId}%`);

    // More rounds than a job has attempts: none is spent, nothing fails.
    for (let round = 0; round < DEFAULT_MAX_ATTEMPTS + 5; round++) {
      expect(await worker.drain()).toBe(1);
      expect(await sendJob().executeTakeFirst()).toMatchObject({
        attempts: 0,
        failed_at: null,
        locked_by: null,
        run_at: clock.now() + ROUTE_HELD_ELSEWHERE_DELAY_MS,
      });
      expect(await worker.drain()).toBe(0);
      clock.advance(ROUTE_HELD_ELSEWHERE_DELAY_MS);
    }
    const waiting = await db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
    // The job carries its route: deferring touched nothing on the message.
    expect(waiting).toMatchObject({ status: 'queued', submit_attempts: 0, error_code: null });
    expect(sim.submitted).toHaveLength(0);

    await holder.close();
    await here.refreshLeases();
    await here.session(ENV_ROUTE_ID)!.waitUntilBound(5000);
    expect(await worker.drain()).toBe(1);
    expect(await sendJob().executeTakeFirst()).toBeUndefined();
    const sent = await db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
    expect(['sent', 'delivered']).toContain(sent.status);
    expect(sent.route_id).toBe(ENV_ROUTE_ID);
    expect(sim.submitted.map((submit) => submit.text)).toEqual(['wait for the bind']);
    await worker.stop(1000);
  });

  it('defers at submit a job written without its route (older payloads), spending no attempt', async () => {
    const { container } = platform;
    const { holder, worker } = await routeHeldByAnotherProcess();
    const org = await orgWithHeaders(platform);
    const response = await sendSms(platform, org.headers, { from: org.phoneNumber, to: TO, text: 'an older job' });
    expect(response.statusCode).toBe(200);
    const messageId: string = response.json().id;
    const { db } = container.database;
    const job = db
      .selectFrom('jobs')
      .selectAll()
      .where('task', '=', 'messages.send')
      .where('payload', 'like', `%${messageId}%`);
    await db
      .updateTable('jobs')
      .set({ payload: JSON.stringify({ messageId }) })
      .where('id', '=', (await job.executeTakeFirstOrThrow()).id)
      .execute();

    expect(await worker.drain()).toBe(1);
    expect(await job.executeTakeFirst()).toMatchObject({
      attempts: 0,
      failed_at: null,
      run_at: clock.now() + ROUTE_HELD_ELSEWHERE_DELAY_MS,
    });
    const message = await db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
    expect(message.status).toBe('sending');
    expect(sim.submitted.map((submit) => submit.text)).not.toContain('an older job');
    await worker.stop(1000);
    await holder.close();
  });
});
