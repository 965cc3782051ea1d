import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhooksRepository } from '../../src/features/webhooks/webhooks.repository.js';
import {
  createWebhookRetention,
  RETENTION_BATCH,
  withWebhookRetention,
} from '../../src/features/webhooks/webhooks.retention.js';
import type { WebhookRunner } from '../../src/features/webhooks/webhooks.runner.js';
import { ManualClock } from '../../src/platform/clock.js';
import { idUpperBound, newId } from '../../src/platform/ids.js';
import type { Worker } from '../../src/platform/jobs/worker.js';
import type { Logger } from '../../src/platform/logger.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders } from '../harness/auth.js';
import { createTestDatabase, testDialect } from '../harness/database.js';
import { createOrgFixture, randomUsNumber } from '../harness/factories.js';
import { type Behaviour, echoHandshake, startReceiver, type WebhookReceiver } from './webhooks-receiver.js';

/**
 * The retention sweep (WEBHOOK_RETENTION_DAYS, 30 here): finished deliveries older than the retention go with their
 * attempts, dispatched events too; pending deliveries and undispatched events stay whatever their age. Time is a
 * ManualClock; the runner is drained and the sweep called, nothing sleeps.
 */
const STAGE = '/stratustexting-prod';
const DAY = 24 * 3600 * 1000;
const RETENTION = 30 * DAY;

describe(`webhook retention (${testDialect()})`, () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  let platform: TestPlatform;
  let runner: WebhookRunner;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    platform = await createTestPlatform({
      clock,
      env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_RETENTION_DAYS: '30' },
    });
    runner = platform.container.createWebhooksRunner({ random: () => 0 });
  });
  afterAll(async () => {
    await runner.stop(1000);
    for (const receiver of receivers) await receiver.stop();
    await platform.close();
  });

  async function receiver(behaviour?: Behaviour) {
    const started = await startReceiver(behaviour);
    receivers.push(started);
    return started;
  }

  async function org() {
    const fixture = await createOrgFixture(platform.container, 'Retention Org');
    const orgId = fixture.organization.id;
    return { orgId, headers: await authHeaders(platform, orgId) };
  }

  async function subscribe(o: { orgId: string; headers: Record<string, string> }, uri: string) {
    const response = await platform.app.inject({
      method: 'POST',
      url: `${STAGE}/webhooksubscription`,
      headers: o.headers,
      payload: { uri, eventFilters: [`/orgId/${o.orgId}/contact`] },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id as string;
  }

  async function createContact(orgId: string) {
    const created = await platform.container.contacts.upsertByNumber({ orgId, mobileNumber: randomUsNumber() });
    if (!created.ok) throw new Error(created.code);
    return created.value.contact;
  }

  async function deliveries(subscriptionId: string) {
    return platform.container.database.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'event_id', 'state', 'updated_at'])
      .where('subscription_id', '=', subscriptionId)
      .orderBy('id')
      .execute();
  }

  async function attemptCount(deliveryIds: string[]) {
    if (deliveryIds.length === 0) return 0;
    const rows = await platform.container.database.db
      .selectFrom('webhook_attempts')
      .select('id')
      .where('delivery_id', 'in', deliveryIds)
      .execute();
    return rows.length;
  }

  async function events(orgId: string) {
    return platform.container.database.db
      .selectFrom('events')
      .select(['id', 'dispatched_at'])
      .where('org_id', '=', orgId)
      .orderBy('id')
      .execute();
  }

  /** Sweeps away what earlier tests left, so that counts are this test's own. */
  async function forgetHistory() {
    clock.advance(RETENTION + 1000);
    await platform.container.webhookRetention.sweep();
  }

  it('deletes finished deliveries older than the retention with their attempts, and keeps the rest', async () => {
    const o = await org();
    const t0 = clock.now();
    const ok = await subscribe(o, (await receiver()).url());
    const gone = await subscribe(
      o,
      (await receiver((request) => (request.method === 'GET' ? echoHandshake(request) : { status: 410 }))).url(),
    );
    let posts = 0;
    const flaky = await subscribe(
      o,
      (
        await receiver((request) => {
          if (request.method === 'GET') return echoHandshake(request);
          posts += 1;
          return { status: posts === 1 ? 500 : 200 };
        })
      ).url(),
    );

    // t0: delivered (ok), failed for good (gone: 410), failed once (flaky); t0 + 5 s: flaky's retry succeeds.
    await createContact(o.orgId);
    await runner.drain();
    clock.advance(5000);
    await runner.drain();
    const [okFirst] = await deliveries(ok);
    const [goneFirst] = await deliveries(gone);
    const [flakyFirst] = await deliveries(flaky);
    expect([okFirst?.state, goneFirst?.state, flakyFirst?.state]).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(flakyFirst!.updated_at).toBe(t0 + 5000);
    expect(await attemptCount([okFirst!.id, goneFirst!.id, flakyFirst!.id])).toBe(4);

    // A day later: an event fanned out but not attempted (pending deliveries), and one not even fanned out.
    clock.advance(DAY);
    await createContact(o.orgId);
    expect(await runner.dispatchOnce()).toBe(1);
    await createContact(o.orgId);
    const pendingOk = (await deliveries(ok)).filter((row) => row.state === 'pending');
    const pendingFlaky = (await deliveries(flaky)).filter((row) => row.state === 'pending');
    expect(pendingOk).toHaveLength(1);
    expect(pendingFlaky).toHaveLength(1);
    const [firstEvent, fannedOutEvent, undispatchedEvent] = await events(o.orgId);
    expect(fannedOutEvent!.dispatched_at).toBe(t0 + 5000 + DAY);
    expect(undispatchedEvent!.dispatched_at).toBeNull();

    // Exactly the retention since ok and gone finished: not older yet.
    clock.advance(t0 + RETENTION - clock.now());
    expect(await platform.container.webhookRetention.sweep()).toEqual({ deliveries: 0, events: 0 });

    // One millisecond more: ok's and gone's deliveries go with their attempts, and the first event; flaky's stays.
    clock.advance(1);
    expect(await platform.container.webhookRetention.sweep()).toEqual({ deliveries: 2, events: 1 });
    expect((await deliveries(ok)).map((row) => row.id)).toEqual([pendingOk[0]!.id]);
    expect(await deliveries(gone)).toEqual([]);
    expect((await deliveries(flaky)).map((row) => row.id)).toEqual([flakyFirst!.id, pendingFlaky[0]!.id]);
    expect(await attemptCount([okFirst!.id, goneFirst!.id])).toBe(0);
    expect(await attemptCount([flakyFirst!.id])).toBe(2);
    expect((await events(o.orgId)).map((row) => row.id)).toEqual([fannedOutEvent!.id, undispatchedEvent!.id]);
    expect(firstEvent).toBeDefined();

    // Long after: every finished delivery and dispatched event is gone; the pending ones stay, whatever their age.
    clock.advance(365 * DAY);
    expect(await platform.container.webhookRetention.sweep()).toEqual({ deliveries: 1, events: 1 });
    expect(await attemptCount([flakyFirst!.id])).toBe(0);
    expect((await deliveries(ok)).map((row) => row.state)).toEqual(['pending']);
    expect((await deliveries(flaky)).map((row) => row.state)).toEqual(['pending']);
    expect((await events(o.orgId)).map((row) => row.id)).toEqual([undispatchedEvent!.id]);

    // They are still delivered afterwards.
    await runner.drain();
    expect((await deliveries(ok)).map((row) => row.state)).toEqual(['succeeded', 'succeeded']);
  });

  it('deletes in bounded batches, one statement per batch, until a batch comes back short', async () => {
    await forgetHistory();
    const o = await org();
    const sub = await subscribe(o, (await receiver()).url());
    for (let i = 0; i < 5; i++) await createContact(o.orgId);
    await runner.drain();
    expect((await deliveries(sub)).map((row) => row.state)).toEqual(Array(5).fill('succeeded'));
    clock.advance(RETENTION + 1000);

    const { database } = platform.container;
    const repository = createWebhooksRepository();
    const before = clock.now() - RETENTION;
    expect(await repository.deleteFinishedDeliveriesBefore(database.db, database.dialect, before, 2)).toBe(2);
    expect(await deliveries(sub)).toHaveLength(3);

    const retention = createWebhookRetention({
      database,
      clock,
      logger: platform.container.logger,
      retentionMs: RETENTION,
      batchSize: 2,
    });
    expect(await retention.sweep()).toEqual({ deliveries: 3, events: 5 });
    expect(await deliveries(sub)).toEqual([]);
    expect(RETENTION_BATCH).toBeGreaterThan(2);
  });

  it('reads candidates by id range: ids made up to a time sort below its upper bound', () => {
    const at = Date.UTC(2026, 5, 1, 8, 30, 15, 999);
    expect(newId(at) < idUpperBound(at)).toBe(true);
    expect(newId(at - 15_000) < idUpperBound(at)).toBe(true);
    expect(newId(at + 1) < idUpperBound(at)).toBe(false);
    expect(idUpperBound(at)).toMatch(/^[0-9a-f]{24}$/);
  });

  it('runs with the worker role: a sweep when the worker starts', async () => {
    await forgetHistory();
    const o = await org();
    const sub = await subscribe(o, (await receiver()).url());
    await createContact(o.orgId);
    await runner.drain();
    clock.advance(RETENTION + 1000);
    expect(await deliveries(sub)).toHaveLength(1);

    const worker = platform.container.createWorker();
    worker.start();
    await worker.stop(1000); // waits for the sweep that start() began
    expect(await deliveries(sub)).toEqual([]);
    expect(await events(o.orgId)).toEqual([]);
  });

  it('starts and stops the retention with the worker, and leaves runOnce and drain to the worker', async () => {
    const calls: string[] = [];
    const worker: Worker = {
      workerId: 'w',
      start: () => calls.push('worker.start'),
      stop: async () => {
        calls.push('worker.stop');
      },
      runOnce: async () => 3,
      drain: async () => 4,
      nudge: () => calls.push('worker.nudge'),
    };
    const retention = {
      sweep: async () => ({ deliveries: 0, events: 0 }),
      start: () => calls.push('retention.start'),
      stop: async () => {
        calls.push('retention.stop');
      },
    };
    const joined = withWebhookRetention(worker, retention);
    joined.start();
    expect(await joined.runOnce()).toBe(3);
    expect(await joined.drain()).toBe(4);
    joined.nudge();
    await joined.stop();
    expect(joined.workerId).toBe('w');
    expect(calls).toEqual(['worker.start', 'retention.start', 'worker.nudge', 'worker.stop', 'retention.stop']);
  });

  it('logs a failed background sweep and keeps the worker going; a direct sweep throws', async () => {
    const warnings: unknown[] = [];
    const logger = {
      child: () => logger,
      info: () => undefined,
      warn: (fields: unknown, message: string) => warnings.push([fields, message]),
    } as unknown as Logger;
    // A database that is away: closed (and dropped) under the sweep.
    const away = await createTestDatabase();
    await away.drop();
    const { database } = away;
    const retention = createWebhookRetention({ database, clock, logger, retentionMs: RETENTION });
    const failure = await retention.sweep().then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(Error);
    retention.start();
    retention.start(); // a second start changes nothing
    await retention.stop();
    expect(warnings).toEqual([
      [
        { err: { type: failure!.name, message: failure!.message } },
        'webhook retention sweep failed; trying again at the next interval',
      ],
    ]);
  });
});
