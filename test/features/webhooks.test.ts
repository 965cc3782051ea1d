import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookRunner } from '../../src/features/webhooks/webhooks.runner.js';
import { verifyWebhook } from '../../src/features/webhooks/webhooks.verify.js';
import { ManualClock } from '../../src/platform/clock.js';
import { recordEvent } from '../../src/platform/events/events.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders } from '../harness/auth.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture, randomUsNumber } from '../harness/factories.js';
import { echoHandshake, startReceiver, type WebhookReceiver } from './webhooks-receiver.js';

/**
 * Webhook subscriptions and delivery against a real local HTTP receiver. Time is a ManualClock: retries become due
 * by moving it, and the runner is drained (no sleeping for backoff). Jitter is 0, so the schedule is exact:
 * retry 1 after 5 s, retry 2 after 30 s, … (the default WEBHOOK_RETRY_SCHEDULE).
 */
const STAGE = '/stratustexting-prod';

/** A delivery as GET /webhooksubscription/{id}/deliveries answers it. */
interface DeliveryJson {
  id: string;
  eventId: string;
  status: string;
  attemptCount: number;
  createdDateTime: string;
  attempts: {
    attempt: number;
    attemptDateTime: string;
    statusCode: number | null;
    durationMs: number;
    responseBody: string | null;
    error: string | null;
    success: boolean;
  }[];
  [key: string]: unknown;
}
const TIMEOUT_MS = 300;
const DAY = 24 * 3600 * 1000;

describe(`webhooks (${testDialect()})`, () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  let platform: TestPlatform;
  let runner: WebhookRunner;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    platform = await createTestPlatform({
      clock,
      env: {
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
        WEBHOOK_VALIDATION_TIMEOUT_MS: String(TIMEOUT_MS),
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
      },
    });
    runner = platform.container.createWebhooksRunner({ random: () => 0 });
  });
  afterAll(async () => {
    await runner.stop(1000);
    for (const receiver of receivers) await receiver.stop();
    await platform.close();
  });
  afterEach(async () => {
    // Leave nothing due for the next test.
    await runner.drain();
  });

  async function receiver(behaviour?: Parameters<typeof startReceiver>[0]) {
    const r = await startReceiver(behaviour);
    receivers.push(r);
    return r;
  }

  async function org(name = 'Webhook Org') {
    const fixture = await createOrgFixture(platform.container, name);
    const headers = await authHeaders(platform, fixture.organization.id);
    return { ...fixture, orgId: fixture.organization.id, headers };
  }

  type Org = Awaited<ReturnType<typeof org>>;

  function post(headers: Record<string, string>, payload: Record<string, unknown>) {
    return platform.app.inject({ method: 'POST', url: `${STAGE}/webhooksubscription`, headers, payload });
  }

  function get(headers: Record<string, string>, path: string) {
    return platform.app.inject({ method: 'GET', url: `${STAGE}${path}`, headers });
  }

  async function subscribe(o: Org, uri: string, eventFilters: string[], extra: Record<string, unknown> = {}) {
    const response = await post(o.headers, { uri, eventFilters, ...extra });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; signingSecret: string; status: string; [key: string]: unknown };
  }

  async function createContact(orgId: string, number = randomUsNumber()) {
    const created = await platform.container.contacts.upsertByNumber({ orgId, mobileNumber: number });
    if (!created.ok) throw new Error(created.code);
    return created.value.contact;
  }

  async function deliveriesOf(o: Org, subscriptionId: string) {
    const response = await get(o.headers, `/webhooksubscription/${subscriptionId}/deliveries`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().content as DeliveryJson[];
  }

  const contactFilter = (o: Org) => `/orgId/${o.orgId}/contact`;
  const inboundFilter = (o: Org) => `/orgId/${o.orgId}/department/${o.department.id}/message?direction=inbound`;

  describe('subscriptions API', () => {
    it('validates the uri with the handshake and answers the subscription with its secret, once', async () => {
      const r = await receiver();
      const o = await org();
      const other = await org('Another Org');
      const expires = clock.now() + 3600_000;
      const response = await post(o.headers, {
        uri: r.url(),
        eventFilters: [
          inboundFilter(o),
          `/orgId/${o.orgId}/site/${o.site.id}/message`,
          contactFilter(o),
          `/orgId/${other.orgId}/contact`,
          `/orgId/${o.orgId}/department/${other.department.id}/message`,
          `/orgId/${o.orgId}/site/ffffffffffffffffffffffff/message`,
          `/orgId/${o.orgId}/everything`,
          `/orgId/${o.orgId}/message?direction=sideways`,
        ],
        expiresDateInMillies: expires,
      });
      expect(response.statusCode, response.body).toBe(201);
      const body = response.json();
      expect(Object.keys(body).sort()).toEqual(
        [
          'id',
          'uri',
          'eventFilters',
          'disabledFilters',
          'expirationTime',
          'expiresIn',
          'status',
          'createdDateTime',
          'lastUpdateDateTime',
          'orgId',
          'signingSecret',
        ].sort(),
      );
      expect(body).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        uri: r.url(),
        eventFilters: [inboundFilter(o), `/orgId/${o.orgId}/site/${o.site.id}/message`, contactFilter(o)],
        expirationTime: new Date(expires).toISOString(),
        expiresIn: 3600,
        status: 'ACTIVE',
        orgId: o.orgId,
        signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      });
      expect(body.disabledFilters.map((f: { reason: string }) => f.reason)).toEqual([
        'ORG_MISMATCH',
        'UNKNOWN_DEPARTMENT',
        'UNKNOWN_SITE',
        'INVALID_FILTER',
        'INVALID_FILTER',
      ]);
      for (const disabled of body.disabledFilters) expect(disabled.message).toEqual(expect.any(String));

      // The handshake: one GET with a fresh token.
      const gets = r.received.filter((req) => req.method === 'GET');
      expect(gets).toHaveLength(1);
      expect(gets[0]!.headers['validation-token']).toMatch(/^[A-Za-z0-9_-]{32}$/);

      const read = await get(o.headers, `/webhooksubscription/${body.id}`);
      expect(read.statusCode).toBe(200);
      const { signingSecret: _secret, ...withoutSecret } = body;
      expect(read.json()).toEqual(withoutSecret);
    });

    it('refuses a uri that fails the handshake and saves nothing', async () => {
      const o = await org();
      const cases: [string, Parameters<typeof startReceiver>[0]][] = [
        ['no echo', () => ({ status: 200 })],
        ['wrong echo', () => ({ status: 200, headers: { 'validation-token': 'nope' } })],
        [
          'not 2xx',
          (req) => ({ status: 404, headers: { 'validation-token': String(req.headers['validation-token']) } }),
        ],
        ['redirect', () => ({ status: 302, headers: { location: 'http://127.0.0.1:1/' } })],
        ['hangs', () => 'hang'],
      ];
      for (const [what, behaviour] of cases) {
        const r = await receiver(behaviour);
        const response = await post(o.headers, { uri: r.url(), eventFilters: [contactFilter(o)] });
        expect(response.statusCode, what).toBe(400);
        expect(response.json(), what).toMatchObject({ code: 'webhooks.validation_failed', status: 400 });
      }
      const down = await receiver();
      await down.stop();
      const refused = await post(o.headers, { uri: down.url(), eventFilters: [contactFilter(o)] });
      expect(refused.json()).toMatchObject({ code: 'webhooks.validation_failed' });
      expect(refused.json().message).toContain('ECONNREFUSED');

      const list = await get(o.headers, '/webhooksubscription/all');
      expect(list.json()).toMatchObject({ content: [], totalElements: 0, empty: true });
    });

    it('refuses bad input with clear 4xx codes', async () => {
      const r = await receiver();
      const o = await org();
      const other = await org('Other');
      const cases: [Record<string, unknown>, number, string][] = [
        [{ uri: 'ftp://example.com/x', eventFilters: [contactFilter(o)] }, 400, 'webhooks.invalid_uri'],
        [{ uri: 'not a url', eventFilters: [contactFilter(o)] }, 400, 'webhooks.invalid_uri'],
        [{ uri: 'http://user:pw@example.com/', eventFilters: [contactFilter(o)] }, 400, 'webhooks.invalid_uri'],
        [{ uri: 'http://example.com:25/', eventFilters: [contactFilter(o)] }, 400, 'webhooks.invalid_uri'],
        [
          { uri: r.url(), eventFilters: [`/orgId/${other.orgId}/contact`, '/nonsense'] },
          400,
          'webhooks.invalid_filters',
        ],
        [{ uri: r.url(), eventFilters: [] }, 400, 'request.invalid'],
        [{ uri: r.url() }, 400, 'request.invalid'],
        [
          { uri: r.url(), eventFilters: [contactFilter(o)], expiresDateInMillies: clock.now() - 1 },
          400,
          'webhooks.invalid_expiration',
        ],
        [{ uri: r.url(), eventFilters: [contactFilter(o)], expiresIn: 60 }, 400, 'request.invalid'],
        [{ id: 'ffffffffffffffffffffffff', uri: r.url(), eventFilters: [contactFilter(o)] }, 404, 'webhooks.not_found'],
      ];
      for (const [payload, status, code] of cases) {
        const response = await post(o.headers, payload);
        expect(response.statusCode, JSON.stringify(payload)).toBe(status);
        expect(response.json().code, JSON.stringify(payload)).toBe(code);
      }
      const invalid = await post(o.headers, { uri: r.url(), eventFilters: ['/nonsense'] });
      expect(invalid.json().details).toEqual({
        disabledFilters: [{ filter: '/nonsense', reason: 'INVALID_FILTER', message: expect.any(String) }],
      });
      expect(r.received).toHaveLength(0); // nothing reached the receiver: input is checked before the handshake
    });

    it('accepts the parameters in the query string or a form body', async () => {
      const r = await receiver();
      const o = await org();
      const query = new URLSearchParams({ uri: r.url('/q'), eventFilters: contactFilter(o) });
      const byQuery = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/webhooksubscription?${query}`,
        headers: o.headers,
      });
      expect(byQuery.statusCode, byQuery.body).toBe(201);
      expect(byQuery.json().eventFilters).toEqual([contactFilter(o)]);

      const form = new URLSearchParams();
      form.append('uri', r.url('/form'));
      form.append('eventFilters', contactFilter(o));
      form.append('eventFilters', inboundFilter(o));
      form.append('expiresDateInMillies', String(clock.now() + 60_000));
      const byForm = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/webhooksubscription`,
        headers: { ...o.headers, 'content-type': 'application/x-www-form-urlencoded' },
        payload: form.toString(),
      });
      expect(byForm.statusCode, byForm.body).toBe(201);
      expect(byForm.json()).toMatchObject({ eventFilters: [contactFilter(o), inboundFilter(o)], expiresIn: 60 });
    });

    it('updates by uri or by id; the handshake runs again only for a new uri', async () => {
      const r = await receiver();
      const o = await org();
      const created = await subscribe(o, r.url(), [contactFilter(o)]);
      clock.advance(1000);
      const expires = clock.now() + 7 * DAY;
      const byUri = await post(o.headers, {
        uri: r.url(),
        eventFilters: [inboundFilter(o)],
        expiresDateInMillies: expires,
      });
      expect(byUri.statusCode).toBe(200);
      expect(byUri.json()).toMatchObject({
        id: created.id,
        eventFilters: [inboundFilter(o)],
        expiresIn: 7 * 24 * 3600,
      });
      expect(byUri.json().signingSecret).toBeUndefined();
      expect(byUri.json().lastUpdateDateTime).not.toBe(byUri.json().createdDateTime);
      expect(r.received.filter((req) => req.method === 'GET')).toHaveLength(1);

      const moved = await post(o.headers, { id: created.id, uri: r.url('/moved'), eventFilters: [contactFilter(o)] });
      expect(moved.statusCode).toBe(200);
      expect(moved.json()).toMatchObject({ id: created.id, uri: r.url('/moved'), expiresIn: 7 * 24 * 3600 });
      expect(r.received.filter((req) => req.method === 'GET').map((req) => req.path)).toEqual(['/hook', '/moved']);

      // Moving onto another subscription's uri is a conflict.
      const second = await subscribe(o, r.url('/second'), [contactFilter(o)]);
      const clash = await post(o.headers, { id: second.id, uri: r.url('/moved'), eventFilters: [contactFilter(o)] });
      expect(clash.statusCode).toBe(409);
      expect(clash.json().code).toBe('webhooks.uri_taken');

      const list = await get(o.headers, '/webhooksubscription/all?size=1');
      expect(list.json()).toMatchObject({ totalElements: 2, totalPages: 2, size: 1, number: 0, numberOfElements: 1 });
    });

    it('deletes a subscription with its deliveries', async () => {
      const r = await receiver();
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      await runner.drain();
      expect(await deliveriesOf(o, sub.id)).toHaveLength(1);
      const deleted = await platform.app.inject({
        method: 'DELETE',
        url: `${STAGE}/webhooksubscription/${sub.id}`,
        headers: o.headers,
      });
      expect(deleted.statusCode).toBe(200);
      expect(deleted.json()).toMatchObject({ id: sub.id, status: 'ACTIVE' });
      expect((await get(o.headers, `/webhooksubscription/${sub.id}`)).statusCode).toBe(404);
      expect((await get(o.headers, `/webhooksubscription/${sub.id}/deliveries`)).statusCode).toBe(404);
      const left = await platform.container.database.db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('subscription_id', '=', sub.id)
        .execute();
      expect(left).toEqual([]);
    });
  });

  describe('scopes per filter', () => {
    it('needs SendMessage for message filters and ReadContact for contact filters', async () => {
      const r = await receiver();
      const o = await org();
      const readOnly = await authHeaders(platform, o.orgId, ['ReadContact']);
      const sendOnly = await authHeaders(platform, o.orgId, ['SendMessage']);
      const writeOnly = await authHeaders(platform, o.orgId, ['WriteContact']);

      const refused = await post(readOnly, { uri: r.url('/m'), eventFilters: [inboundFilter(o)] });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({ message: 'Forbidden', code: 'auth.forbidden', requestId: expect.any(String) });
      // A scope gap refuses the request even beside a filter the token covers.
      const mixed = await post(readOnly, { uri: r.url('/m'), eventFilters: [contactFilter(o), inboundFilter(o)] });
      expect(mixed.statusCode).toBe(403);
      expect(r.received).toHaveLength(0);

      const contactSub = await post(readOnly, { uri: r.url('/c'), eventFilters: [contactFilter(o)] });
      expect(contactSub.statusCode).toBe(201);
      const messageSub = await post(sendOnly, { uri: r.url('/m'), eventFilters: [inboundFilter(o)] });
      expect(messageSub.statusCode).toBe(201);

      // Reading needs the scopes of the subscription's filters; a list shows what the token covers.
      expect((await get(readOnly, `/webhooksubscription/${messageSub.json().id}`)).statusCode).toBe(403);
      expect((await get(sendOnly, `/webhooksubscription/${messageSub.json().id}`)).statusCode).toBe(200);
      expect((await get(readOnly, '/webhooksubscription/all')).json().content.map((s: { id: string }) => s.id)).toEqual(
        [contactSub.json().id],
      );
      expect((await get(sendOnly, '/webhooksubscription/all')).json().content.map((s: { id: string }) => s.id)).toEqual(
        [messageSub.json().id],
      );
      expect((await get(o.headers, '/webhooksubscription/all')).json().totalElements).toBe(2);
      expect((await get(writeOnly, '/webhooksubscription/all')).statusCode).toBe(403);
    });
  });

  describe('delivery', () => {
    it('delivers a contact created through the contacts service once, signed (Standard Webhooks)', async () => {
      const r = await receiver();
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      const contact = await createContact(o.orgId);
      await runner.drain();

      const posts = r.posts();
      expect(posts).toHaveLength(1);
      const [delivery] = posts;
      expect(delivery!.headers['content-type']).toBe('application/json');
      expect(delivery!.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now() / 1000)));
      const verified = verifyWebhook<Record<string, unknown>>(sub.signingSecret, delivery!.headers, delivery!.body, {
        now: clock.now(),
      });
      expect(verified).toEqual({
        uuid: delivery!.headers['webhook-id'],
        timestamp: new Date(contact.createdAt).toISOString(),
        event: contactFilter(o),
        subscriptionId: sub.id,
        orgId: o.orgId,
        contactInfo: {
          contactId: contact.id,
          action: 'CREATED',
          mobileNumber: contact.mobileNumber,
          lastUpdated: contact.updatedAt,
        },
      });
      expect(() =>
        verifyWebhook('whsec_' + Buffer.alloc(32).toString('base64'), delivery!.headers, delivery!.body, {
          now: clock.now(),
        }),
      ).toThrow('no matching signature');

      const [logged] = await deliveriesOf(o, sub.id);
      expect(logged).toMatchObject({
        webhookId: delivery!.headers['webhook-id'],
        eventType: 'contact.created',
        event: contactFilter(o),
        status: 'SUCCEEDED',
        attemptCount: 1,
        nextAttemptDateTime: null,
        deliveredDateTime: new Date(clock.now()).toISOString(),
        payload: verified,
        attempts: [
          {
            attempt: 1,
            attemptDateTime: new Date(clock.now()).toISOString(),
            statusCode: 200,
            durationMs: expect.any(Number),
            responseBody: 'ok',
            error: null,
            success: true,
          },
        ],
      });

      // Updated and deleted, each once more.
      await platform.container.contacts.updateById(o.orgId, contact.id, { firstName: 'Ada' });
      await platform.container.contacts.delete(o.orgId, contact.id);
      await runner.drain();
      expect(r.posts().map((p) => (p.json.contactInfo as { action: string }).action)).toEqual([
        'CREATED',
        'UPDATED',
        'DELETED',
      ]);
    });

    it('matches message events by department, direction, site and organisation', async () => {
      const o = await org();
      const inbound = await receiver();
      const outbound = await receiver();
      const site = await receiver();
      const whole = await receiver();
      await subscribe(o, inbound.url(), [inboundFilter(o)]);
      await subscribe(o, outbound.url(), [
        `/orgId/${o.orgId}/department/${o.department.id}/message?direction=OUTBOUND`,
      ]);
      await subscribe(o, site.url(), [`/orgId/${o.orgId}/site/${o.site.id}/message`]);
      const wholeSub = await subscribe(o, whole.url(), [
        `/orgId/${o.orgId}/message`,
        `/orgId/${o.orgId}/department/${o.department.id}/message`,
      ]);

      // Message events as the messages feature records them (message.received / message.queued …).
      const message = (id: string, direction: string, status: string) => ({
        orgId: o.orgId,
        type: `message.${status}`,
        subjectId: id,
        payload: {
          messageId: id,
          direction,
          status,
          from: direction === 'inbound' ? '+12125550111' : o.phoneNumber,
          to: direction === 'inbound' ? o.phoneNumber : '+12125550111',
          siteId: o.site.id,
          departmentId: o.department.id,
          lastUpdated: clock.now(),
        },
        at: clock.now(),
      });
      const db = platform.container.database;
      await db.transaction((trx) => recordEvent(trx, message('aaaaaaaaaaaaaaaaaaaaaaa1', 'inbound', 'received')));
      await db.transaction((trx) => recordEvent(trx, message('aaaaaaaaaaaaaaaaaaaaaaa2', 'outbound', 'queued')));
      await db.transaction((trx) => recordEvent(trx, message('aaaaaaaaaaaaaaaaaaaaaaa2', 'outbound', 'delivered')));
      await runner.drain();

      const infos = (r: WebhookReceiver) =>
        r.posts().map((p) => {
          const info = p.json.messageInfo as { messageId: string; status: string };
          return `${info.messageId.slice(-1)}:${info.status}`;
        });
      expect(infos(inbound)).toEqual(['1:received']);
      expect(infos(outbound)).toEqual(['2:queued', '2:delivered']);
      expect(infos(site)).toEqual(['1:received', '2:queued', '2:delivered']);
      expect(infos(whole)).toEqual(['1:received', '2:queued', '2:delivered']);
      // One delivery per event even when two filters match; `event` names the most specific.
      expect(whole.posts()[0]!.json).toMatchObject({
        subscriptionId: wholeSub.id,
        event: `/orgId/${o.orgId}/department/${o.department.id}/message`,
        messageInfo: {
          messageId: 'aaaaaaaaaaaaaaaaaaaaaaa1',
          direction: 'inbound',
          status: 'received',
          from: '+12125550111',
          to: o.phoneNumber,
          siteId: o.site.id,
          departmentId: o.department.id,
          lastUpdated: clock.now(),
        },
      });
    });

    it('retries a 500 with backoff: the third attempt succeeds with the same webhook-id', async () => {
      let posts = 0;
      const r = await receiver((req) => {
        if (req.method === 'GET') return echoHandshake(req);
        posts += 1;
        return posts <= 2 ? { status: 500, body: 'boom' } : { status: 204 };
      });
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      const start = clock.now();

      await runner.drain();
      expect(r.posts()).toHaveLength(1);
      clock.advance(4999);
      await runner.drain();
      expect(r.posts()).toHaveLength(1); // not due before 5 s
      clock.advance(1);
      await runner.drain();
      expect(r.posts()).toHaveLength(2);
      clock.advance(30_000);
      await runner.drain();

      const received = r.posts();
      expect(received).toHaveLength(3);
      expect(new Set(received.map((p) => p.headers['webhook-id'])).size).toBe(1);
      expect(new Set(received.map((p) => p.body)).size).toBe(1);
      expect(received.map((p) => Number(p.headers['webhook-timestamp']))).toEqual(
        [start, start + 5000, start + 35_000].map((t) => Math.floor(t / 1000)),
      );
      for (const p of received) {
        const at = Number(p.headers['webhook-timestamp']) * 1000;
        expect(() => verifyWebhook(sub.signingSecret, p.headers, p.body, { now: at })).not.toThrow();
      }
      const [delivery] = await deliveriesOf(o, sub.id);
      expect(delivery).toMatchObject({ status: 'SUCCEEDED', attemptCount: 3 });
      expect(delivery!.attempts.map((a) => a.statusCode)).toEqual([500, 500, 204]);
      expect(delivery!.attempts[0]).toMatchObject({
        responseBody: 'boom',
        error: 'The receiver answered 500',
        success: false,
      });
      // The streak ended with the success: the subscription is healthy.
      const row = await platform.container.database.db
        .selectFrom('webhook_subscriptions')
        .select('failing_since')
        .where('id', '=', sub.id)
        .executeTakeFirstOrThrow();
      expect(row.failing_since).toBeNull();
    });

    it('delivers everything to a receiver that was down for a while, then came back', async () => {
      const r = await receiver();
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await r.stop();
      for (let i = 0; i < 5; i++) await createContact(o.orgId);
      await runner.drain();
      clock.advance(5000);
      await runner.drain();
      const pending = await deliveriesOf(o, sub.id);
      expect(pending).toHaveLength(5);
      for (const d of pending) {
        expect(d).toMatchObject({ status: 'PENDING', attemptCount: 2 });
        expect(d.attempts[1]!.error).toBe('connection refused (ECONNREFUSED)');
        expect(d.attempts[1]!.statusCode).toBeNull();
      }
      await r.start(); // same port
      clock.advance(30_000);
      await runner.drain();
      const posts = r.posts();
      expect(posts).toHaveLength(5);
      expect(new Set(posts.map((p) => p.headers['webhook-id'])).size).toBe(5);
      expect((await deliveriesOf(o, sub.id)).every((d) => d.status === 'SUCCEEDED' && d.attemptCount === 3)).toBe(true);
    });

    it('times out a receiver that hangs, and retries it', async () => {
      let hang = true;
      const r = await receiver((req) => (req.method === 'GET' ? echoHandshake(req) : hang ? 'hang' : { status: 200 }));
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      await runner.drain();
      const [timedOut] = await deliveriesOf(o, sub.id);
      expect(timedOut).toMatchObject({ status: 'PENDING', attemptCount: 1 });
      expect(timedOut!.attempts[0]).toMatchObject({
        statusCode: null,
        error: `no complete answer within ${TIMEOUT_MS} ms`,
        success: false,
      });
      expect(timedOut!.attempts[0]!.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      hang = false;
      clock.advance(5000);
      await runner.drain();
      expect((await deliveriesOf(o, sub.id))[0]).toMatchObject({ status: 'SUCCEEDED', attemptCount: 2 });
    });

    it('keeps the first 1024 bytes of an answer, as text both databases store', async () => {
      const r = await receiver((req) =>
        req.method === 'GET' ? echoHandshake(req) : { status: 500, body: `\u0000${'x'.repeat(100_000)}` },
      );
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      await runner.drain();
      const [delivery] = await deliveriesOf(o, sub.id);
      expect(delivery!.attempts[0]).toMatchObject({ statusCode: 500, responseBody: 'x'.repeat(1023) });
    });

    it('does not follow redirects', async () => {
      const target = await receiver();
      const r = await receiver((req) =>
        req.method === 'GET' ? echoHandshake(req) : { status: 307, headers: { location: target.url() } },
      );
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      await runner.drain();
      const [delivery] = await deliveriesOf(o, sub.id);
      expect(delivery!.attempts[0]).toMatchObject({
        statusCode: 307,
        error: `The receiver answered 307 (to ${target.url()}); redirects are not followed`,
      });
      expect(target.received).toHaveLength(0);
    });

    it('gives up after the last scheduled retry (3.3 days), and records every attempt', async () => {
      const r = await receiver((req) => (req.method === 'GET' ? echoHandshake(req) : { status: 503 }));
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      const schedule = platform.container.config.webhookRetryScheduleMs;
      await runner.drain();
      for (const delay of schedule) {
        clock.advance(delay);
        await runner.drain();
      }
      const [delivery] = await deliveriesOf({ ...o, headers: await authHeaders(platform, o.orgId) }, sub.id);
      expect(delivery).toMatchObject({
        status: 'FAILED',
        attemptCount: schedule.length + 1,
        nextAttemptDateTime: null,
      });
      expect(delivery!.attempts).toHaveLength(13);
      const first = Date.parse(delivery!.attempts[0]!.attemptDateTime);
      const last = Date.parse(delivery!.attempts[12]!.attemptDateTime);
      expect(last - first).toBeGreaterThanOrEqual(3 * DAY);
      // Less than 5 days of failure: still ACTIVE.
      const headers = await authHeaders(platform, o.orgId);
      expect((await get(headers, `/webhooksubscription/${sub.id}`)).json().status).toBe('ACTIVE');
    });

    it('makes a subscription failing continuously for 5 days INACTIVE', async () => {
      const r = await receiver((req) => (req.method === 'GET' ? echoHandshake(req) : { status: 500 }));
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      await runner.drain(); // first failure: the streak starts
      clock.advance(5 * DAY - 10_000);
      await createContact(o.orgId);
      await runner.drain();
      let headers = await authHeaders(platform, o.orgId);
      expect((await get(headers, `/webhooksubscription/${sub.id}`)).json().status).toBe('ACTIVE');
      clock.advance(10_000);
      await createContact(o.orgId); // its first attempt fails 5 days after the streak began
      await runner.drain();
      headers = await authHeaders(platform, o.orgId);
      expect((await get(headers, `/webhooksubscription/${sub.id}`)).json().status).toBe('INACTIVE');
      const deliveries = await deliveriesOf({ ...o, headers }, sub.id);
      // The attempt that crossed the 5 days, the one beside it and the retry still waiting are all cancelled.
      expect(deliveries.map((d) => d.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
      expect(deliveries.map((d) => d.attemptCount)).toEqual([1, 2, 2]);

      // It receives nothing more; a POST with the same uri validates it again and re-activates it.
      const before = r.posts().length;
      await createContact(o.orgId);
      await runner.drain();
      expect(r.posts()).toHaveLength(before);
      const again = await post(headers, { uri: r.url(), eventFilters: [contactFilter(o)] });
      expect(again.statusCode).toBe(200);
      expect(again.json().status).toBe('ACTIVE');
      expect(r.received.filter((req) => req.method === 'GET')).toHaveLength(2);
    });

    it('stops a subscription whose receiver answers 410 Gone', async () => {
      const r = await receiver((req) => (req.method === 'GET' ? echoHandshake(req) : { status: 410 }));
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      await runner.drain();
      expect((await get(o.headers, `/webhooksubscription/${sub.id}`)).json().status).toBe('INACTIVE');
      const [delivery] = await deliveriesOf(o, sub.id);
      expect(delivery).toMatchObject({ status: 'FAILED', attemptCount: 1, nextAttemptDateTime: null });
      expect(delivery!.attempts[0]!.error).toBe('The receiver answered 410 Gone: the subscription was stopped');
      await createContact(o.orgId);
      clock.advance(DAY);
      await runner.drain();
      expect(r.posts()).toHaveLength(1);
      // A manual retry is refused while it is not ACTIVE.
      const headers = await authHeaders(platform, o.orgId);
      const retry = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/webhooksubscription/${sub.id}/deliveries/${delivery!.id}/retry`,
        headers,
      });
      expect(retry.statusCode).toBe(409);
      expect(retry.json().code).toBe('webhooks.subscription_not_active');
    });

    it('expires a subscription past its expiration time', async () => {
      const r = await receiver();
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)], { expiresDateInMillies: clock.now() + 60_000 });
      clock.advance(30_000);
      expect((await get(o.headers, `/webhooksubscription/${sub.id}`)).json()).toMatchObject({
        status: 'ACTIVE',
        expiresIn: 30,
      });
      clock.advance(30_000);
      expect((await get(o.headers, `/webhooksubscription/${sub.id}`)).json()).toMatchObject({
        status: 'EXPIRED',
        expiresIn: 0,
      });
      await createContact(o.orgId);
      await runner.drain();
      expect(r.posts()).toHaveLength(0);
      const stored = await platform.container.database.db
        .selectFrom('webhook_subscriptions')
        .select(['status', 'status_reason'])
        .where('id', '=', sub.id)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ status: 'EXPIRED', status_reason: 'The expiration time passed' });
      // Renewing needs a new expiration time.
      const renew = await post(o.headers, { id: sub.id, uri: r.url(), eventFilters: [contactFilter(o)] });
      expect(renew.json().code).toBe('webhooks.invalid_expiration');
      const renewed = await post(o.headers, {
        id: sub.id,
        uri: r.url(),
        eventFilters: [contactFilter(o)],
        expiresDateInMillies: clock.now() + DAY,
      });
      expect(renewed.json()).toMatchObject({ status: 'ACTIVE', expiresIn: 24 * 3600 });
    });

    it('retries a delivery on request, with the same webhook-id', async () => {
      const r = await receiver();
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      await runner.drain();
      const [delivery] = await deliveriesOf(o, sub.id);
      const retry = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/webhooksubscription/${sub.id}/deliveries/${delivery!.id}/retry`,
        headers: o.headers,
      });
      expect(retry.statusCode).toBe(202);
      expect(retry.json()).toMatchObject({ id: delivery!.id, status: 'PENDING', attemptCount: 1 });
      await runner.drain();
      const posts = r.posts();
      expect(posts).toHaveLength(2);
      expect(posts[1]!.headers['webhook-id']).toBe(posts[0]!.headers['webhook-id']);
      const [after] = await deliveriesOf(o, sub.id);
      expect(after).toMatchObject({ status: 'SUCCEEDED', attemptCount: 2 });
      expect(after!.attempts).toHaveLength(2);

      const unknown = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/webhooksubscription/${sub.id}/deliveries/ffffffffffffffffffffffff/retry`,
        headers: o.headers,
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe('webhooks.delivery_not_found');
    });

    it('filters deliveries by status and pages them newest first', async () => {
      const r = await receiver();
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      for (let i = 0; i < 3; i++) {
        await createContact(o.orgId);
        clock.advance(1000);
      }
      await runner.drain();
      const page = await get(o.headers, `/webhooksubscription/${sub.id}/deliveries?size=2&status=SUCCEEDED`);
      expect(page.json()).toMatchObject({ totalElements: 3, numberOfElements: 2, first: true, last: false });
      const [newest, older] = page.json().content;
      expect(newest.id > older.id).toBe(true);
      expect(newest.eventId > older.eventId).toBe(true);
      expect(
        (await get(o.headers, `/webhooksubscription/${sub.id}/deliveries?status=FAILED`)).json().totalElements,
      ).toBe(0);
      expect((await get(o.headers, `/webhooksubscription/${sub.id}/deliveries?status=nope`)).statusCode).toBe(400);
    });

    it('signs with both secrets while a rotated secret overlaps, then with the new one only', async () => {
      const r = await receiver();
      const o = await org();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      const rotated = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/webhooksubscription/${sub.id}/secret`,
        headers: o.headers,
      });
      expect(rotated.statusCode).toBe(200);
      const { signingSecret, previousSecretExpirationTime } = rotated.json();
      expect(signingSecret).toMatch(/^whsec_/);
      expect(signingSecret).not.toBe(sub.signingSecret);
      expect(previousSecretExpirationTime).toBe(new Date(clock.now() + DAY).toISOString());

      await createContact(o.orgId);
      await runner.drain();
      const [during] = r.posts();
      expect(String(during!.headers['webhook-signature']).split(' ')).toHaveLength(2);
      for (const secret of [signingSecret, sub.signingSecret]) {
        expect(() => verifyWebhook(secret, during!.headers, during!.body, { now: clock.now() })).not.toThrow();
      }

      clock.advance(DAY);
      await createContact(o.orgId);
      await runner.drain();
      const after = r.posts()[1]!;
      expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect(() => verifyWebhook(signingSecret, after.headers, after.body, { now: clock.now() })).not.toThrow();
      expect(() => verifyWebhook(sub.signingSecret, after.headers, after.body, { now: clock.now() })).toThrow();
    });

    it('keeps organisations apart', async () => {
      const a = await org('Org A');
      const b = await org('Org B');
      const ra = await receiver();
      const rb = await receiver();
      const subA = await subscribe(a, ra.url(), [contactFilter(a)]);
      const subB = await subscribe(b, rb.url(), [contactFilter(b)]);
      // The same receiver uri in two organisations is two subscriptions.
      const shared = await subscribe(b, ra.url(), [contactFilter(b)]);
      expect(shared.id).not.toBe(subA.id);

      await createContact(a.orgId);
      await runner.drain();
      expect(ra.posts().map((p) => p.json.orgId)).toEqual([a.orgId]);
      expect(rb.posts()).toHaveLength(0);

      for (const path of [`/webhooksubscription/${subB.id}`, `/webhooksubscription/${subB.id}/deliveries`]) {
        const response = await get(a.headers, path);
        expect(response.statusCode, path).toBe(404);
        expect(response.json().code).toBe('webhooks.not_found');
      }
      for (const [method, path] of [
        ['DELETE', `/webhooksubscription/${subB.id}`],
        ['POST', `/webhooksubscription/${subB.id}/secret`],
        ['POST', `/webhooksubscription/${subB.id}/deliveries/ffffffffffffffffffffffff/retry`],
      ] as const) {
        const response = await platform.app.inject({ method, url: `${STAGE}${path}`, headers: a.headers });
        expect(response.statusCode, path).toBe(404);
      }
      const [deliveryOfA] = await deliveriesOf(a, subA.id);
      const crossRetry = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/webhooksubscription/${subB.id}/deliveries/${deliveryOfA!.id}/retry`,
        headers: b.headers,
      });
      expect(crossRetry.statusCode).toBe(404);
      const update = await post(a.headers, { id: subB.id, uri: ra.url('/x'), eventFilters: [contactFilter(a)] });
      expect(update.statusCode).toBe(404);
      expect(
        (await get(a.headers, '/webhooksubscription/all')).json().content.map((s: { id: string }) => s.id),
      ).toEqual([subA.id]);
    });
  });

  describe('worker role', () => {
    it('runs the webhook runner beside the job worker (container.createWorker)', async () => {
      const r = await receiver();
      const o = await org();
      await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      const worker = platform.container.createWorker();
      expect(await worker.drain()).toBeGreaterThanOrEqual(2); // the fan-out of the event, then the attempt
      expect(r.posts()).toHaveLength(1);
      await worker.stop(100);
    });
  });

  describe('fan-out', () => {
    async function deliveryCount(subscriptionIds: string[]) {
      const rows = await platform.container.database.db
        .selectFrom('webhook_deliveries')
        .select(['subscription_id', 'event_id'])
        .where('subscription_id', 'in', subscriptionIds)
        .execute();
      return rows;
    }

    it('makes one delivery per (event, subscription) when the fan-out runs again over the same events', async () => {
      const o = await org();
      const r1 = await receiver();
      const r2 = await receiver();
      const s1 = await subscribe(o, r1.url(), [contactFilter(o)]);
      const s2 = await subscribe(o, r2.url(), [contactFilter(o)]);
      const contacts = [await createContact(o.orgId), await createContact(o.orgId)];
      const paused = platform.container.createWebhooksRunner({ random: () => 0 });
      while ((await paused.dispatchOnce()) > 0);
      // The worker "died" after writing the deliveries but the dispatched marks were lost: the events are pending again.
      await sql`update events set dispatched_at = null where org_id = ${o.orgId}`.execute(
        platform.container.database.db,
      );
      while ((await paused.dispatchOnce()) > 0);
      const rows = await deliveryCount([s1.id, s2.id]);
      expect(rows).toHaveLength(4);
      expect(new Set(rows.map((row) => `${row.subscription_id}/${row.event_id}`)).size).toBe(4);
      await runner.drain();
      expect(r1.posts()).toHaveLength(2);
      expect(r2.posts()).toHaveLength(2);
      expect(r1.posts().map((p) => (p.json.contactInfo as { contactId: string }).contactId)).toEqual(
        contacts.map((c) => c.id),
      );
    });

    it('rolls back a fan-out that crashes midway; the next run delivers each event once', async () => {
      const o = await org();
      const r = await receiver();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      await createContact(o.orgId);
      await createContact(o.orgId);
      const crashing = platform.container.createWebhooksRunner({
        afterFanOutWrite: () => {
          throw new Error('killed between writing deliveries and marking events');
        },
      });
      await expect(crashing.dispatchOnce()).rejects.toThrow('killed');
      expect(await deliveryCount([sub.id])).toHaveLength(0);
      await runner.drain();
      await runner.drain();
      expect(await deliveryCount([sub.id])).toHaveLength(2);
      expect(r.posts()).toHaveLength(2);
    });

    it('two runners draining at once deliver each event once per subscription', async () => {
      const o = await org();
      const r = await receiver();
      const sub = await subscribe(o, r.url(), [contactFilter(o)]);
      for (let i = 0; i < 20; i++) await createContact(o.orgId);
      const other = platform.container.createWebhooksRunner({ random: () => 0 });
      await Promise.all([runner.drain(), other.drain()]);
      expect(await deliveryCount([sub.id])).toHaveLength(20);
      expect(new Set(r.posts().map((p) => p.headers['webhook-id'])).size).toBe(20);
      expect(r.posts()).toHaveLength(20);
    });
  });
});
