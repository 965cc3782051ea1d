import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserView } from '../features/accounts/accounts.service.js';
import type { OAuthService } from '../features/oauth/oauth.service.js';

/**
 * Sign-in sessions, cookies and CSRF protection of the web pages.
 *  - The session cookie holds a random id; the server keeps only its hash (features/oauth). HttpOnly, Path=/,
 *    SameSite=Lax (so a client app's redirect to /oauth2/authorize arrives signed in), Secure when configured.
 *  - Every form of a signed-in page carries the session's CSRF token (synchronizer token pattern, OWASP CSRF
 *    Prevention Cheat Sheet); SameSite=Lax alone would not cover older browsers or same-site attackers.
 *  - The sign-in form, having no session yet, is protected by a double-submit token: a random value in a
 *    SameSite=Strict cookie scoped to /login and the same value in the form ("login CSRF").
 */
export const SESSION_COOKIE = 'stratus_session';
export const LOGIN_CSRF_COOKIE = 'stratus_login_csrf';
/** Name of the hidden form field holding the CSRF token. */
export const CSRF_FIELD = 'csrf_token';

export interface WebSession {
  user: UserView;
  csrfToken: string;
}

/** Cookies of the request: from @fastify/cookie when it ran in this context, else parsed from the header. */
export function requestCookies(request: FastifyRequest): Record<string, string | undefined> {
  const parsed = (request as { cookies?: Record<string, string | undefined> }).cookies;
  if (parsed) return parsed;
  const header = request.headers.cookie;
  return header ? fastifyCookie.parse(header) : {};
}

export function sessionIdOf(request: FastifyRequest): string | undefined {
  const value = requestCookies(request)[SESSION_COOKIE];
  return value ? value : undefined;
}

/** The signed-in user and the session's CSRF token, or null when there is no valid session. */
export async function readSession(request: FastifyRequest, oauth: OAuthService): Promise<WebSession | null> {
  return oauth.session(sessionIdOf(request));
}

/** A form field of a url-encoded body; a missing or repeated field reads as ''. */
export function formField(request: FastifyRequest, name: string): string {
  const body = request.body;
  if (!body || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/** Compares two strings in time independent of where they differ (hashing first makes the lengths equal). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

/** Whether the request's form carries `csrfToken` in its `csrf_token` field (compared in constant time). */
export function checkCsrf(request: FastifyRequest, csrfToken: string): boolean {
  const sent = formField(request, CSRF_FIELD);
  return sent !== '' && csrfToken !== '' && constantTimeEqual(sent, csrfToken);
}

function cookieOptions(secure: boolean, path = '/') {
  return { httpOnly: true, sameSite: 'lax' as const, path, secure };
}

/** Sets a cookie without needing @fastify/cookie in the caller's context. */
function appendCookie(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  reply.header('set-cookie', [...list, cookie]);
}

/**
 * The session cookie: no Max-Age, so it ends with the browser session; the server ends it after its own
 * lifetime regardless (features/oauth SESSION_TTL_MS).
 */
export function setSessionCookie(reply: FastifyReply, sessionId: string, secure: boolean): void {
  appendCookie(reply, fastifyCookie.serialize(SESSION_COOKIE, sessionId, cookieOptions(secure)));
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  appendCookie(
    reply,
    fastifyCookie.serialize(SESSION_COOKIE, '', { ...cookieOptions(secure), maxAge: 0, expires: new Date(0) }),
  );
}

const LOGIN_CSRF_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The sign-in form's token: the one already in the browser's cookie, or a new one set now. */
export function loginCsrfToken(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = requestCookies(request)[LOGIN_CSRF_COOKIE];
  if (existing && LOGIN_CSRF_PATTERN.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  appendCookie(
    reply,
    fastifyCookie.serialize(LOGIN_CSRF_COOKIE, token, { ...cookieOptions(secure, '/login'), sameSite: 'strict' }),
  );
  return token;
}

/** Whether the sign-in form's token matches its cookie (double submit). */
export function checkLoginCsrf(request: FastifyRequest): boolean {
  const cookie = requestCookies(request)[LOGIN_CSRF_COOKIE];
  return cookie !== undefined && LOGIN_CSRF_PATTERN.test(cookie) && checkCsrf(request, cookie);
}

export function clearLoginCsrfCookie(reply: FastifyReply, secure: boolean): void {
  appendCookie(
    reply,
    fastifyCookie.serialize(LOGIN_CSRF_COOKIE, '', {
      ...cookieOptions(secure, '/login'),
      sameSite: 'strict',
      maxAge: 0,
      expires: new Date(0),
    }),
  );
}

const SAFE_BASE = 'http://return-to.invalid';

/**
 * Where to go after signing in: a relative path on this site starting with a single `/`. Anything that a
 * browser could read as another origin (`//host`, `/\host`, `https:…`, control characters) falls back to `/`
 * (OWASP Unvalidated Redirects and Forwards).
 */
export function safeReturnTo(value: string | undefined): string {
  if (!value || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  try {
    const url = new URL(value, SAFE_BASE);
    const path = `${url.pathname}${url.search}`;
    // Dot segments can collapse to a scheme-relative path: `/.//evil.example` resolves to `//evil.example`.
    if (url.origin !== SAFE_BASE || path.startsWith('//')) return '/';
    return path;
  } catch {
    return '/';
  }
}

/** The sign-in page that comes back to `returnTo` afterwards. */
export function loginUrl(returnTo: string): string {
  const target = safeReturnTo(returnTo);
  return target === '/' ? '/login' : `/login?return_to=${encodeURIComponent(target)}`;
}

/** Sends a person who is not signed in to the sign-in page (303), to come back to `returnTo` afterwards. */
export function redirectToLogin(reply: FastifyReply, returnTo: string): FastifyReply {
  return reply.code(303).header('location', loginUrl(returnTo)).send();
}
