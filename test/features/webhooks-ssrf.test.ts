import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSecretKey } from '../../src/features/oauth/keys.js';
import { createSecretBox, generateSigningSecret } from '../../src/features/webhooks/webhooks.signing.js';
import { newId } from '../../src/platform/ids.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders } from '../harness/auth.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture, randomUsNumber } from '../harness/factories.js';
import { startReceiver, type WebhookReceiver } from './webhooks-receiver.js';

/**
 * The SSRF guard with WEBHOOK_ALLOW_PRIVATE unset (the production default): loopback, private, link-local and
 * other non-public targets are refused, by IP literal before connecting and by the socket's own DNS lookup
 * otherwise, both at the handshake and at every delivery attempt.
 */
const STAGE = '/stratustexting-prod';

describe(`webhook SSRF guard (${testDialect()})`, () => {
  let platform: TestPlatform;
  let receiver: WebhookReceiver;
  let orgId: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    platform = await createTestPlatform({ env: { WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_VALIDATION_TIMEOUT_MS: '1000' } });
    expect(platform.container.config.webhookAllowPrivate).toBe(false);
    receiver = await startReceiver();
    const fixture = await createOrgFixture(platform.container);
    orgId = fixture.organization.id;
    headers = await authHeaders(platform, orgId);
  });
  afterAll(async () => {
    await receiver.stop();
    await platform.close();
  });

  it('refuses non-public targets at the handshake, before any request is made', async () => {
    const port = receiver.port;
    const cases: [string, RegExp][] = [
      [`http://127.0.0.1:${port}/hook`, /127\.0\.0\.1 is a loopback address/],
      [`http://localhost:${port}/hook`, /localhost \((127\.0\.0\.1|::1)\) is a loopback address/],
      [`http://[::1]:${port}/hook`, /::1 is a loopback address/],
      [`http://[::ffff:127.0.0.1]:${port}/hook`, /loopback/],
      [`http://2130706433:${port}/hook`, /127\.0\.0\.1 is a loopback address/], // 127.0.0.1 as one number
      ['http://169.254.169.254/latest/meta-data/', /link-local/],
      ['http://10.1.2.3/hook', /private/],
      ['http://192.168.0.10:8080/hook', /private/],
      ['http://[fd00::1]/hook', /private/],
      ['http://[fe80::1]/hook', /link-local/],
      ['http://224.0.0.1/hook', /multicast/],
      [`http://0.0.0.0:${port}/hook`, /reserved/],
    ];
    for (const [uri, message] of cases) {
      const response = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/webhooksubscription`,
        headers,
        payload: { uri, eventFilters: [`/orgId/${orgId}/contact`] },
      });
      expect(response.statusCode, uri).toBe(400);
      expect(response.json().code, uri).toBe('webhooks.uri_not_allowed');
      expect(response.json().message, uri).toMatch(message);
    }
    expect(receiver.received).toHaveLength(0);
    const list = await platform.app.inject({ url: `${STAGE}/webhooksubscription/all`, headers });
    expect(list.json().totalElements).toBe(0);
  });

  it('checks the address again at every delivery (a name that now resolves to loopback is refused)', async () => {
    // A subscription whose name resolved to a public address when it was validated and to 127.0.0.1 now (DNS
    // rebinding): written directly, as the handshake would have refused it.
    const { container } = platform;
    const box = createSecretBox(resolveSecretKey(container.config.secretKey, container.config.dataDir));
    const now = container.clock.now();
    const id = newId(now);
    await container.database.db
      .insertInto('webhook_subscriptions')
      .values({
        id,
        org_id: orgId,
        uri: `http://localhost:${receiver.port}/rebound`,
        event_filters: JSON.stringify([`/orgId/${orgId}/contact`]),
        disabled_filters: '[]',
        has_message_filters: 0,
        has_contact_filters: 1,
        status: 'ACTIVE',
        status_reason: null,
        expires_at: null,
        secret_sealed: box.seal(generateSigningSecret()),
        previous_secret_sealed: null,
        previous_secret_expires_at: null,
        failing_since: null,
        last_failure_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const created = await container.contacts.upsertByNumber({ orgId, mobileNumber: randomUsNumber() });
    expect(created.ok).toBe(true);
    const runner = container.createWebhooksRunner();
    await runner.drain();
    expect(receiver.received).toHaveLength(0);
    const deliveries = await platform.app.inject({ url: `${STAGE}/webhooksubscription/${id}/deliveries`, headers });
    const [delivery] = deliveries.json().content;
    expect(delivery).toMatchObject({ status: 'PENDING', attemptCount: 1 });
    expect(delivery.attempts[0]).toMatchObject({ statusCode: null, success: false });
    expect(delivery.attempts[0].error).toMatch(/^localhost \((127\.0\.0\.1|::1)\) is a loopback address/);
  });
});
