import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { type ApiCredentials, createApiClient, scopesOf } from '../harness/auth.js';
import { createOrgFixture } from '../harness/factories.js';

const REDIRECT = 'http://localhost:9999/callback';

/** The token and revocation endpoints: every grant and every RFC 6749 error, over the real routes. */
describe('OAuth 2.0 token endpoint', () => {
  let platform: TestPlatform;
  let clock: ManualClock;
  let org: Awaited<ReturnType<typeof createOrgFixture>>;
  let userId: string;
  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    platform = await createTestPlatform({ clock });
    org = await createOrgFixture(platform.container);
    const user = await platform.container.accounts.createUser({
      orgId: org.organization.id,
      email: 'owner@token.example',
      password: 'a long password',
      role: 'admin',
    });
    if (!user.ok) throw new Error(user.code);
    userId = user.value.id;
  });
  afterAll(async () => platform.close());

  const basic = (c: ApiCredentials, secret = c.clientSecret) =>
    `Basic ${Buffer.from(`${c.clientId}:${secret}`).toString('base64')}`;

  const token = (form: Record<string, string>, authorization?: string) =>
    platform.app.inject({
      method: 'POST',
      url: '/oauth2/token/',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
      payload: new URLSearchParams(form).toString(),
    });

  /** An authorization code as the approved authorize step issues it, read back from its redirect. */
  async function issueCode(client: ApiCredentials, extra: Record<string, string> = {}) {
    const { location } = await platform.container.authorizationServer.authorize({
      query: { response_type: 'code', client_id: client.clientId, redirect_uri: REDIRECT, state: 'xyz', ...extra },
      user: { id: userId, orgId: org.organization.id },
      approved: true,
    });
    const url = new URL(location);
    expect(url.searchParams.get('state')).toBe('xyz');
    return url.searchParams.get('code')!;
  }

  function pkcePair() {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  describe('client_credentials', () => {
    it('issues a signed JWT with HTTP Basic client authentication', async () => {
      const client = await createApiClient(platform, org.organization.id);
      const response = await token({ grant_type: 'client_credentials' }, basic(client));
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      const body = response.json();
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(body.refresh_token).toBeUndefined();
      expect(body.scope.split(' ').sort()).toEqual(scopesOf(platform).sort());
      const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({
        iss: platform.container.config.publicUrl,
        sub: client.clientId,
        org_id: org.organization.id,
        client_id: client.clientId,
      });
      expect(claims.exp - claims.iat).toBe(3600);
    });

    it('accepts client_secret_post and narrows scopes on request', async () => {
      const client = await createApiClient(platform, org.organization.id);
      const response = await token({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scope: scopesOf(platform, ['ReadContact']).join(' '),
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().scope).toBe(scopesOf(platform, ['ReadContact'])[0]);
    });

    it('refuses a client without the grant: unauthorized_client', async () => {
      const client = await createApiClient(platform, org.organization.id, { clientCredentials: false });
      const response = await token({ grant_type: 'client_credentials' }, basic(client));
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('unauthorized_client');
    });

    it('refuses a scope the client was not given: invalid_scope', async () => {
      const client = await createApiClient(platform, org.organization.id, { scopes: ['ReadContact'] });
      const response = await token(
        { grant_type: 'client_credentials', scope: scopesOf(platform, ['SendMessage'])[0]! },
        basic(client),
      );
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_scope');
    });
  });

  describe('client authentication', () => {
    it.each([
      ['a wrong secret', (c: ApiCredentials) => basic(c, 'wrong')],
      ['an unknown client', () => `Basic ${Buffer.from('nobody:secret').toString('base64')}`],
      ['no authentication at all', () => undefined],
    ])('answers 401 invalid_client for %s', async (_name, authorization) => {
      const client = await createApiClient(platform, org.organization.id);
      const response = await token({ grant_type: 'client_credentials' }, authorization(client));
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: 'invalid_client' });
      expect(response.json().error_description).toBeTypeOf('string');
      expect(response.headers['www-authenticate']).toContain('Basic');
    });

    it('refuses a deleted client at once, token endpoint and API alike', async () => {
      const client = await createApiClient(platform, org.organization.id);
      const issued = await token({ grant_type: 'client_credentials' }, basic(client));
      expect(issued.statusCode).toBe(200);
      const headers = { authorization: `Bearer ${issued.json().access_token}`, 'x-api-key': client.apiKey };
      expect((await platform.app.inject({ url: '/stratustexting-prod/site/all', headers })).statusCode).toBe(200);

      expect((await platform.container.oauth.deleteClient(org.organization.id, client.clientId)).ok).toBe(true);
      expect((await token({ grant_type: 'client_credentials' }, basic(client))).json().error).toBe('invalid_client');
      expect((await platform.app.inject({ url: '/stratustexting-prod/site/all', headers })).statusCode).toBe(403);
    });

    it('stops accepting the old secret once it is renewed', async () => {
      const client = await createApiClient(platform, org.organization.id);
      const renewed = await platform.container.oauth.renewSecret(org.organization.id, client.clientId);
      if (!renewed.ok) throw new Error(renewed.code);
      expect((await token({ grant_type: 'client_credentials' }, basic(client))).statusCode).toBe(401);
      const fresh = await token({ grant_type: 'client_credentials' }, basic(client, renewed.value.clientSecret));
      expect(fresh.statusCode).toBe(200);
    });
  });

  it.each([
    // The library knows the password grant, but no client is ever given it.
    ['password', 'unauthorized_client'],
    ['implicit', 'unsupported_grant_type'],
    ['urn:ietf:params:oauth:grant-type:device_code', 'unsupported_grant_type'],
  ])('refuses the %s grant with %s', async (grant, error) => {
    const client = await createApiClient(platform, org.organization.id);
    const response = await token({ grant_type: grant, username: 'a', password: 'b' }, basic(client));
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe(error);
  });

  it('answers invalid_request without a grant_type', async () => {
    const client = await createApiClient(platform, org.organization.id);
    const missing = await token({}, basic(client));
    expect(missing.json().error).toBe('invalid_request');
  });

  describe('authorization_code and refresh_token', () => {
    it('exchanges a code for tokens, rotates the refresh token, and revokes the family on reuse', async () => {
      const client = await createApiClient(platform, org.organization.id);
      const code = await issueCode(client);
      const exchanged = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic(client));
      expect(exchanged.statusCode).toBe(200);
      const first = exchanged.json();
      expect(first).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      const claims = JSON.parse(Buffer.from(first.access_token.split('.')[1], 'base64url').toString());
      expect(claims.sub).toBe(userId);

      const rotated = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token }, basic(client));
      expect(rotated.statusCode).toBe(200);
      const second = rotated.json();
      expect(second.refresh_token).not.toBe(first.refresh_token);

      const reused = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token }, basic(client));
      expect(reused.statusCode).toBe(400);
      expect(reused.json().error).toBe('invalid_grant');
      // The reuse revoked the whole family: the newest token is dead too.
      const afterReuse = await token(
        { grant_type: 'refresh_token', refresh_token: second.refresh_token },
        basic(client),
      );
      expect(afterReuse.json().error).toBe('invalid_grant');
    });

    it('refuses a code used twice and revokes what the first use produced', async () => {
      const client = await createApiClient(platform, org.organization.id);
      const code = await issueCode(client);
      const first = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic(client));
      expect(first.statusCode).toBe(200);
      const again = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic(client));
      expect(again.json().error).toBe('invalid_grant');
      const refresh = await token(
        { grant_type: 'refresh_token', refresh_token: first.json().refresh_token },
        basic(client),
      );
      expect(refresh.json().error).toBe('invalid_grant');
    });

    it('refuses an expired code', async () => {
      const client = await createApiClient(platform, org.organization.id);
      const code = await issueCode(client);
      clock.advance(11 * 60 * 1000);
      const response = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic(client));
      expect(response.json().error).toBe('invalid_grant');
    });

    it('refuses a redirect_uri other than the one the code was issued for', async () => {
      const client = await createApiClient(platform, org.organization.id, {
        redirectUris: [REDIRECT, 'https://app.example.com/cb'],
      });
      const code = await issueCode(client);
      const response = await token(
        { grant_type: 'authorization_code', code, redirect_uri: 'https://app.example.com/cb' },
        basic(client),
      );
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_request');
    });

    it('refuses a code issued to another client', async () => {
      const mine = await createApiClient(platform, org.organization.id);
      const theirs = await createApiClient(platform, org.organization.id);
      const code = await issueCode(mine);
      const response = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic(theirs));
      expect(response.json().error).toBe('invalid_grant');
    });

    it('enforces PKCE S256 when a challenge was sent', async () => {
      const client = await createApiClient(platform, org.organization.id);
      const { verifier, challenge } = pkcePair();
      const code = await issueCode(client, { code_challenge: challenge, code_challenge_method: 'S256' });
      const without = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic(client));
      expect(without.json().error).toBe('invalid_grant');

      const other = await issueCode(client, { code_challenge: challenge, code_challenge_method: 'S256' });
      const wrong = await token(
        { grant_type: 'authorization_code', code: other, redirect_uri: REDIRECT, code_verifier: pkcePair().verifier },
        basic(client),
      );
      expect(wrong.json().error).toBe('invalid_grant');

      const third = await issueCode(client, { code_challenge: challenge, code_challenge_method: 'S256' });
      const right = await token(
        { grant_type: 'authorization_code', code: third, redirect_uri: REDIRECT, code_verifier: verifier },
        basic(client),
      );
      expect(right.statusCode).toBe(200);
    });

    it('revokes a refresh token family (RFC 7009) and answers 200 for unknown tokens', async () => {
      const client = await createApiClient(platform, org.organization.id);
      const code = await issueCode(client);
      const issued = (
        await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic(client))
      ).json();
      const revoke = (form: Record<string, string>, authorization?: string) =>
        platform.app.inject({
          method: 'POST',
          url: '/oauth2/revoke',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
          payload: new URLSearchParams(form).toString(),
        });
      expect((await revoke({ token: issued.refresh_token })).statusCode).toBe(401);
      expect((await revoke({ token: issued.refresh_token }, basic(client))).statusCode).toBe(200);
      const after = await token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token }, basic(client));
      expect(after.json().error).toBe('invalid_grant');
      expect((await revoke({ token: 'never-issued' }, basic(client))).statusCode).toBe(200);
    });
  });

  it('publishes RFC 8414 metadata and a JWKS', async () => {
    const metadata = (await platform.app.inject({ url: '/.well-known/oauth-authorization-server' })).json();
    expect(metadata).toMatchObject({
      issuer: platform.container.config.publicUrl,
      token_endpoint: `${platform.container.config.publicUrl}/oauth2/token/`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
    const jwks = (await platform.app.inject({ url: '/oauth2/jwks' })).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('keeps verifying tokens of a rotated key until they expire', async () => {
    const client = await createApiClient(platform, org.organization.id);
    const before = (await token({ grant_type: 'client_credentials' }, basic(client))).json().access_token;
    await platform.container.keys.rotate();
    const after = (await token({ grant_type: 'client_credentials' }, basic(client))).json().access_token;
    const kid = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).kid;
    expect(kid(before)).not.toBe(kid(after));
    for (const jwt of [before, after]) {
      const response = await platform.app.inject({
        url: '/stratustexting-prod/site/all',
        headers: { authorization: `Bearer ${jwt}`, 'x-api-key': client.apiKey },
      });
      expect(response.statusCode).toBe(200);
    }
    expect((await platform.app.inject({ url: '/oauth2/jwks' })).json().keys).toHaveLength(2);
  });

  it('stores client secrets and API keys only as hashes', async () => {
    const client = await createApiClient(platform, org.organization.id);
    const row = await platform.container.database.db
      .selectFrom('oauth_clients')
      .selectAll()
      .where('id', '=', client.clientId)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(client.clientSecret);
    expect(JSON.stringify(row)).not.toContain(client.apiKey);
    const keyRow = await platform.container.database.db
      .selectFrom('signing_keys')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(keyRow.private_jwk_encrypted).not.toContain('"d"');
  });
});
