import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { fail, type Outcome, ok } from '../../platform/outcome.js';
import type { AccountsService, UserView } from '../accounts/accounts.service.js';
import type { KeyStore, VerifiedToken } from './keys.js';
import type { OAuthErrorCode } from './oauth.errors.js';
import { type ClientRow, createOAuthRepository } from './oauth.repository.js';
import { allScopes } from './scopes.js';

export interface OAuthServiceDeps {
  database: Database;
  clock: Clock;
  accounts: AccountsService;
  keys: KeyStore;
  publicUrl: string;
  scopePrefix: string;
}

export interface ClientView {
  clientId: string;
  orgId: string;
  name: string;
  redirectUris: string[];
  scopes: string[];
  clientCredentials: boolean;
  apiKeyHint: string;
  createdAt: number;
  updatedAt: number;
}

export interface IssuedCredentials {
  client: ClientView;
  clientSecret: string;
  apiKey: string;
}

/** What the API guard needs of an API key: whose it is. */
export interface ApiKeyOwner {
  clientId: string;
  orgId: string;
}

const MAX_NAME_LENGTH = 100;
const MAX_REDIRECT_URIS = 10;
const SESSION_TTL_MS = 12 * 3600 * 1000;
/** API key lookups are cached briefly; a deleted client is dropped from this process's cache at once. */
const API_KEY_CACHE_TTL_MS = 5000;
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;
/** Sign-in throttling: failures per account and per address in a window (OWASP authentication guidance). */
const LOGIN_WINDOW_MS = 15 * 60 * 1000;
const LOGIN_FAILURES_PER_ACCOUNT = 5;
const LOGIN_FAILURES_PER_ADDRESS = 20;
const LOCALHOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Secrets and keys are 256-bit random values, so a fast hash is enough to store them (no password stretching). */
export function hashesMatch(value: string, expectedHash: string): boolean {
  const actual = Buffer.from(sha256(value), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const CLIENT_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function newClientId(): string {
  let id = '';
  for (let i = 0; i < 26; i++) id += CLIENT_ID_ALPHABET[randomInt(CLIENT_ID_ALPHABET.length)];
  return id;
}
export const newSecret = () => randomBytes(32).toString('base64url');
const newApiKey = () => `sk_${randomBytes(24).toString('base64url')}`;

/** Callback URLs: absolute https, or http on localhost; no fragment (RFC 6749 §3.1.2). */
export function isAllowedRedirectUri(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.hash !== '' || value.includes('#')) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOCALHOSTS.has(url.hostname);
}

function toView(row: ClientRow): ClientView {
  return {
    clientId: row.id,
    orgId: row.org_id,
    name: row.name,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    scopes: JSON.parse(row.scopes) as string[],
    clientCredentials: row.client_credentials === 1,
    apiKeyHint: row.api_key_hint,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A fixed-window counter per key, for sign-in throttling. In memory: per process, reset on restart. */
function createFailureCounter(windowMs: number, now: () => number) {
  const counts = new Map<string, { count: number; since: number }>();
  return {
    count(key: string): number {
      const entry = counts.get(key);
      if (!entry || now() - entry.since > windowMs) return 0;
      return entry.count;
    },
    add(key: string): void {
      const entry = counts.get(key);
      if (!entry || now() - entry.since > windowMs) counts.set(key, { count: 1, since: now() });
      else entry.count++;
      if (counts.size > 100_000) counts.delete(counts.keys().next().value as string);
    },
    clear(key: string): void {
      counts.delete(key);
    },
  };
}

/**
 * API Connect clients, the web sign-in sessions, remembered approvals, and the fast lookups of the API guard.
 * The OAuth 2.0 grants themselves are in authorization-server.ts. See README.md.
 */
export function createOAuthService(deps: OAuthServiceDeps) {
  const { database, clock, accounts, keys, publicUrl, scopePrefix } = deps;
  const repository = createOAuthRepository();
  const knownScopes = allScopes(scopePrefix);
  const apiKeyCache = new Map<string, { owner: ApiKeyOwner | null; until: number }>();
  const verifiedTokens = new Map<string, VerifiedToken>();
  const accountFailures = createFailureCounter(LOGIN_WINDOW_MS, () => clock.now());
  const addressFailures = createFailureCounter(LOGIN_WINDOW_MS, () => clock.now());

  function checkClientInput(input: { name?: string; redirectUris?: string[]; scopes?: string[] }) {
    if (input.name !== undefined) {
      const name = input.name.trim();
      if (name.length < 1 || name.length > MAX_NAME_LENGTH) return fail<OAuthErrorCode>('oauth.invalid_client_name');
    }
    if (input.redirectUris !== undefined) {
      if (input.redirectUris.length < 1 || input.redirectUris.length > MAX_REDIRECT_URIS) {
        return fail<OAuthErrorCode>('oauth.invalid_redirect_uri', `Give 1 to ${MAX_REDIRECT_URIS} callback URLs`);
      }
      const bad = input.redirectUris.find((uri) => !isAllowedRedirectUri(uri));
      if (bad !== undefined) return fail<OAuthErrorCode>('oauth.invalid_redirect_uri', `Not allowed: ${bad}`);
    }
    const unknown = input.scopes?.find((scope) => !knownScopes.includes(scope));
    if (unknown !== undefined) return fail<OAuthErrorCode>('oauth.invalid_scope', `Unknown scope: ${unknown}`);
    return null;
  }

  function forgetClient(clientId: string): void {
    for (const [key, entry] of apiKeyCache) if (entry.owner?.clientId === clientId) apiKeyCache.delete(key);
    for (const [token, claims] of verifiedTokens) if (claims.client_id === clientId) verifiedTokens.delete(token);
  }

  return {
    knownScopes,

    /** The URLs shown by "View Authorizer Credentials". */
    authorizerCredentials() {
      return {
        authUrl: `${publicUrl}/oauth2/authorize/`,
        accessTokenUrl: `${publicUrl}/oauth2/token/`,
        refreshTokenUrl: `${publicUrl}/oauth2/token/`,
      };
    },

    /** Creates an API client; the secret and API key are returned this once and stored only as hashes. */
    async createClient(input: {
      orgId: string;
      name: string;
      redirectUris: string[];
      scopes?: string[];
      clientCredentials?: boolean;
      createdBy?: string;
    }): Promise<Outcome<IssuedCredentials, OAuthErrorCode>> {
      const problem = checkClientInput(input);
      if (problem) return problem;
      const now = clock.now();
      const clientSecret = newSecret();
      const apiKey = newApiKey();
      const row: ClientRow = {
        id: newClientId(),
        org_id: input.orgId,
        name: input.name.trim(),
        redirect_uris: JSON.stringify([...new Set(input.redirectUris)]),
        scopes: JSON.stringify(input.scopes && input.scopes.length > 0 ? [...new Set(input.scopes)] : knownScopes),
        secret_hash: sha256(clientSecret),
        api_key_hash: sha256(apiKey),
        api_key_hint: apiKey.slice(-4),
        client_credentials: input.clientCredentials ? 1 : 0,
        created_by: input.createdBy ?? null,
        created_at: now,
        updated_at: now,
      };
      await repository.insertClient(database.db, row);
      return ok({ client: toView(row), clientSecret, apiKey });
    },

    async listClients(orgId: string): Promise<ClientView[]> {
      return (await repository.listClients(database.db, orgId)).map(toView);
    },

    async getClient(orgId: string, clientId: string): Promise<Outcome<ClientView, OAuthErrorCode>> {
      const row = await repository.findClientInOrg(database.db, orgId, clientId);
      return row ? ok(toView(row)) : fail('oauth.client_not_found');
    },

    /** A new secret; the old one stops working at once. */
    async renewSecret(orgId: string, clientId: string): Promise<Outcome<{ clientSecret: string }, OAuthErrorCode>> {
      const clientSecret = newSecret();
      const updated = await repository.updateClientSecret(
        database.db,
        orgId,
        clientId,
        sha256(clientSecret),
        clock.now(),
      );
      return updated ? ok({ clientSecret }) : fail('oauth.client_not_found');
    },

    async setClientCredentials(
      orgId: string,
      clientId: string,
      enabled: boolean,
    ): Promise<Outcome<ClientView, OAuthErrorCode>> {
      const updated = await repository.updateClientCredentialsGrant(database.db, orgId, clientId, enabled, clock.now());
      if (!updated) return fail('oauth.client_not_found');
      return ok(toView((await repository.findClientInOrg(database.db, orgId, clientId))!));
    },

    /** Deletes a client with its codes, refresh tokens and approvals; its API key stops working at once. */
    async deleteClient(orgId: string, clientId: string): Promise<Outcome<true, OAuthErrorCode>> {
      const deleted = await repository.deleteClient(database.db, orgId, clientId);
      if (!deleted) return fail('oauth.client_not_found');
      forgetClient(clientId);
      return ok(true);
    },

    /**
     * The owner of an API key, from a short-lived cache: one SHA-256 and a map lookup on the hot path,
     * a query at most every few seconds per key.
     */
    async findApiKeyOwner(apiKey: string): Promise<ApiKeyOwner | null> {
      // Keyed by the presented key itself, in memory only (the database holds hashes), so a hit costs no hashing.
      const cached = apiKeyCache.get(apiKey);
      if (cached && cached.until > clock.now()) return cached.owner;
      const row = await repository.findClientByApiKeyHash(database.db, sha256(apiKey));
      const owner = row ? { clientId: row.id, orgId: row.org_id } : null;
      if (apiKeyCache.size > 50_000) apiKeyCache.clear();
      apiKeyCache.set(apiKey, { owner, until: clock.now() + API_KEY_CACHE_TTL_MS });
      return owner;
    },

    /** Verifies a Bearer token; a token verified before is answered from memory until it expires. */
    async verifyAccessToken(token: string): Promise<VerifiedToken | null> {
      const cached = verifiedTokens.get(token);
      if (cached) {
        if (cached.exp * 1000 > clock.now()) return cached;
        verifiedTokens.delete(token);
      }
      const verified = await keys.verify(token);
      if (verified) {
        if (verifiedTokens.size >= VERIFIED_TOKEN_CACHE_SIZE) {
          verifiedTokens.delete(verifiedTokens.keys().next().value as string);
        }
        verifiedTokens.set(token, verified);
      }
      return verified;
    },

    /**
     * Signs a person in. Failures are throttled per account and per address; the answer never tells
     * whether the email exists.
     */
    async login(
      email: string,
      password: string,
      address: string,
    ): Promise<Outcome<{ sessionId: string; user: UserView }, OAuthErrorCode>> {
      const account = email.trim().toLowerCase();
      if (
        accountFailures.count(account) >= LOGIN_FAILURES_PER_ACCOUNT ||
        addressFailures.count(address) >= LOGIN_FAILURES_PER_ADDRESS
      ) {
        return fail('oauth.too_many_attempts');
      }
      const user = await accounts.authenticate(account, password);
      if (!user) {
        accountFailures.add(account);
        addressFailures.add(address);
        return fail('oauth.invalid_login');
      }
      accountFailures.clear(account);
      const sessionId = newSecret();
      const now = clock.now();
      await repository.insertSession(database.db, {
        id_hash: sha256(sessionId),
        user_id: user.id,
        org_id: user.org_id,
        csrf_token: newSecret(),
        expires_at: now + SESSION_TTL_MS,
        created_at: now,
      });
      return ok({ sessionId, user });
    },

    /** The signed-in user of a session cookie and the session's CSRF token, or null. */
    async session(sessionId: string | undefined): Promise<{ user: UserView; csrfToken: string } | null> {
      if (!sessionId) return null;
      const row = await repository.findSession(database.db, sha256(sessionId), clock.now());
      if (!row) return null;
      const user = await accounts.getUser(row.org_id, row.user_id);
      if (user?.active !== 1) return null;
      return { user, csrfToken: row.csrf_token };
    },

    async logout(sessionId: string | undefined): Promise<void> {
      if (sessionId) await repository.deleteSession(database.db, sha256(sessionId));
    },

    /** Whether the user approved at least these scopes for the client before (the consent page is skipped). */
    async hasApproval(userId: string, clientId: string, scopes: string[]): Promise<boolean> {
      const approval = await repository.findApproval(database.db, userId, clientId);
      if (!approval) return false;
      const approved = approval.scope.split(' ');
      return scopes.every((scope) => approved.includes(scope));
    },

    async saveApproval(userId: string, clientId: string, scopes: string[]): Promise<void> {
      await repository.saveApproval(database.db, {
        user_id: userId,
        client_id: clientId,
        scope: scopes.join(' '),
        created_at: clock.now(),
      });
    },
  };
}

export type OAuthService = ReturnType<typeof createOAuthService>;
