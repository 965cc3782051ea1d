import { randomBytes } from 'node:crypto';
import OAuth2Server, {
  type AuthorizationCode,
  type AuthorizationCodeModel,
  type Client,
  type ClientCredentialsModel,
  OAuthError,
  type RefreshToken,
  type RefreshTokenModel,
  Request,
  Response,
  type Token,
  type User,
} from '@node-oauth/oauth2-server';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { ACCESS_TOKEN_TTL_SECONDS, type KeyStore } from './keys.js';
import { createOAuthRepository } from './oauth.repository.js';
import { hashesMatch, isAllowedRedirectUri, newSecret, sha256 } from './oauth.service.js';

/**
 * The OAuth 2.0 grants (RFC 6749) on @node-oauth/oauth2-server: authorization_code with PKCE (RFC 7636),
 * refresh_token with rotation, client_credentials for clients that have it enabled. The library parses and
 * validates the protocol; this file is its storage model plus our rules:
 *  - confidential clients only: the token endpoint always requires client authentication (basic or post);
 *  - a code is single-use, and a replayed code revokes the tokens it produced (RFC 6749 §4.1.2);
 *  - refresh tokens rotate, and presenting a rotated one revokes its whole family (OAuth 2.0 Security BCP §4.14);
 *  - expiry is judged by our clock, so tests move time instead of sleeping.
 */
const AUTHORIZATION_CODE_TTL_MS = 10 * 60 * 1000;
/** Far-future date handed to the library for values whose expiry we already judged with our clock. */
const CHECKED = new Date(8.64e15);

interface OurUser extends User {
  id: string;
  orgId: string;
  /** The refresh-token family (grant) the tokens being issued belong to. */
  familyId: string;
}

interface OurClient extends Client {
  orgId: string;
}

export interface OAuthAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export interface AuthorizeInput {
  query: Record<string, string>;
  user: { id: string; orgId: string };
  approved: boolean;
}

export function createAuthorizationServer(deps: {
  database: Database;
  clock: Clock;
  keys: KeyStore;
  refreshTokenTtlSeconds: number;
  knownScopes: string[];
}) {
  const { database, clock, keys, refreshTokenTtlSeconds, knownScopes } = deps;
  const repository = createOAuthRepository();
  const now = () => clock.now();

  const model: AuthorizationCodeModel & RefreshTokenModel & ClientCredentialsModel = {
    async getClient(clientId: string, clientSecret: string | null) {
      const row = await repository.findClient(database.db, clientId);
      if (!row) return false;
      if (clientSecret !== null && clientSecret !== undefined && !hashesMatch(clientSecret, row.secret_hash)) {
        return false;
      }
      const grants = ['authorization_code', 'refresh_token'];
      if (row.client_credentials === 1) grants.push('client_credentials');
      const client: OurClient = {
        id: row.id,
        orgId: row.org_id,
        redirectUris: JSON.parse(row.redirect_uris) as string[],
        grants,
        scopes: JSON.parse(row.scopes) as string[],
      };
      return client;
    },

    async validateScope(_user: User, client: Client, scope?: string[]) {
      const allowed = (client.scopes as string[] | undefined) ?? knownScopes;
      if (!scope || scope.length === 0) return allowed;
      return scope.every((s) => allowed.includes(s)) ? scope : false;
    },

    async generateAccessToken(client: Client, user: User, scope: string[]) {
      const ours = user as OurUser;
      return keys.sign(
        { sub: ours.id, org_id: ours.orgId, client_id: client.id, scope: scope.join(' '), gid: ours.familyId },
        newId(now()),
      );
    },

    async generateRefreshToken() {
      return newSecret();
    },

    async generateAuthorizationCode() {
      return randomBytes(32).toString('base64url');
    },

    async saveAuthorizationCode(code, client, user) {
      const ours = user as OurUser;
      await repository.insertCode(database.db, {
        code_hash: sha256(code.authorizationCode),
        client_id: client.id,
        org_id: ours.orgId,
        user_id: ours.id,
        family_id: newId(now()),
        redirect_uri: code.redirectUri,
        scope: (code.scope ?? []).join(' '),
        code_challenge: code.codeChallenge ?? null,
        code_challenge_method: code.codeChallengeMethod ?? null,
        expires_at: now() + AUTHORIZATION_CODE_TTL_MS,
        used_at: null,
        created_at: now(),
      });
      return { ...code, client, user };
    },

    async getAuthorizationCode(code: string) {
      const row = await repository.findCode(database.db, sha256(code));
      if (!row) return false;
      if (row.used_at !== null) {
        await repository.revokeFamily(database.db, row.family_id, now());
        return false;
      }
      if (row.expires_at <= now()) return false;
      const user: OurUser = { id: row.user_id, orgId: row.org_id, familyId: row.family_id };
      const authorizationCode: AuthorizationCode = {
        authorizationCode: code,
        expiresAt: CHECKED,
        redirectUri: row.redirect_uri,
        scope: row.scope ? row.scope.split(' ') : [],
        client: { id: row.client_id, grants: [] },
        user,
        ...(row.code_challenge
          ? { codeChallenge: row.code_challenge, codeChallengeMethod: row.code_challenge_method ?? 'plain' }
          : {}),
      };
      return authorizationCode;
    },

    async revokeAuthorizationCode(code: AuthorizationCode) {
      return repository.markCodeUsed(database.db, sha256(code.authorizationCode), now());
    },

    async saveToken(token: Token, client: Client, user: User) {
      const ours = user as OurUser;
      if (token.refreshToken) {
        await repository.insertRefreshToken(database.db, {
          token_hash: sha256(token.refreshToken),
          family_id: ours.familyId,
          client_id: client.id,
          org_id: ours.orgId,
          user_id: ours.id === client.id ? null : ours.id,
          scope: (token.scope ?? []).join(' '),
          expires_at: now() + refreshTokenTtlSeconds * 1000,
          rotated_at: null,
          revoked_at: null,
          created_at: now(),
        });
      }
      return { ...token, client, user };
    },

    async getRefreshToken(refreshToken: string) {
      const row = await repository.findRefreshToken(database.db, sha256(refreshToken));
      if (!row || row.revoked_at !== null || row.expires_at <= now()) return false;
      if (row.rotated_at !== null) {
        // A rotated token presented again: it was stolen or replayed. Revoke every token of the grant.
        await repository.revokeFamily(database.db, row.family_id, now());
        return false;
      }
      const user: OurUser = { id: row.user_id ?? row.client_id, orgId: row.org_id, familyId: row.family_id };
      const token: RefreshToken = {
        refreshToken,
        scope: row.scope ? row.scope.split(' ') : [],
        client: { id: row.client_id, grants: [] },
        user,
      };
      return token;
    },

    async revokeToken(token: RefreshToken) {
      return repository.markRefreshTokenRotated(database.db, sha256(token.refreshToken), now());
    },

    async getUserFromClient(client: Client) {
      const ours = client as OurClient;
      const user: OurUser = { id: ours.id, orgId: ours.orgId, familyId: newId(now()) };
      return user;
    },

    async getAccessToken() {
      // Access tokens are verified by the API guard from their signature; the library never asks.
      return false;
    },
  };

  const server = new OAuth2Server({
    model,
    accessTokenLifetime: ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenLifetime: refreshTokenTtlSeconds,
    authorizationCodeLifetime: AUTHORIZATION_CODE_TTL_MS / 1000,
    allowEmptyState: true,
    alwaysIssueNewRefreshToken: true,
  });

  function answerOf(response: Response, fallbackStatus: number): OAuthAnswer {
    return {
      status: response.status ?? fallbackStatus,
      headers: { ...(response.headers as Record<string, string>) },
      body: (response.body ?? {}) as Record<string, unknown>,
    };
  }

  /** RFC 6749 §5.2: invalid_client is a 401 with a Basic challenge (always, for simplicity of clients). */
  function errorAnswer(error: unknown, response: Response): OAuthAnswer {
    if (error instanceof OAuthError) {
      const headers = { ...(response.headers as Record<string, string>) };
      const invalidClient = error.name === 'invalid_client';
      if (invalidClient) headers['www-authenticate'] = 'Basic realm="Service"';
      return {
        status: invalidClient ? 401 : error.code,
        headers: { ...headers, 'cache-control': 'no-store' },
        body: { error: error.name, error_description: error.message },
      };
    }
    throw error;
  }

  return {
    /** The token endpoint (RFC 6749 §3.2): every grant, answered as RFC 6749 §5.1/§5.2 JSON. */
    async token(input: {
      method: string;
      headers: Record<string, string | undefined>;
      query: Record<string, string>;
      body: Record<string, string>;
    }): Promise<OAuthAnswer> {
      const response = new Response();
      const credentials = clientCredentialsOf(input.headers, input.body);
      if (!credentials) {
        return {
          status: 401,
          headers: { 'www-authenticate': 'Basic realm="Service"', 'cache-control': 'no-store' },
          body: { error: 'invalid_client', error_description: 'Client authentication is required' },
        };
      }
      try {
        // The decoded credentials go to the library as client_secret_post: its own Basic parser skips the
        // form-decoding of RFC 6749 §2.3.1 that standard clients apply (openid-client escapes "-" and "_").
        const { authorization: _basic, ...headers } = input.headers;
        const body = { ...input.body, client_id: credentials.clientId, client_secret: credentials.secret };
        await server.token(new Request({ ...input, headers: headers as Record<string, string>, body }), response);
        const answer = answerOf(response, 200);
        // The library derives expires_in from the wall clock and can say 3599; the JWT lives exactly this long.
        if (answer.body.access_token) answer.body.expires_in = ACCESS_TOKEN_TTL_SECONDS;
        return answer;
      } catch (error) {
        return errorAnswer(error, response);
      }
    },

    /**
     * Finishes an authorization request the user approved or denied: a redirect to the client's callback with
     * `code` (or `error=access_denied`) and `state`. The caller has already checked client_id and redirect_uri.
     */
    async authorize(input: AuthorizeInput): Promise<{ location: string }> {
      const response = new Response();
      const query = { ...input.query, allowed: input.approved ? 'true' : 'false' };
      const request = new Request({ method: 'GET', headers: {}, query, body: {} });
      const user: OurUser = { id: input.user.id, orgId: input.user.orgId, familyId: '' };
      try {
        await server.authorize(request, response, { authenticateHandler: { handle: async () => user } });
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
      }
      const location = (response.headers as Record<string, string>).location;
      if (!location) throw new Error('authorization produced no redirect');
      return { location };
    },

    /**
     * RFC 7009 revocation. A refresh token revokes its family; an access token revokes the refresh tokens of
     * its grant (the JWT itself stays valid until it expires, at most an hour). Unknown tokens answer 200 too.
     */
    async revoke(input: {
      headers: Record<string, string | undefined>;
      body: Record<string, string>;
    }): Promise<OAuthAnswer> {
      const client = await authenticateClient(input.headers, input.body);
      if (!client) {
        return {
          status: 401,
          headers: { 'www-authenticate': 'Basic realm="Service"' },
          body: { error: 'invalid_client', error_description: 'Client authentication failed' },
        };
      }
      const token = input.body.token;
      if (!token) {
        return {
          status: 400,
          headers: {},
          body: { error: 'invalid_request', error_description: 'Missing parameter: `token`' },
        };
      }
      const refresh = await repository.findRefreshToken(database.db, sha256(token));
      if (refresh && refresh.client_id === client.id) {
        await repository.revokeFamily(database.db, refresh.family_id, now());
      } else {
        const access = await keys.verify(token);
        if (access && access.client_id === client.id && access.gid) {
          await repository.revokeFamily(database.db, access.gid, now());
        }
      }
      return { status: 200, headers: {}, body: {} };
    },

    /**
     * Checks client_id and redirect_uri before anything else of an authorization request. When either is
     * wrong the user must see an error page and never be redirected (RFC 6749 §4.1.2.1).
     */
    async checkAuthorizationRequest(
      query: Record<string, string>,
    ): Promise<
      | { ok: true; client: OurClient; redirectUri: string; scopes: string[]; answerAtOnce: boolean }
      | { ok: false; message: string }
    > {
      const client = query.client_id
        ? ((await model.getClient(query.client_id, null as unknown as string)) as OurClient | false)
        : false;
      if (!client) return { ok: false, message: 'Unknown client_id' };
      const redirectUris = client.redirectUris as string[];
      const redirectUri = query.redirect_uri ?? (redirectUris.length === 1 ? redirectUris[0] : undefined);
      if (!redirectUri || !redirectUris.includes(redirectUri) || !isAllowedRedirectUri(redirectUri)) {
        return { ok: false, message: 'The redirect_uri is missing or not registered for this client' };
      }
      const requested = (query.scope ?? '').split(' ').filter(Boolean);
      const allowed = (client.scopes as string[]) ?? knownScopes;
      // A wrong response_type or scope is answered by redirecting with the error (RFC 6749 §4.1.2.1), before
      // asking the user anything.
      const answerAtOnce = query.response_type !== 'code' || !requested.every((scope) => allowed.includes(scope));
      return { ok: true, client, redirectUri, scopes: requested.length > 0 ? requested : allowed, answerAtOnce };
    },
  };

  async function authenticateClient(headers: Record<string, string | undefined>, body: Record<string, string>) {
    const credentials = clientCredentialsOf(headers, body);
    if (!credentials) return null;
    return (await model.getClient(credentials.clientId, credentials.secret)) || null;
  }
}

/**
 * Client credentials from HTTP Basic (each part form-urlencoded before base64, RFC 6749 §2.3.1) or from the
 * form body (client_secret_post); null when the client did not authenticate.
 */
export function clientCredentialsOf(
  headers: Record<string, string | undefined>,
  body: Record<string, string>,
): { clientId: string; secret: string } | null {
  const basic = /^basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 0) return null;
    const formDecode = (part: string) => {
      try {
        return decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        return part;
      }
    };
    return { clientId: formDecode(decoded.slice(0, separator)), secret: formDecode(decoded.slice(separator + 1)) };
  }
  if (typeof body.client_id === 'string' && typeof body.client_secret === 'string' && body.client_secret !== '') {
    return { clientId: body.client_id, secret: body.client_secret };
  }
  return null;
}

export type AuthorizationServer = ReturnType<typeof createAuthorizationServer>;
