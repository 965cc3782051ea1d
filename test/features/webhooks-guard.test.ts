import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScopeName } from '../../src/features/oauth/scopes.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders, clientCredentialsToken, createApiClient, expiredToken } from '../harness/auth.js';
import { itGuardsTheRoute } from '../harness/auth-cases.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture } from '../harness/factories.js';
import { startReceiver, type WebhookReceiver } from './webhooks-receiver.js';

/**
 * The API guard's cases on every webhook route (CONTRACT.md §2). The scope a route needs is the scope of the
 * subscription's filters: SendMessage for a message-filter subscription, ReadContact for a contact-filter one, so
 * each route is checked with one subscription of each kind. The list needs either scope; its cases are below.
 */
const STAGE = '/stratustexting-prod';
const ANY_ID = 'ffffffffffffffffffffffff';

describe(`webhook routes are guarded (${testDialect()})`, () => {
  let platform: TestPlatform;
  let receiver: WebhookReceiver;
  let orgId: string;
  const subscriptions: Record<'message' | 'contact', string> = { message: '', contact: '' };
  const filters: Record<'message' | 'contact', string> = { message: '', contact: '' };

  beforeAll(async () => {
    platform = await createTestPlatform({
      env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_VALIDATION_TIMEOUT_MS: '2000' },
    });
    receiver = await startReceiver();
    const fixture = await createOrgFixture(platform.container);
    orgId = fixture.organization.id;
    filters.message = `/orgId/${orgId}/department/${fixture.department.id}/message?direction=inbound`;
    filters.contact = `/orgId/${orgId}/contact`;
    const headers = await authHeaders(platform, orgId);
    for (const kind of ['message', 'contact'] as const) {
      const response = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/webhooksubscription`,
        headers,
        payload: { uri: receiver.url(`/${kind}`), eventFilters: [filters[kind]] },
      });
      expect(response.statusCode, response.body).toBe(201);
      subscriptions[kind] = response.json().id;
    }
  });
  afterAll(async () => {
    await receiver.stop();
    await platform.close();
  });

  const context = () => ({ platform, orgId });
  const kinds: [kind: 'message' | 'contact', scope: ScopeName][] = [
    ['message', 'SendMessage'],
    ['contact', 'ReadContact'],
  ];

  for (const [kind, scope] of kinds) {
    describe(`${kind} filters (${scope})`, () => {
      describe('POST /webhooksubscription', () => {
        itGuardsTheRoute(
          context,
          () => ({
            method: 'POST',
            url: `${STAGE}/webhooksubscription`,
            payload: { uri: receiver.url(`/new-${kind}`), eventFilters: [filters[kind]] },
          }),
          scope,
        );
      });
      describe('GET /webhooksubscription/{id}', () => {
        itGuardsTheRoute(
          context,
          () => ({ method: 'GET', url: `${STAGE}/webhooksubscription/${subscriptions[kind]}` }),
          scope,
        );
      });
      describe('DELETE /webhooksubscription/{id}', () => {
        itGuardsTheRoute(
          context,
          () => ({ method: 'DELETE', url: `${STAGE}/webhooksubscription/${subscriptions[kind]}` }),
          scope,
        );
      });
      describe('GET /webhooksubscription/{id}/deliveries', () => {
        itGuardsTheRoute(
          context,
          () => ({ method: 'GET', url: `${STAGE}/webhooksubscription/${subscriptions[kind]}/deliveries` }),
          scope,
        );
      });
      describe('POST /webhooksubscription/{id}/deliveries/{deliveryId}/retry', () => {
        itGuardsTheRoute(
          context,
          () => ({
            method: 'POST',
            url: `${STAGE}/webhooksubscription/${subscriptions[kind]}/deliveries/${ANY_ID}/retry`,
          }),
          scope,
        );
      });
      describe('POST /webhooksubscription/{id}/secret', () => {
        itGuardsTheRoute(
          context,
          () => ({ method: 'POST', url: `${STAGE}/webhooksubscription/${subscriptions[kind]}/secret` }),
          scope,
        );
      });
    });
  }

  describe('GET /webhooksubscription/all', () => {
    const url = `${STAGE}/webhooksubscription/all`;
    const call = (headers: Record<string, string>) => platform.app.inject({ method: 'GET', url, headers });

    it('answers 401 without a token, with a malformed or an expired one', async () => {
      const credentials = await createApiClient(platform, orgId);
      const expired = await expiredToken(platform, orgId, credentials.clientId);
      const cases: Record<string, string>[] = [
        { 'x-api-key': credentials.apiKey },
        { authorization: 'Bearer not.a.jwt', 'x-api-key': credentials.apiKey },
        { authorization: `Bearer ${expired}`, 'x-api-key': credentials.apiKey },
      ];
      for (const headers of cases) {
        const response = await call(headers);
        expect(response.statusCode).toBe(401);
        expect(response.json()).toMatchObject({ message: 'Unauthorized', code: 'auth.unauthorized' });
      }
    });

    it('answers 403 without an API key, with another client’s, or with neither SendMessage nor ReadContact', async () => {
      const mine = await createApiClient(platform, orgId);
      const other = await createApiClient(platform, orgId);
      const token = await clientCredentialsToken(platform, mine);
      const writeOnly = await clientCredentialsToken(platform, mine, ['WriteContact']);
      const cases: Record<string, string>[] = [
        { authorization: `Bearer ${token}` },
        { authorization: `Bearer ${token}`, 'x-api-key': other.apiKey },
        { authorization: `Bearer ${writeOnly}`, 'x-api-key': mine.apiKey },
      ];
      for (const headers of cases) {
        const response = await call(headers);
        expect(response.statusCode).toBe(403);
        expect(response.json()).toMatchObject({ message: 'Forbidden', code: 'auth.forbidden' });
      }
    });

    it('lists only what the token’s scopes cover', async () => {
      const ids = async (scopes: ScopeName[]) =>
        (await call(await authHeaders(platform, orgId, scopes))).json().content.map((s: { id: string }) => s.id);
      expect(await ids(['SendMessage'])).toEqual([subscriptions.message]);
      expect(await ids(['ReadContact'])).toEqual([subscriptions.contact]);
      expect(await ids(['SendMessage', 'ReadContact'])).toEqual([subscriptions.message, subscriptions.contact]);
    });
  });
});
