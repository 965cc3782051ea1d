import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationServer, OAuthAnswer } from './authorization-server.js';
import type { KeyStore } from './keys.js';

/**
 * The authorization server's machine endpoints (CONTRACT.md §1): token (also the refresh URL), revocation
 * (RFC 7009), metadata (RFC 8414) and the JWKS. Each path answers with and without a trailing slash.
 * Errors are RFC 6749 JSON (`error`, `error_description`), never the compat shape.
 * The authorize endpoint is a page and lives with the web app (src/web/authorize.routes.ts).
 */
export function registerOAuthRoutes(
  app: FastifyInstance,
  deps: { server: AuthorizationServer; keys: KeyStore; publicUrl: string; scopes: string[] },
): void {
  const { server, keys, publicUrl } = deps;
  const config = { public: true };

  const send = (reply: FastifyReply, answer: OAuthAnswer) =>
    reply
      .code(answer.status)
      .headers({ ...answer.headers, 'cache-control': 'no-store', pragma: 'no-cache' })
      .type('application/json; charset=utf-8')
      .send(answer.body);

  const formOf = (request: FastifyRequest) =>
    (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, string>;

  for (const url of ['/oauth2/token', '/oauth2/token/']) {
    app.post(url, { config }, async (request, reply) =>
      send(
        reply,
        await server.token({
          method: 'POST',
          headers: request.headers as Record<string, string | undefined>,
          query: request.query as Record<string, string>,
          body: formOf(request),
        }),
      ),
    );
  }

  for (const url of ['/oauth2/revoke', '/oauth2/revoke/']) {
    app.post(url, { config }, async (request, reply) =>
      send(
        reply,
        await server.revoke({ headers: request.headers as Record<string, string | undefined>, body: formOf(request) }),
      ),
    );
  }

  const jwksUri = `${publicUrl}/oauth2/jwks`;
  app.get('/oauth2/jwks', { config }, async () => keys.jwks());
  app.get('/.well-known/jwks.json', { config }, async () => keys.jwks());
  app.get('/.well-known/oauth-authorization-server', { config }, async () => ({
    issuer: publicUrl,
    authorization_endpoint: `${publicUrl}/oauth2/authorize/`,
    token_endpoint: `${publicUrl}/oauth2/token/`,
    revocation_endpoint: `${publicUrl}/oauth2/revoke`,
    jwks_uri: jwksUri,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: deps.scopes,
  }));
}
