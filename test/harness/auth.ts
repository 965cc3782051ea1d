import { generateKeyPair, SignJWT } from 'jose';
import { createKeyStore, resolveSecretKey } from '../../src/features/oauth/keys.js';
import { fullScope, SCOPE_NAMES, type ScopeName } from '../../src/features/oauth/scopes.js';
import type { TestPlatform } from './app.js';

/** API credentials as API Connect issues them. */
export interface ApiCredentials {
  clientId: string;
  clientSecret: string;
  apiKey: string;
}

export function scopesOf(platform: TestPlatform, names: readonly ScopeName[] = SCOPE_NAMES): string[] {
  return names.map((name) => fullScope(platform.container.config.scopePrefix, name));
}

/** A client of `orgId` with the client_credentials grant enabled. */
export async function createApiClient(
  platform: TestPlatform,
  orgId: string,
  options: { scopes?: ScopeName[]; redirectUris?: string[]; clientCredentials?: boolean } = {},
): Promise<ApiCredentials> {
  const created = await platform.container.oauth.createClient({
    orgId,
    name: 'Test Integration',
    redirectUris: options.redirectUris ?? ['http://localhost:9999/callback'],
    scopes: scopesOf(platform, options.scopes),
    clientCredentials: options.clientCredentials ?? true,
  });
  if (!created.ok) throw new Error(created.code);
  return {
    clientId: created.value.client.clientId,
    clientSecret: created.value.clientSecret,
    apiKey: created.value.apiKey,
  };
}

/** An access token by client_credentials over the real token endpoint (HTTP Basic client authentication). */
export async function clientCredentialsToken(
  platform: TestPlatform,
  credentials: ApiCredentials,
  scopes?: ScopeName[],
): Promise<string> {
  const response = await platform.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
    },
    payload: new URLSearchParams({
      grant_type: 'client_credentials',
      ...(scopes ? { scope: scopesOf(platform, scopes).join(' ') } : {}),
    }).toString(),
  });
  if (response.statusCode !== 200) throw new Error(`token endpoint answered ${response.statusCode}: ${response.body}`);
  return response.json().access_token as string;
}

/** Headers of an authenticated API call for `orgId`: a fresh client, its token and its API key. */
export async function authHeaders(
  platform: TestPlatform,
  orgId: string,
  scopes?: ScopeName[],
): Promise<{ authorization: string; 'x-api-key': string }> {
  const credentials = await createApiClient(platform, orgId);
  const token = await clientCredentialsToken(platform, credentials, scopes);
  return { authorization: `Bearer ${token}`, 'x-api-key': credentials.apiKey };
}

/** A token signed with the platform's real key but already expired (issued two hours ago). */
export async function expiredToken(platform: TestPlatform, orgId: string, clientId: string): Promise<string> {
  const { config, database } = platform.container;
  const past = { now: () => platform.container.clock.now() - 2 * 3600 * 1000 };
  const keys = createKeyStore({
    database,
    clock: past,
    encryptionKey: resolveSecretKey(config.secretKey, config.dataDir),
    issuer: config.publicUrl,
  });
  await keys.init();
  return keys.sign(
    { sub: clientId, org_id: orgId, client_id: clientId, scope: scopesOf(platform).join(' '), gid: 'x' },
    'expired',
  );
}

/** A well-formed token signed by a key the platform never issued. */
export async function foreignToken(platform: TestPlatform, orgId: string, clientId: string): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  const now = Math.floor(platform.container.clock.now() / 1000);
  return new SignJWT({ org_id: orgId, client_id: clientId, scope: scopesOf(platform).join(' '), gid: 'x' })
    .setProtectedHeader({ alg: 'ES256', kid: 'not-ours', typ: 'at+jwt' })
    .setIssuer(platform.container.config.publicUrl)
    .setSubject(clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);
}
