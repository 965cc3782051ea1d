import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/features/webhooks/webhooks.verify.js';
import { testDialect } from '../harness/database.js';
import { randomUsNumber } from '../harness/factories.js';
import {
  createMessagingPlatform,
  eventually,
  type MessagingPlatform,
  orgWithHeaders,
  STAGE,
  sendSms,
} from './messages-helpers.js';
import { echoHandshake, startReceiver, type WebhookReceiver } from './webhooks-receiver.js';

/**
 * End to end, over real TCP on every side: the SMSC simulator, the messaging pipeline, the webhook runner's own loop
 * (started, as in `serve`) and local receivers. The hosted FAQ's integration: find the department id with
 * GET /site/all, subscribe to its inbound messages, receive the event, read `messageInfo.messageId`, fetch the message.
 */
describe(`webhooks end to end (${testDialect()})`, () => {
  let m: MessagingPlatform;
  let org: Awaited<ReturnType<typeof orgWithHeaders>>;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    m = await createMessagingPlatform({
      env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '5000', WEBHOOK_POLL_INTERVAL_MS: '10' },
    });
    org = await orgWithHeaders(m.platform, 'Webhook E2E Org');
    await m.links.session('env')!.waitUntilBound(5000);
  });
  afterAll(async () => {
    for (const r of receivers) await r.stop();
    await m.close();
  });

  async function receiver(behaviour?: Parameters<typeof startReceiver>[0]) {
    const r = await startReceiver(behaviour);
    receivers.push(r);
    return r;
  }

  async function subscribe(uri: string, eventFilters: string[]) {
    const response = await m.platform.app.inject({
      method: 'POST',
      url: `${STAGE}/webhooksubscription`,
      headers: org.headers,
      payload: { uri, eventFilters },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; signingSecret: string };
  }

  it('follows the hosted FAQ: an inbound text injected at the SMSC reaches the subscriber, who fetches it', async () => {
    const runner = m.platform.container.createWebhooksRunner();
    runner.start();
    try {
      const sites = await m.platform.app.inject({ url: `${STAGE}/site/all`, headers: org.headers });
      const departmentId = sites
        .json()
        .content.flatMap((s: { departments: { id: string; phoneNumbers: string[] }[] }) => s.departments)
        .find((d: { phoneNumbers: string[] }) => d.phoneNumbers.includes(org.phoneNumber)).id;
      const r = await receiver();
      const filter = `/orgId/${org.organization.id}/department/${departmentId}/message?direction=inbound`;
      const sub = await subscribe(r.url(), [filter]);

      const handset = randomUsNumber();
      await m.sim.injectInbound({ from: handset, to: org.phoneNumber, text: 'Is the shop open on Sunday?' });
      const [delivery] = await eventually(() => (r.posts().length > 0 ? r.posts() : null), 'the webhook delivery');
      const event = verifyWebhook<{ event: string; messageInfo: Record<string, unknown> }>(
        sub.signingSecret,
        delivery!.headers,
        delivery!.body,
      );
      expect(event).toMatchObject({
        event: filter,
        subscriptionId: sub.id,
        orgId: org.organization.id,
        messageInfo: {
          direction: 'inbound',
          status: 'received',
          from: handset,
          to: org.phoneNumber,
          departmentId,
          siteId: org.site.id,
        },
      });
      const message = await m.platform.app.inject({
        url: `${STAGE}/message/getmessagebyid/${event.messageInfo.messageId}`,
        headers: org.headers,
      });
      expect(message.statusCode).toBe(200);
      expect(message.json()).toMatchObject({ id: event.messageInfo.messageId, text: 'Is the shop open on Sunday?' });

      // Exactly one delivery, visible with its attempt through the deliveries endpoint (once the runner has
      // written the outcome, just after the receiver answered).
      const deliveries = await eventually(async () => {
        const response = await m.platform.app.inject({
          url: `${STAGE}/webhooksubscription/${sub.id}/deliveries`,
          headers: org.headers,
        });
        return response.json().content[0]?.status === 'SUCCEEDED' ? response : null;
      }, 'the delivery to be recorded as SUCCEEDED');
      expect(deliveries.json().content).toHaveLength(1);
      expect(deliveries.json().content[0]).toMatchObject({
        eventType: 'message.received',
        status: 'SUCCEEDED',
        attempts: [{ attempt: 1, statusCode: 200, success: true }],
      });
      expect(r.posts()).toHaveLength(1);
    } finally {
      await runner.stop(1000);
    }
  });

  it('fans out an event of this process when it commits, without waiting for the poll', async () => {
    // An hour between polls: only the wake-up after the accept's commit can bring the event to the receiver.
    const runner = m.platform.container.createWebhooksRunner({ pollIntervalMs: 3_600_000 });
    const r = await receiver();
    await subscribe(r.url('/woken'), [
      `/orgId/${org.organization.id}/department/${org.department.id}/message?direction=outbound`,
    ]);
    runner.start();
    try {
      // The runner's first look happens at start; wait until it has nothing left to do, then commit the event.
      await eventually(
        async () =>
          (
            await m.platform.container.database.db
              .selectFrom('events')
              .select('id')
              .where('dispatched_at', 'is', null)
              .execute()
          ).length === 0,
        'the backlog fanned out',
      );
      const sent = await sendSms(m.platform, org.headers, {
        from: org.phoneNumber,
        to: randomUsNumber(),
        text: 'wake',
      });
      expect(sent.statusCode).toBe(200);
      const id = sent.json().id as string;
      await eventually(
        () => r.posts().some((p) => (p.json.messageInfo as { messageId: string }).messageId === id),
        'the queued event at the receiver',
        20_000,
      );
    } finally {
      await runner.stop(1000);
    }
  });

  it('tells an outbound subscriber when a text is accepted and as its status changes', async () => {
    const runner = m.platform.container.createWebhooksRunner();
    runner.start();
    try {
      const r = await receiver();
      await subscribe(r.url('/out'), [
        `/orgId/${org.organization.id}/department/${org.department.id}/message?direction=outbound`,
      ]);
      const to = randomUsNumber();
      const sent = await sendSms(m.platform, org.headers, { from: org.phoneNumber, to, text: 'Your order is ready' });
      expect(sent.statusCode).toBe(200);
      const id = sent.json().id as string;
      await m.worker.drain();
      const statuses = () =>
        r
          .posts()
          .map((p) => p.json.messageInfo as { messageId: string; status: string })
          .filter((info) => info.messageId === id)
          .map((info) => info.status);
      await eventually(() => statuses().includes('delivered'), 'the delivered event');
      expect(statuses()[0]).toBe('queued');
      expect(statuses()).toContain('sent');
    } finally {
      await runner.stop(1000);
    }
  });

  it('keeps a hanging receiver to its in-flight limit while another subscriber gets everything', async () => {
    const runner = m.platform.container.createWebhooksRunner({ concurrency: 4, perSubscription: 2 });
    runner.start();
    const slow = await receiver((req) => (req.method === 'GET' ? echoHandshake(req) : 'hang'));
    const fast = await receiver();
    let slowId = '';
    try {
      const orgId = org.organization.id;
      slowId = (await subscribe(slow.url('/slow'), [`/orgId/${orgId}/contact`])).id;
      await subscribe(fast.url('/fast'), [`/orgId/${orgId}/contact`]);
      for (let i = 0; i < 20; i++) {
        const created = await m.platform.container.contacts.upsertByNumber({ orgId, mobileNumber: randomUsNumber() });
        expect(created.ok).toBe(true);
      }
      await eventually(() => fast.posts().length >= 20, 'the fast subscriber to get all 20 events', 10_000);
      expect(slow.maxOpen).toBeLessThanOrEqual(2);
      expect(slow.posts().length).toBeGreaterThanOrEqual(1);
    } finally {
      await runner.stop(100);
    }
    // A stop abandons the hanging attempts: released, not counted, to be sent again by the next runner.
    const rows = await m.platform.container.database.db
      .selectFrom('webhook_deliveries')
      .select(['locked_by', 'attempts', 'state'])
      .where('subscription_id', '=', slowId)
      .execute();
    expect(rows).toHaveLength(20);
    expect(rows.every((row) => row.locked_by === null && row.attempts === 0 && row.state === 'pending')).toBe(true);
  });
});
