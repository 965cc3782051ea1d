import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { type ApiCredentials, createApiClient } from '../harness/auth.js';
import { createBrowser, hiddenFields } from '../harness/browser.js';
import { createOrgFixture } from '../harness/factories.js';
import { freePort } from '../harness/processes.js';

const PASSWORD = 'a long enough password';

/**
 * The authorization-code flow as an integration meets it: a real OAuth client library (openid-client) over
 * real HTTP against the listening server, a person signing in and approving through the HTML forms with a
 * cookie jar, then refresh, rotation, reuse detection, revocation, and an API call with token and API key.
 */
describe('OAuth 2.0 authorization code flow with PKCE', () => {
  let platform: TestPlatform;
  let base: string;
  let org: Awaited<ReturnType<typeof createOrgFixture>>;
  let credentials: ApiCredentials;
  let callback: string;
  let config: client.Configuration;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    platform = await createTestPlatform({ env: { PORT: String(port), PUBLIC_URL: base } });
    await platform.app.listen({ port, host: '127.0.0.1' });
    org = await createOrgFixture(platform.container, 'Flow Org');
    const user = await platform.container.accounts.createUser({
      orgId: org.organization.id,
      email: 'approver@flow.example',
      password: PASSWORD,
      role: 'admin',
    });
    if (!user.ok) throw new Error(user.code);
    callback = `http://localhost:${await freePort()}/callback`;
    credentials = await createApiClient(platform, org.organization.id, { redirectUris: [callback] });
    config = await client.discovery(
      new URL(base),
      credentials.clientId,
      undefined,
      client.ClientSecretBasic(credentials.clientSecret),
      { execute: [client.allowInsecureRequests], algorithm: 'oauth2' },
    );
  });
  afterAll(async () => platform.close());

  async function signIn(go: ReturnType<typeof createBrowser>, authorizeUrl: string) {
    const first = await go(authorizeUrl);
    expect(first.status).toBe(303);
    expect(first.location).toMatch(/^\/login\?return_to=/);
    const loginPage = await go(first.location!);
    expect(loginPage.status).toBe(200);
    const signedIn = await go('/login', {
      method: 'POST',
      form: { ...hiddenFields(loginPage.body), email: 'approver@flow.example', password: PASSWORD },
    });
    expect(signedIn.status).toBe(303);
    return go(signedIn.location!);
  }

  async function authorizeUrl(extra: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: callback,
      scope: 'https://com.beetexting.scopes/ReadContact https://com.beetexting.scopes/SendMessage',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...extra,
    });
    return { url: url.href, verifier, state };
  }

  it('signs in, approves, exchanges the code, refreshes with rotation, detects reuse, revokes, and calls the API', async () => {
    const go = createBrowser(base);
    const request = await authorizeUrl();
    const consent = await signIn(go, request.url);
    expect(consent.status).toBe(200);
    expect(consent.body).toContain('Test Integration');
    expect(consent.body).toContain('Approve');

    const approved = await go('/oauth2/authorize/', {
      method: 'POST',
      form: { ...hiddenFields(consent.body), decision: 'approve' },
    });
    expect(approved.status).toBe(303);
    expect(approved.location!.startsWith(callback)).toBe(true);

    const tokens = await client.authorizationCodeGrant(config, new URL(approved.location!), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.refresh_token).toBeTruthy();

    const sites = await fetch(`${base}/stratustexting-prod/site/all`, {
      headers: { authorization: `Bearer ${tokens.access_token}`, 'x-api-key': credentials.apiKey },
    });
    expect(sites.status).toBe(200);
    expect(((await sites.json()) as { content: { id: string }[] }).content[0]!.id).toBe(org.site.id);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // Reuse of the rotated token revoked the family, so the newest refresh token is dead as well.
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    // A second grant: the approval is remembered, so no consent page; then revoke it.
    const again = await authorizeUrl();
    const skipped = await go(again.url);
    expect(skipped.status).toBe(302);
    const second = await client.authorizationCodeGrant(config, new URL(skipped.location!), {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
    });
    await client.tokenRevocation(config, second.refresh_token!);
    await expect(client.refreshTokenGrant(config, second.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('sends access_denied to the callback when the person denies', async () => {
    const go = createBrowser(base);
    const request = await authorizeUrl({ scope: 'https://com.beetexting.scopes/WriteContact' });
    const consent = await signIn(go, request.url);
    const denied = await go('/oauth2/authorize/', {
      method: 'POST',
      form: { ...hiddenFields(consent.body), decision: 'deny' },
    });
    const url = new URL(denied.location!);
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe(request.state);
  });

  it('shows an error page, never a redirect, for an unknown client or an unregistered redirect_uri', async () => {
    const go = createBrowser(base);
    const wrongRedirect = (await authorizeUrl({ redirect_uri: 'https://evil.example/cb' })).url;
    const page = await go(wrongRedirect);
    expect(page.status).toBe(400);
    expect(page.location).toBeNull();
    const unknown = await go('/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri=' + callback);
    expect(unknown.status).toBe(400);
    expect(unknown.location).toBeNull();
  });

  it('redirects unsupported_response_type and invalid_scope errors to the callback', async () => {
    const go = createBrowser(base);
    await signIn(go, (await authorizeUrl()).url);
    const token = await go((await authorizeUrl({ response_type: 'token' })).url);
    expect(new URL(token.location!).searchParams.get('error')).toBe('unsupported_response_type');
    const scope = await go((await authorizeUrl({ scope: 'https://com.beetexting.scopes/Everything' })).url);
    expect(new URL(scope.location!).searchParams.get('error')).toBe('invalid_scope');
  });

  it('refuses a consent form without its CSRF token', async () => {
    const go = createBrowser(base);
    const consent = await signIn(go, (await authorizeUrl({ scope: 'https://com.beetexting.scopes/WriteContact' })).url);
    expect(consent.status).toBe(200);
    const fields = hiddenFields(consent.body);
    delete fields.csrf_token;
    const forged = await go('/oauth2/authorize/', { method: 'POST', form: { ...fields, decision: 'approve' } });
    expect(forged.status).toBe(403);
    expect(forged.location).toBeNull();
  });

  it('does not let a person of another organisation authorise the app', async () => {
    const other = await createOrgFixture(platform.container, 'Elsewhere');
    const outsider = await platform.container.accounts.createUser({
      orgId: other.organization.id,
      email: 'outsider@flow.example',
      password: PASSWORD,
      role: 'admin',
    });
    expect(outsider.ok).toBe(true);
    const go = createBrowser(base);
    const request = await authorizeUrl();
    const first = await go(request.url);
    const loginPage = await go(first.location!);
    const signedIn = await go('/login', {
      method: 'POST',
      form: { ...hiddenFields(loginPage.body), email: 'outsider@flow.example', password: PASSWORD },
    });
    const answer = await go(signedIn.location!);
    expect(answer.status).toBe(403);
    expect(answer.location).toBeNull();
  });
});
