import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationServer } from '../features/oauth/authorization-server.js';
import type { OAuthService } from '../features/oauth/oauth.service.js';
import { renderConsentPage, renderErrorPage } from './pages.js';
import { checkCsrf, readSession, redirectToLogin } from './session.js';
import { setPageSecurityHeaders } from './web.routes.js';

/** The authorization request's own parameters, carried from the query through the consent form. */
const REQUEST_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
] as const;

function parametersOf(source: unknown): Record<string, string> {
  const values = (source && typeof source === 'object' ? source : {}) as Record<string, unknown>;
  const picked: Record<string, string> = {};
  for (const name of REQUEST_PARAMETERS) {
    if (typeof values[name] === 'string') picked[name] = values[name] as string;
  }
  return picked;
}

/**
 * The authorization endpoint (RFC 6749 §3.1) at `/oauth2/authorize/` (and without the slash): sign in, see
 * which app asks for which scopes, approve or deny; a remembered approval skips the question. A bad
 * client_id or redirect_uri is shown as a page and never redirected (§4.1.2.1); every other error goes back
 * to the client's callback. Only people of the client's own organisation may authorise it.
 */
export function registerAuthorizeRoutes(
  app: FastifyInstance,
  deps: { oauth: OAuthService; server: AuthorizationServer; scopePrefix: string },
): void {
  const { oauth, server } = deps;

  const page = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').send(body);

  async function handle(request: FastifyRequest, reply: FastifyReply, parameters: Record<string, string>) {
    const check = await server.checkAuthorizationRequest(parameters);
    if (!check.ok) {
      setPageSecurityHeaders(reply);
      return page(reply, 400, renderErrorPage('This app’s sign-in link is not valid', check.message));
    }
    setPageSecurityHeaders(reply, { formActionOrigins: [new URL(check.redirectUri).origin] });

    const session = await readSession(request, oauth);
    if (!session) {
      return redirectToLogin(reply, `/oauth2/authorize/?${new URLSearchParams(parameters).toString()}`);
    }
    if (session.user.org_id !== check.client.orgId) {
      return page(
        reply,
        403,
        renderErrorPage('Not your organisation’s app', 'This app belongs to another organisation.'),
      );
    }
    const user = { id: session.user.id, orgId: session.user.org_id };
    const query = { ...parameters, redirect_uri: check.redirectUri };

    if (request.method === 'POST') {
      if (!checkCsrf(request, session.csrfToken)) {
        return page(reply, 403, renderErrorPage('This form has expired', 'Go back, reload the page and try again.'));
      }
      const approved = (request.body as Record<string, unknown>).decision === 'approve';
      if (approved) await oauth.saveApproval(user.id, check.client.id, check.scopes);
      const { location } = await server.authorize({ query, user, approved });
      return reply.code(303).header('location', location).send();
    }

    if (check.answerAtOnce || (await oauth.hasApproval(user.id, check.client.id, check.scopes))) {
      const { location } = await server.authorize({ query, user, approved: true });
      return reply.code(302).header('location', location).send();
    }
    const client = await oauth.getClient(check.client.orgId, check.client.id);
    return page(
      reply,
      200,
      renderConsentPage({
        appName: client.ok ? client.value.name : check.client.id,
        scopes: check.scopes,
        userEmail: session.user.email,
        csrfToken: session.csrfToken,
        action: '/oauth2/authorize/',
        hiddenFields: query,
        scopePrefix: deps.scopePrefix,
        redirectUri: check.redirectUri,
      }),
    );
  }

  for (const url of ['/oauth2/authorize', '/oauth2/authorize/']) {
    app.get(url, { config: { public: true } }, (request, reply) => handle(request, reply, parametersOf(request.query)));
    app.post(url, { config: { public: true } }, (request, reply) => handle(request, reply, parametersOf(request.body)));
  }
}
