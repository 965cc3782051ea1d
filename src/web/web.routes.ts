import { STATUS_CODES } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { UserView } from '../features/accounts/accounts.service.js';
import type { OAuthErrorCode } from '../features/oauth/oauth.errors.js';
import type { OAuthService } from '../features/oauth/oauth.service.js';
import { registeredErrors } from '../platform/http/errors.js';
import { toAppError } from '../platform/http/renderer.js';
import type { Failure } from '../platform/outcome.js';
import {
  type ClientFormValues,
  renderApiConnectPage,
  renderClientPage,
  renderCreatedPage,
  renderErrorPage,
  renderHomePage,
  renderLoginPage,
  renderSecretRenewedPage,
} from './pages.js';
import {
  checkCsrf,
  checkLoginCsrf,
  clearLoginCsrfCookie,
  clearSessionCookie,
  formField,
  loginCsrfToken,
  readSession,
  redirectToLogin,
  safeReturnTo,
  sessionIdOf,
  setSessionCookie,
  type WebSession,
} from './session.js';

export { renderConsentPage, renderErrorPage } from './pages.js';
export { checkCsrf, readSession, redirectToLogin, SESSION_COOKIE, safeReturnTo } from './session.js';

export interface WebAppOptions {
  oauth: OAuthService;
  config: Config;
}

const API_CONNECT = '/integrations/api-connect';
/** One message for every failed sign-in, so the page never tells whether an email has an account. */
const INVALID_LOGIN = 'Email or password is incorrect';
const EXPIRED_FORM = 'This form has expired or did not come from this site. Go back, reload the page and try again.';

/** Notices after a redirect, by a fixed key: nothing from the query string is ever echoed. */
const NOTICES: Record<string, string> = {
  deleted: 'The API client was deleted. Its tokens and API key no longer work.',
  client_credentials_on: 'The client credentials grant is now on.',
  client_credentials_off: 'The client credentials grant is now off.',
};

/**
 * Security headers of every web page (OWASP Secure Headers): no framing (clickjacking), no inline script or
 * foreign resources, forms post only to this site, no Referer leaking paths, nothing cached (pages show
 * secrets and CSRF tokens).
 *
 * `formActionOrigins`: browsers (Chrome) apply `form-action` to the redirects that follow a form post, so a
 * page whose form ends in a redirect to another origin — the OAuth consent page, answered with a 303 to the
 * client's callback — must list that origin here.
 */
export function setPageSecurityHeaders(reply: FastifyReply, options: { formActionOrigins?: string[] } = {}): void {
  const formAction = ["'self'", ...(options.formActionOrigins ?? [])].join(' ');
  reply.headers({
    'content-security-policy': `default-src 'self'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
}

function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

function canManageApi(user: UserView): boolean {
  return user.role === 'admin' || user.role === 'manager';
}

function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The callback URLs of the textarea: one per line, blank lines ignored. */
function parseRedirectUris(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** A validation failure as one sentence: the rule, plus the detail (such as the refused URL) when there is one. */
function failureMessage(failure: Failure<OAuthErrorCode>): string {
  const rule = registeredErrors().get(failure.code)?.message ?? 'The request is invalid';
  if (!failure.message || failure.message === rule) return rule;
  return `${rule}. ${failure.message}.`;
}

/**
 * The web app (CONTRACT.md §1–§2): sign-in, the home page, and Integrations → API Connect where admins and
 * managers create and manage API clients. Server-rendered HTML forms; no JavaScript. See README.md.
 * Registered in its own encapsulated context: its cookie parser, error pages and security headers stay here.
 */
export async function registerWebApp(app: FastifyInstance, options: WebAppOptions): Promise<void> {
  await app.register(async (web) => webApp(web, options));
}

async function webApp(web: FastifyInstance, { oauth, config }: WebAppOptions): Promise<void> {
  const secure = config.secureCookies;
  const scopePrefix = config.scopePrefix;
  // Web pages are outside the API guard (they authenticate by session cookie).
  const routeConfig = { public: true };

  if (!web.hasDecorator('parseCookie')) await web.register(fastifyCookie);

  web.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) setPageSecurityHeaders(reply);
    return payload;
  });

  web.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'web request failed');
    else request.log.info({ code: appError.code }, 'web request refused');
    const message =
      appError.status >= 500 && appError.status !== 503
        ? 'Something went wrong on our side. Please try again.'
        : appError.message;
    return sendPage(reply, appError.status, renderErrorPage(STATUS_CODES[appError.status] ?? 'Error', message));
  });

  const forbidden = (reply: FastifyReply, session: WebSession | undefined, message: string) =>
    sendPage(reply, 403, renderErrorPage('Forbidden', message, session));
  const notFound = (reply: FastifyReply, session: WebSession) =>
    sendPage(reply, 404, renderErrorPage('Not found', 'There is no such API client in your organisation.', session));

  /**
   * The session of a protected request, or null once the answer is sent: not signed in → 303 to sign-in;
   * a form without the session's CSRF token → 403; `apiConnect` pages need an admin or a manager → 403.
   */
  async function guard(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { form: boolean; apiConnect: boolean },
  ): Promise<WebSession | null> {
    const session = await readSession(request, oauth);
    if (!session) {
      // After signing in, a form post cannot be replayed: come back to the page it was on.
      redirectToLogin(reply, options.form ? API_CONNECT : request.url);
      return null;
    }
    if (options.form && !checkCsrf(request, session.csrfToken)) {
      forbidden(reply, session, EXPIRED_FORM);
      return null;
    }
    if (options.apiConnect && !canManageApi(session.user)) {
      forbidden(reply, session, 'API Connect is for admins and managers of your organisation.');
      return null;
    }
    return session;
  }

  const page = { form: false, apiConnect: true };
  const form = { form: true, apiConnect: true };

  web.get('/', { config: routeConfig }, async (request, reply) => {
    const session = await readSession(request, oauth);
    if (!session) return reply.code(303).header('location', '/login').send();
    return sendPage(reply, 200, renderHomePage(session));
  });

  // --- Sign-in -------------------------------------------------------------------------------------------

  web.get('/login', { config: routeConfig }, async (request, reply) => {
    const returnTo = safeReturnTo(queryParam(request, 'return_to'));
    if (await readSession(request, oauth)) return reply.code(303).header('location', returnTo).send();
    const csrfToken = loginCsrfToken(request, reply, secure);
    return sendPage(reply, 200, renderLoginPage({ email: '', returnTo, csrfToken }));
  });

  web.post('/login', { config: routeConfig }, async (request, reply) => {
    const returnTo = safeReturnTo(formField(request, 'return_to'));
    const email = formField(request, 'email').trim();
    const password = formField(request, 'password');
    const again = (status: number, error: string) =>
      sendPage(
        reply,
        status,
        renderLoginPage({ email, returnTo, csrfToken: loginCsrfToken(request, reply, secure), error }),
      );

    if (!checkLoginCsrf(request)) return again(403, EXPIRED_FORM);
    if (email === '' || password === '') return again(401, INVALID_LOGIN);

    const outcome = await oauth.login(email, password, request.ip);
    if (!outcome.ok) {
      if (outcome.code === 'oauth.too_many_attempts') return again(429, failureMessage(outcome));
      return again(401, INVALID_LOGIN);
    }
    // A session id known before sign-in is never kept (session fixation, OWASP Session Management).
    await oauth.logout(sessionIdOf(request));
    setSessionCookie(reply, outcome.value.sessionId, secure);
    clearLoginCsrfCookie(reply, secure);
    return reply.code(303).header('location', returnTo).send();
  });

  web.post('/logout', { config: routeConfig }, async (request, reply) => {
    const session = await readSession(request, oauth);
    if (session) {
      if (!checkCsrf(request, session.csrfToken)) return forbidden(reply, session, EXPIRED_FORM);
      await oauth.logout(sessionIdOf(request));
    }
    clearSessionCookie(reply, secure);
    return reply.code(303).header('location', '/login').send();
  });

  // --- Integrations → API Connect ------------------------------------------------------------------------

  web.get(API_CONNECT, { config: routeConfig }, async (request, reply) => {
    const session = await guard(request, reply, page);
    if (!session) return reply;
    const clients = await oauth.listClients(session.user.org_id);
    const notice = NOTICES[queryParam(request, 'done') ?? ''];
    return sendPage(reply, 200, renderApiConnectPage({ session, clients, notice }));
  });

  web.post(`${API_CONNECT}/clients`, { config: routeConfig }, async (request, reply) => {
    const session = await guard(request, reply, form);
    if (!session) return reply;
    const values: ClientFormValues = {
      name: formField(request, 'name'),
      redirectUris: formField(request, 'redirect_uris'),
      clientCredentials: formField(request, 'client_credentials') !== '',
    };
    const created = await oauth.createClient({
      orgId: session.user.org_id,
      name: values.name,
      redirectUris: parseRedirectUris(values.redirectUris),
      clientCredentials: values.clientCredentials,
      createdBy: session.user.id,
    });
    if (!created.ok) {
      const clients = await oauth.listClients(session.user.org_id);
      return sendPage(
        reply,
        400,
        renderApiConnectPage({ session, clients, form: values, error: failureMessage(created) }),
      );
    }
    return sendPage(
      reply,
      200,
      renderCreatedPage({ session, issued: created.value, authorizer: oauth.authorizerCredentials(), scopePrefix }),
    );
  });

  web.get<{ Params: { clientId: string } }>(
    `${API_CONNECT}/clients/:clientId`,
    { config: routeConfig },
    async (request, reply) => {
      const session = await guard(request, reply, page);
      if (!session) return reply;
      const client = await oauth.getClient(session.user.org_id, request.params.clientId);
      if (!client.ok) return notFound(reply, session);
      const notice = NOTICES[queryParam(request, 'done') ?? ''];
      return sendPage(
        reply,
        200,
        renderClientPage({
          session,
          client: client.value,
          authorizer: oauth.authorizerCredentials(),
          scopePrefix,
          notice,
        }),
      );
    },
  );

  web.post<{ Params: { clientId: string } }>(
    `${API_CONNECT}/clients/:clientId/renew-secret`,
    { config: routeConfig },
    async (request, reply) => {
      const session = await guard(request, reply, form);
      if (!session) return reply;
      const orgId = session.user.org_id;
      const client = await oauth.getClient(orgId, request.params.clientId);
      if (!client.ok) return notFound(reply, session);
      const renewed = await oauth.renewSecret(orgId, client.value.clientId);
      if (!renewed.ok) return notFound(reply, session);
      return sendPage(
        reply,
        200,
        renderSecretRenewedPage({ session, client: client.value, clientSecret: renewed.value.clientSecret }),
      );
    },
  );

  web.post<{ Params: { clientId: string } }>(
    `${API_CONNECT}/clients/:clientId/client-credentials`,
    { config: routeConfig },
    async (request, reply) => {
      const session = await guard(request, reply, form);
      if (!session) return reply;
      const enabled = formField(request, 'enabled');
      if (enabled !== 'true' && enabled !== 'false') {
        return sendPage(reply, 400, renderErrorPage('Bad request', '"enabled" must be true or false.', session));
      }
      const updated = await oauth.setClientCredentials(
        session.user.org_id,
        request.params.clientId,
        enabled === 'true',
      );
      if (!updated.ok) return notFound(reply, session);
      const done = enabled === 'true' ? 'client_credentials_on' : 'client_credentials_off';
      return reply
        .code(303)
        .header('location', `${API_CONNECT}/clients/${encodeURIComponent(updated.value.clientId)}?done=${done}`)
        .send();
    },
  );

  web.post<{ Params: { clientId: string } }>(
    `${API_CONNECT}/clients/:clientId/delete`,
    { config: routeConfig },
    async (request, reply) => {
      const session = await guard(request, reply, form);
      if (!session) return reply;
      const deleted = await oauth.deleteClient(session.user.org_id, request.params.clientId);
      if (!deleted.ok) return notFound(reply, session);
      return reply.code(303).header('location', `${API_CONNECT}?done=deleted`).send();
    },
  );
}
