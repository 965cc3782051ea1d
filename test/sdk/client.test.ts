import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationCode,
  clientCredentials,
  SCOPES,
  StratusApiError,
  StratusClient,
  StratusOAuthError,
  type Tokens,
} from '../../packages/sdk/src/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { type ApiCredentials, createApiClient } from '../harness/auth.js';
import { authorizeInBrowser } from '../harness/browser.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture } from '../harness/factories.js';
import { freePort } from '../harness/processes.js';

const PASSWORD = 'a long enough password';

/** Real requests, counted and kept (the SDK is given this fetch; nothing is mocked). */
function recordingFetch() {
  const requests: { url: string; method: string; headers: Record<string, string> }[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    requests.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
    });
    return fetch(input, init);
  };
  return { fetch: wrapped, requests };
}

/**
 * The SDK against a listening platform over real HTTP. The platform and the SDK share a manual clock: token
 * expiry and Retry-After waits move it instead of sleeping.
 */
describe(`TypeScript SDK on ${testDialect()}`, () => {
  let platform: TestPlatform;
  let clock: ManualClock;
  let base: string;
  let apiBase: string;
  let org: Awaited<ReturnType<typeof createOrgFixture>>;
  let credentials: ApiCredentials;

  beforeAll(async () => {
    clock = new ManualClock(Date.UTC(2026, 2, 14, 12));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    apiBase = `${base}/stratustexting-prod`;
    platform = await createTestPlatform({
      clock,
      env: { PORT: String(port), PUBLIC_URL: base, RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' },
    });
    await platform.app.listen({ port, host: '127.0.0.1' });
    org = await createOrgFixture(platform.container, 'SDK Org');
    credentials = await createApiClient(platform, org.organization.id, { redirectUris: [`${base}/callback`] });
  });
  afterAll(async () => platform.close());

  /** The SDK with client credentials; Retry-After waits advance the shared clock. */
  function sdk(options: { maxRetries?: number } = {}) {
    const recorder = recordingFetch();
    const sleeps: number[] = [];
    const client = new StratusClient({
      baseUrl: apiBase,
      apiKey: credentials.apiKey,
      auth: clientCredentials({ clientId: credentials.clientId, clientSecret: credentials.clientSecret }),
      fetch: recorder.fetch,
      now: () => clock.now(),
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
      ...options,
    });
    return { client, requests: recorder.requests, sleeps };
  }

  /** Lets the rate limiter's bucket fill up again between tests. */
  const rested = () => clock.advance(10_000);

  it('sends a text with a client credentials token and x-api-key, and reads it back', async () => {
    rested();
    const { client, requests } = sdk();
    const sent = await client.sendSms({ from: org.phoneNumber, to: '+12025550143', text: 'Hello from the SDK' });
    expect(sent).toMatchObject({ result: 'Message Processed Successfully', status: 'queued', encoding: 'GSM-7' });
    const message = await client.getMessage(sent.id);
    expect(message).toMatchObject({ id: sent.id, text: 'Hello from the SDK', direction: 'outbound' });

    const apiCalls = requests.filter((request) => request.url.startsWith(apiBase));
    expect(apiCalls).toHaveLength(2);
    for (const call of apiCalls) {
      expect(call.headers.authorization).toMatch(/^Bearer /);
      expect(call.headers['x-api-key']).toBe(credentials.apiKey);
    }
    expect(apiCalls[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(requests.filter((request) => request.url === `${base}/oauth2/token/`)).toHaveLength(1);
  });

  it('reuses its token, and gets a new one shortly before it expires', async () => {
    rested();
    const { client, requests } = sdk();
    const tokenRequests = () => requests.filter((request) => request.url.endsWith('/oauth2/token/')).length;
    await client.call('getSites');
    await client.call('getSites');
    expect(tokenRequests()).toBe(1);
    clock.advance((3600 - 30) * 1000);
    await client.call('getSites');
    expect(tokenRequests()).toBe(2);
  });

  it('sends the same Idempotency-Key again and gets the first answer back', async () => {
    rested();
    const { client } = sdk();
    const body = { from: org.phoneNumber, to: '+12025550143', text: 'Only once' };
    const first = await client.callRaw('sendSms', { body, idempotencyKey: 'sdk-test-once' });
    const again = await client.callRaw('sendSms', { body, idempotencyKey: 'sdk-test-once' });
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('retries a 429 after its Retry-After, with the same Idempotency-Key', async () => {
    rested();
    const { client, requests, sleeps } = sdk();
    const body = { from: org.phoneNumber, to: '+12025550143', text: 'Throttled' };
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await client.sendSms(body));
    expect(new Set(answers.map((answer) => answer.id)).size).toBe(5);
    expect(sleeps.length).toBeGreaterThan(0);
    expect(sleeps.every((ms) => ms === 1000)).toBe(true);
    // Each retried send went out again with its own key, unchanged.
    const sends = requests.filter((request) => request.url.endsWith('/message/sendsms'));
    expect(sends.length).toBe(5 + sleeps.length);
    expect(new Set(sends.map((send) => send.headers['idempotency-key'])).size).toBe(5);
  });

  it('gives up after maxRetries with the 429 as a StratusApiError', async () => {
    rested();
    const { client } = sdk({ maxRetries: 0 });
    const error = await (async () => {
      for (let i = 0; i < 10; i++) await client.call('getSites');
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StratusApiError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', message: 'Too Many Requests' });
  });

  it('answers error codes as StratusApiError with the request id', async () => {
    rested();
    const { client } = sdk();
    const error = await client.call('getContact', { path: { id: '6650c2f1a3b4c5d6e7f80912' } }).catch((e) => e);
    expect(error).toBeInstanceOf(StratusApiError);
    expect(error).toMatchObject({ status: 404, code: 'contacts.not_found' });
    expect((error as StratusApiError).requestId).toBeTruthy();
  });

  it('walks every page of a list with the async iterator', async () => {
    rested();
    const { client } = sdk();
    const numbers = Array.from({ length: 23 }, (_, i) => `+1212555${String(1000 + i).padStart(4, '0')}`);
    for (const [i, mobileNumber] of numbers.entries()) {
      if (i % 2 === 0) rested();
      await client.call('createOrUpdateContact', { body: { mobileNumber, tags: ['paged'] } });
    }
    rested();
    const seen: string[] = [];
    for await (const contact of client.paginate(
      'getAllContactsInAnOrg',
      { query: { tag: 'paged' } },
      { pageSize: 10 },
    )) {
      seen.push(contact.mobileNumber);
    }
    expect(seen.sort()).toEqual([...numbers].sort());
    rested();
    let pages = 0;
    for await (const page of client.pages('getAllContactsInAnOrg', { query: { tag: 'paged' } }, { pageSize: 10 })) {
      pages++;
      expect(page.content.length).toBe(pages < 3 ? 10 : 3);
    }
    expect(pages).toBe(3);
  });

  it('runs the authorization code flow with PKCE, refreshes before expiry, and keeps the rotated refresh token', async () => {
    rested();
    const user = await platform.container.accounts.createUser({
      orgId: org.organization.id,
      email: 'sdk-person@example.com',
      password: PASSWORD,
      role: 'admin',
    });
    expect(user.ok).toBe(true);
    const stored: Tokens[] = [];
    const client = new StratusClient({
      baseUrl: apiBase,
      apiKey: credentials.apiKey,
      auth: authorizationCode({
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        redirectUri: `${base}/callback`,
        onTokens: (tokens) => {
          stored.push(tokens);
        },
      }),
      now: () => clock.now(),
    });
    const request = client.authorizationUrl({ scopes: [SCOPES.ReadContact, SCOPES.SendMessage] });
    expect(new URL(request.url).searchParams.get('code_challenge_method')).toBe('S256');
    const callbackUrl = await authorizeInBrowser(base, request.url, {
      email: 'sdk-person@example.com',
      password: PASSWORD,
    });
    const tokens = await client.exchangeCode({
      callbackUrl,
      codeVerifier: request.codeVerifier,
      expectedState: request.state,
    });
    expect(tokens.refreshToken).toBeTruthy();
    expect(stored).toHaveLength(1);

    const sites = await client.call('getSites');
    expect(sites.content[0]!.id).toBe(org.site.id);

    clock.advance((3600 - 30) * 1000);
    await client.call('getSites');
    expect(stored).toHaveLength(2);
    expect(stored[1]!.refreshToken).not.toBe(stored[0]!.refreshToken);
    expect(stored[1]!.accessToken).not.toBe(stored[0]!.accessToken);

    // The scopes granted are the scopes asked: no WriteContact.
    const refused = await client
      .call('createOrUpdateContact', { body: { mobileNumber: '+12125550999' } })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 403, code: 'auth.forbidden' });
  });

  it('reports a wrong client secret as a StratusOAuthError', async () => {
    rested();
    const client = new StratusClient({
      baseUrl: apiBase,
      apiKey: credentials.apiKey,
      auth: clientCredentials({ clientId: credentials.clientId, clientSecret: 'wrong' }),
      now: () => clock.now(),
    });
    const error = await client.call('getSites').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StratusOAuthError);
    expect(error).toMatchObject({ error: 'invalid_client' });
  });
});
