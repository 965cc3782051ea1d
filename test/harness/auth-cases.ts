import { expect, it } from 'vitest';
import type { ScopeName } from '../../src/features/oauth/scopes.js';
import type { TestPlatform } from './app.js';
import { clientCredentialsToken, createApiClient, expiredToken, foreignToken } from './auth.js';

export interface GuardedRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path, stage prefix included. */
  url: string;
  payload?: Record<string, unknown>;
}

/**
 * The API guard's cases every route must pass (CONTRACT.md §2): no token, malformed token, expired token,
 * token signed by an unknown key → 401 `{"message":"Unauthorized"}`; missing or wrong API key, API key of
 * another client, missing scope → 403 `{"message":"Forbidden"}`.
 */
export function itGuardsTheRoute(
  context: () => { platform: TestPlatform; orgId: string },
  route: () => GuardedRoute,
  scope: ScopeName,
): void {
  const call = (headers: Record<string, string>) => {
    const { platform } = context();
    const { method, url, payload } = route();
    return platform.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  };

  const expectUnauthorized = async (headers: Record<string, string>) => {
    const response = await call(headers);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ message: 'Unauthorized', code: 'auth.unauthorized' });
  };
  const expectForbidden = async (headers: Record<string, string>) => {
    const response = await call(headers);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ message: 'Forbidden', code: 'auth.forbidden' });
  };

  it('answers 401 without a token', async () => {
    const { platform, orgId } = context();
    const { apiKey } = await createApiClient(platform, orgId);
    await expectUnauthorized({ 'x-api-key': apiKey });
  });

  it('answers 401 for a malformed token', async () => {
    const { platform, orgId } = context();
    const { apiKey } = await createApiClient(platform, orgId);
    await expectUnauthorized({ authorization: 'Bearer not.a.jwt', 'x-api-key': apiKey });
    await expectUnauthorized({ authorization: 'Basic abc', 'x-api-key': apiKey });
  });

  it('answers 401 for an expired token', async () => {
    const { platform, orgId } = context();
    const credentials = await createApiClient(platform, orgId);
    const token = await expiredToken(platform, orgId, credentials.clientId);
    await expectUnauthorized({ authorization: `Bearer ${token}`, 'x-api-key': credentials.apiKey });
  });

  it('answers 401 for a token signed by an unknown key', async () => {
    const { platform, orgId } = context();
    const credentials = await createApiClient(platform, orgId);
    const token = await foreignToken(platform, orgId, credentials.clientId);
    await expectUnauthorized({ authorization: `Bearer ${token}`, 'x-api-key': credentials.apiKey });
  });

  it('answers 403 without an API key or with a wrong one', async () => {
    const { platform, orgId } = context();
    const credentials = await createApiClient(platform, orgId);
    const token = await clientCredentialsToken(platform, credentials);
    await expectForbidden({ authorization: `Bearer ${token}` });
    await expectForbidden({ authorization: `Bearer ${token}`, 'x-api-key': 'sk_wrong' });
  });

  it('answers 403 for the API key of another client', async () => {
    const { platform, orgId } = context();
    const mine = await createApiClient(platform, orgId);
    const other = await createApiClient(platform, orgId);
    const token = await clientCredentialsToken(platform, mine);
    await expectForbidden({ authorization: `Bearer ${token}`, 'x-api-key': other.apiKey });
  });

  it(`answers 403 for a token without the ${scope} scope`, async () => {
    const { platform, orgId } = context();
    const credentials = await createApiClient(platform, orgId);
    const others = (['SendMessage', 'ReadContact', 'WriteContact'] as const).filter((s) => s !== scope);
    const token = await clientCredentialsToken(platform, credentials, others);
    await expectForbidden({ authorization: `Bearer ${token}`, 'x-api-key': credentials.apiKey });
  });
}
