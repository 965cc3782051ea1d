import { createHash, randomBytes } from 'node:crypto';
import { StratusOAuthError } from './errors.js';

/** The Connect API's scopes (full strings, with the hosted API's default prefix). */
export const SCOPES = {
  SendMessage: 'https://com.beetexting.scopes/SendMessage',
  ReadContact: 'https://com.beetexting.scopes/ReadContact',
  WriteContact: 'https://com.beetexting.scopes/WriteContact',
} as const;

export type FetchLike = typeof fetch;

/** Tokens of an authorization: what to keep between runs of an app acting for a person. */
export interface Tokens {
  accessToken: string;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt: number;
  refreshToken?: string | undefined;
  scope?: string | undefined;
}

/** What the client needs of an authorization: a valid access token, and to forget one the server refused. */
export interface TokenSource {
  accessToken(context: TokenContext): Promise<string>;
  /** The server answered 401 with this token: drop it, so the next call gets a new one. */
  invalidate(): void;
}

export interface TokenContext {
  fetch: FetchLike;
  now: () => number;
  /** `{PUBLIC_URL}/oauth2/token/`, derived from the client's base URL unless given. */
  tokenUrl: string;
}

/** Seconds before expiry at which a token is renewed, so a call never starts with a token about to lapse. */
const DEFAULT_REFRESH_MARGIN_SECONDS = 60;

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

/**
 * A token request (RFC 6749 §4.1.3, §4.4.2, §6) with client authentication by HTTP Basic (`client_secret_basic`),
 * the id and secret form-encoded first (§2.3.1).
 */
async function requestToken(
  context: TokenContext,
  client: { clientId: string; clientSecret: string },
  form: Record<string, string>,
): Promise<Tokens> {
  const credentials = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
  const response = await context.fetch(context.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
    },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: reported below with the status.
  }
  if (response.status !== 200) {
    throw new StratusOAuthError(
      response.status,
      typeof body.error === 'string' ? body.error : `http_${response.status}`,
      typeof body.error_description === 'string' ? body.error_description : text.slice(0, 200) || undefined,
    );
  }
  const token = body as unknown as TokenResponse;
  return {
    accessToken: token.access_token,
    expiresAt: context.now() + token.expires_in * 1000,
    refreshToken: token.refresh_token,
    scope: token.scope,
  };
}

function fresh(tokens: Tokens | undefined, now: number, marginSeconds: number): boolean {
  return !!tokens && tokens.expiresAt - marginSeconds * 1000 > now;
}

export interface ClientCredentialsOptions {
  clientId: string;
  clientSecret: string;
  /** Scopes to ask for; by default the server gives every scope the client has. */
  scopes?: string[];
  refreshMarginSeconds?: number;
}

/**
 * The client credentials grant (RFC 6749 §4.4), for unattended integrations (enable it for the client in API
 * Connect). A token is fetched when needed and fetched again shortly before it expires; concurrent calls share one
 * request.
 */
export function clientCredentials(options: ClientCredentialsOptions): TokenSource {
  let tokens: Tokens | undefined;
  let pending: Promise<Tokens> | undefined;
  const margin = options.refreshMarginSeconds ?? DEFAULT_REFRESH_MARGIN_SECONDS;
  return {
    async accessToken(context) {
      if (tokens && fresh(tokens, context.now(), margin)) return tokens.accessToken;
      pending ??= requestToken(context, options, {
        grant_type: 'client_credentials',
        ...(options.scopes ? { scope: options.scopes.join(' ') } : {}),
      }).finally(() => {
        pending = undefined;
      });
      tokens = await pending;
      return tokens.accessToken;
    },
    invalidate() {
      tokens = undefined;
    },
  };
}

export interface AuthorizationCodeOptions {
  clientId: string;
  clientSecret: string;
  /** A callback URL registered for the client in API Connect. */
  redirectUri: string;
  /** Tokens kept from an earlier run (a refresh token is enough). */
  tokens?: Tokens;
  /** Called with every new set of tokens: refresh tokens rotate, so keep the latest one. */
  onTokens?: (tokens: Tokens) => void | Promise<void>;
  refreshMarginSeconds?: number;
}

/** An authorization request: send the person to `url`; keep `state` and `codeVerifier` for the callback. */
export interface AuthorizationRequest {
  url: string;
  state: string;
  codeVerifier: string;
}

export interface AuthorizationCodeSource extends TokenSource {
  /**
   * The URL of the authorization request (RFC 6749 §4.1.1) with PKCE S256 (RFC 7636): `authorizeUrl` is
   * `{PUBLIC_URL}/oauth2/authorize/`.
   */
  authorizationUrl(input: { authorizeUrl: string; scopes: string[]; state?: string }): AuthorizationRequest;
  /** Exchanges the code of the callback for tokens (§4.1.3), checking `state` when given. */
  exchangeCode(
    context: TokenContext,
    input: { callbackUrl?: string; code?: string; codeVerifier: string; expectedState?: string },
  ): Promise<Tokens>;
  /** The tokens held now, to store. */
  tokens(): Tokens | undefined;
}

/**
 * The authorization code grant (RFC 6749 §4.1) with PKCE, for apps acting for a person: build the URL, exchange
 * the code, then the access token is refreshed with the refresh token shortly before it expires (rotation: the new
 * refresh token replaces the old, and onTokens hears of it).
 */
export function authorizationCode(options: AuthorizationCodeOptions): AuthorizationCodeSource {
  let tokens = options.tokens;
  let pending: Promise<Tokens> | undefined;
  const margin = options.refreshMarginSeconds ?? DEFAULT_REFRESH_MARGIN_SECONDS;

  const keep = async (next: Tokens) => {
    tokens = { ...next, refreshToken: next.refreshToken ?? tokens?.refreshToken };
    await options.onTokens?.(tokens);
    return tokens;
  };

  return {
    authorizationUrl({ authorizeUrl, scopes, state }) {
      const codeVerifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(codeVerifier).digest('base64url');
      const chosenState = state ?? randomBytes(16).toString('base64url');
      const url = new URL(authorizeUrl);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: options.clientId,
        redirect_uri: options.redirectUri,
        scope: scopes.join(' '),
        state: chosenState,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString();
      return { url: url.toString(), state: chosenState, codeVerifier };
    },

    async exchangeCode(context, input) {
      let code = input.code;
      if (input.callbackUrl) {
        const callback = new URL(input.callbackUrl);
        const error = callback.searchParams.get('error');
        if (error) {
          throw new StratusOAuthError(400, error, callback.searchParams.get('error_description') ?? undefined);
        }
        if (input.expectedState !== undefined && callback.searchParams.get('state') !== input.expectedState) {
          throw new StratusOAuthError(400, 'state_mismatch', 'The callback’s state is not the one sent');
        }
        code = callback.searchParams.get('code') ?? undefined;
      }
      if (!code) throw new StratusOAuthError(400, 'invalid_request', 'No authorization code');
      return keep(
        await requestToken(context, options, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: options.redirectUri,
          code_verifier: input.codeVerifier,
        }),
      );
    },

    async accessToken(context) {
      if (tokens && fresh(tokens, context.now(), margin)) return tokens.accessToken;
      const refreshToken = tokens?.refreshToken;
      if (!refreshToken) throw new StratusOAuthError(401, 'no_token', 'Authorize first: no access or refresh token');
      pending ??= requestToken(context, options, { grant_type: 'refresh_token', refresh_token: refreshToken })
        .then(keep)
        .finally(() => {
          pending = undefined;
        });
      return (await pending).accessToken;
    },

    invalidate() {
      if (tokens) tokens = { ...tokens, expiresAt: 0 };
    },

    tokens: () => tokens,
  };
}
