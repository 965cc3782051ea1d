import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/features/webhooks/webhooks.verify.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders } from '../harness/auth.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture } from '../harness/factories.js';
import { echoHandshake, type Received, startReceiver, type WebhookReceiver } from './webhooks-receiver.js';

/**
 * kill -9 of a real `stratus serve --role worker` while it fans events out and delivers them (CONTRACT.md §7,
 * ARCHITECTURE.md "no data loss on crash"): after a restart on the same database and DATA_DIR, every (event,
 * subscription) pair has exactly one delivery row and reached its receiver at least once; a pair posted twice was
 * posted with the same `webhook-id` both times. Repeats (the at-least-once window) are counted and reported.
 *
 * So that the kill surely lands mid-delivery, the receiver leaves a few POSTs unanswered once deliveries flow: those
 * attempts are in flight when the worker dies, and must be sent again, with their webhook-id, by the next worker.
 */
const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const MAIN = join(ROOT, 'src/main.ts');
const SUBSCRIPTIONS = 4;
const EVENTS = 300;
/** POSTs answered before the receiver starts leaving some unanswered. */
const ANSWERED_BEFORE_HANGING = 200;
/** Events written ahead of those delivered (POSTs over subscriptions) while the first worker lives. */
const LEAD = 50;
/** POSTs left unanswered: in flight when the worker is killed. */
const HANGING = 6;
const CONCURRENCY = 64;
/** Long enough that no unanswered POST times out before the kill, however slow the machine. */
const WEBHOOK_TIMEOUT_MS = 60_000;
/** runner: a lock older than the attempt timeout plus 60 s belongs to a dead runner (webhooks.runner.ts). */
const LOCK_TIMEOUT_MS = WEBHOOK_TIMEOUT_MS + 60_000;
const SECRET_KEY = 'webhooks-kill-9-test-secret-key-0123456789';

type Child = ChildProcessByStdio<null, Readable, Readable> & { output: string[]; exited: Promise<string> };

/**
 * `stratus serve --role worker` from the sources, started with node itself rather than the tsx launcher: the launcher
 * runs the platform in a child process, which a SIGKILL of the launcher would leave running.
 */
function startWorker(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--role', 'worker'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as Child;
  child.output = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => child.output.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => child.output.push(chunk));
  child.exited = new Promise((done) => child.on('exit', (code, signal) => done(signal ?? String(code))));
  return child;
}

/** Polls `condition` until it holds; the deadline only bounds a hang (nothing is timed). */
async function until(what: string, condition: () => boolean | Promise<boolean>, children: Child[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      const output = children.map((child) => `--- worker ${child.pid}:\n${child.output.join('')}`).join('\n');
      throw new Error(`timed out waiting for ${what}\n${output}`);
    }
    await sleep(20);
  }
}

describe(`a webhook worker killed with kill -9 mid-delivery on ${testDialect()}`, () => {
  let platform: TestPlatform;
  let receiver: WebhookReceiver;
  let dataDir: string;
  const children: Child[] = [];
  let hanging = 0;
  let hangingAllowed = true;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'stratus-webhooks-kill9-'));
    platform = await createTestPlatform({
      env: { DATA_DIR: dataDir, SECRET_KEY, WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    let posts = 0;
    receiver = await startReceiver((request) => {
      if (request.method === 'GET') return echoHandshake(request);
      posts += 1;
      if (hangingAllowed && posts > ANSWERED_BEFORE_HANGING && hanging < HANGING) {
        hanging += 1;
        return 'hang';
      }
      return { status: 200, body: 'ok' };
    });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await receiver.stop();
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`delivers each of ${EVENTS} events once per subscription (${SUBSCRIPTIONS}) across a restart`, {
    timeout: 240_000,
  }, async () => {
    const { container } = platform;
    const { db } = container.database;
    const fixture = await createOrgFixture(container, 'Kill-9 Webhooks Org');
    const orgId = fixture.organization.id;
    const headers = await authHeaders(platform, orgId);
    const secrets = new Map<string, string>();
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const response = await platform.app.inject({
        method: 'POST',
        url: '/stratustexting-prod/webhooksubscription',
        headers,
        payload: { uri: receiver.url(`/hook-${i}`), eventFilters: [`/orgId/${orgId}/contact`] },
      });
      expect(response.statusCode, response.body).toBe(201);
      secrets.set(response.json().id, response.json().signingSecret);
    }
    const subscriptionIds = [...secrets.keys()];

    const env = {
      DATABASE_URL: platform.testDatabase.url,
      DATA_DIR: dataDir,
      SECRET_KEY,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
      WEBHOOK_CONCURRENCY: String(CONCURRENCY),
    };
    const first = startWorker(env);
    children.push(first);
    await until(
      'the first worker to start',
      () => first.output.join('').includes('Stratus Connect is running'),
      [first],
      60_000,
    );

    // Events keep coming while the worker fans them out and delivers them (at most LEAD events ahead of those posted,
    // while it lives, so that events are still being written when it dies); it is killed once POSTs hang in flight.
    let produced = 0;
    let producedAtKill = -1;
    const producing = (async () => {
      for (; produced < EVENTS; produced++) {
        while (producedAtKill < 0 && produced - LEAD > receiver.received.length / SUBSCRIPTIONS) await sleep(2);
        const mobileNumber = `+1212${700 + Math.floor(produced / 10_000)}${String(produced % 10_000).padStart(4, '0')}`;
        const created = await container.contacts.upsertByNumber({ orgId, mobileNumber });
        expect(created.ok).toBe(true);
      }
    })();
    await until('POSTs in flight to an unanswering receiver', () => hanging === HANGING, [first], 120_000);
    first.kill('SIGKILL');
    producedAtKill = produced;
    expect(await first.exited).toBe('SIGKILL');
    hangingAllowed = false;
    const postsAtKill = receiver.posts().length;
    // Of the events written before the kill (production goes on meanwhile), those the dead worker had not fanned out.
    const undispatchedAtKill = (
      await db
        .selectFrom('events')
        .select(['id', 'dispatched_at'])
        .where('org_id', '=', orgId)
        .where('type', 'like', 'contact.%')
        .orderBy('id')
        .limit(producedAtKill)
        .execute()
    ).filter((event) => event.dispatched_at === null);
    const lockedAtKill = await db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('locked_by', 'like', `%/${first.pid}/webhooks/%`)
      .execute();
    await producing;
    // Deliveries were under way: some were held by the dead worker (at least the unanswered ones), more remained.
    expect(lockedAtKill.length).toBeGreaterThanOrEqual(HANGING);
    expect(postsAtKill).toBeLessThan(EVENTS * SUBSCRIPTIONS);

    // The dead worker's locks run out after the attempt timeout plus 60 s; rather than wait that out, they are aged
    // by as much, which is all that time would change. The next worker then takes them back as any stale lock.
    await db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ locked_at: eb('locked_at', '-', LOCK_TIMEOUT_MS + 1000) }))
      .where('locked_by', 'like', `%/${first.pid}/webhooks/%`)
      .execute();

    const second = startWorker(env);
    children.push(second);
    const events = async () =>
      db
        .selectFrom('events')
        .select(['id', 'subject_id', 'dispatched_at'])
        .where('org_id', '=', orgId)
        .where('type', 'like', 'contact.%')
        .execute();
    const deliveries = async () =>
      db
        .selectFrom('webhook_deliveries')
        .select(['id', 'webhook_id', 'subscription_id', 'event_id', 'state'])
        .where('subscription_id', 'in', subscriptionIds)
        .execute();
    await until(
      'every delivery to succeed after the restart',
      async () => {
        const pending = (await events()).filter((event) => event.dispatched_at === null);
        const rows = await deliveries();
        return (
          pending.length === 0 && rows.length >= EVENTS * SUBSCRIPTIONS && rows.every((r) => r.state === 'succeeded')
        );
      },
      [first, second],
      120_000,
    );

    // Exactly one delivery row per (event, subscription).
    const eventRows = await events();
    expect(eventRows).toHaveLength(EVENTS);
    const rows = await deliveries();
    const pairs = new Set(rows.map((row) => `${row.event_id}/${row.subscription_id}`));
    expect(rows).toHaveLength(EVENTS * SUBSCRIPTIONS);
    expect(pairs.size).toBe(EVENTS * SUBSCRIPTIONS);
    for (const event of eventRows) {
      for (const subscriptionId of subscriptionIds) expect(pairs.has(`${event.id}/${subscriptionId}`)).toBe(true);
    }

    // Every pair reached its receiver, signed with its subscription's secret; repeats carry the same webhook-id.
    const byWebhookId = new Map(rows.map((row) => [row.webhook_id, row]));
    const subjectOf = new Map(eventRows.map((event) => [event.id, event.subject_id]));
    const posts = receiver.posts();
    const received = new Map<string, (Received & { json: Record<string, unknown> })[]>();
    for (const post of posts) {
      const webhookId = String(post.headers['webhook-id']);
      const row = byWebhookId.get(webhookId);
      expect(row, `a POST with an unknown webhook-id ${webhookId}`).toBeDefined();
      expect(post.json.uuid).toBe(webhookId);
      expect(post.json.subscriptionId).toBe(row!.subscription_id);
      expect(post.path).toBe(`/hook-${subscriptionIds.indexOf(row!.subscription_id)}`);
      expect((post.json.contactInfo as { contactId: string }).contactId).toBe(subjectOf.get(row!.event_id));
      const verified = verifyWebhook(secrets.get(row!.subscription_id)!, post.headers, post.body, {
        toleranceSeconds: 3600,
      });
      expect(verified).toEqual(post.json);
      received.set(webhookId, [...(received.get(webhookId) ?? []), post]);
    }
    for (const subscriptionId of subscriptionIds) {
      const distinct = new Set(posts.filter((p) => p.json.subscriptionId === subscriptionId).map((p) => p.json.uuid));
      expect(distinct.size, `distinct webhook-ids posted to ${subscriptionId}`).toBe(EVENTS);
    }
    for (const row of rows) expect(received.has(row.webhook_id), row.id).toBe(true);
    for (const copies of received.values()) {
      // A repeat is the same delivery: the same body, byte for byte.
      expect(new Set(copies.map((copy) => copy.body)).size).toBe(1);
    }

    const repeats = posts.length - received.size;
    const repeatedDeliveries = [...received.values()].filter((copies) => copies.length > 1).length;
    console.log(
      `[kill -9 webhooks, ${testDialect()}] ${EVENTS} events × ${SUBSCRIPTIONS} subscriptions = ` +
        `${EVENTS * SUBSCRIPTIONS} deliveries; killed after ${producedAtKill} events were written ` +
        `(${undispatchedAtKill.length} not fanned out yet) and ${postsAtKill} POSTs received, holding ` +
        `${lockedAtKill.length} locks; ${posts.length} POSTs in all: ` +
        `${repeats} repeats (${repeatedDeliveries} deliveries posted more than once, same webhook-id)`,
    );
    // The unanswered POSTs were sent again; at most the attempts in flight in the killed worker are repeats.
    expect(repeats).toBeGreaterThanOrEqual(HANGING);
    expect(repeats).toBeLessThanOrEqual(CONCURRENCY);

    second.kill('SIGTERM');
    expect(await second.exited).toBe('0');
  });
});
