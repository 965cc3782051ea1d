import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/web/session.js';
import {
  Browser,
  createOrgWithUsers,
  csrfTokenOf,
  PASSWORD,
  startWebServer,
  type WebTestServer,
} from './web-harness.js';

describe('web sign-in', () => {
  let server: WebTestServer;
  let users: Awaited<ReturnType<typeof createOrgWithUsers>>['users'];
  beforeAll(async () => {
    server = await startWebServer();
    ({ users } = await createOrgWithUsers(server, 'Sign-in Org'));
  });
  afterAll(async () => server.close());

  const browser = () => new Browser(server.baseUrl);

  it('sends a visitor who is not signed in from / and from protected pages to the sign-in page', async () => {
    const b = browser();
    const home = await b.get('/');
    expect(home.status).toBe(303);
    expect(home.location).toBe('/login');
    const page = await b.get('/integrations/api-connect');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/login?return_to=%2Fintegrations%2Fapi-connect');
    const client = await b.get('/integrations/api-connect/clients/abc?x=1');
    expect(client.location).toBe(`/login?return_to=${encodeURIComponent('/integrations/api-connect/clients/abc?x=1')}`);
  });

  it('renders an accessible sign-in form carrying its CSRF token and return_to', async () => {
    const page = await browser().get('/login?return_to=%2Fintegrations%2Fapi-connect');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('<label for="email">Email</label>');
    expect(page.body).toContain('<label for="password">Password</label>');
    expect(page.body).toContain('name="return_to" value="/integrations/api-connect"');
    expect(page.body).not.toContain('<script');
    expect(csrfTokenOf(page.body)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('sets the security headers on every page', async () => {
    for (const path of ['/login', '/']) {
      const page = await browser().get(path);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("style-src 'unsafe-inline'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('signs in, sets an HttpOnly SameSite=Lax session cookie on / and redirects to return_to', async () => {
    const b = browser();
    const response = await b.login(users.admin.email.toUpperCase(), PASSWORD, '/integrations/api-connect');
    expect(response.status).toBe(303);
    expect(response.location).toBe('/integrations/api-connect');
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\/(;|$)/);
    expect(cookie).not.toMatch(/; Secure/i);
    const home = await b.get('/');
    expect(home.status).toBe(200);
    expect(home.body).toContain(users.admin.email);
    expect(home.body).toContain('href="/integrations/api-connect"');
    // Once signed in, the sign-in page sends the person on.
    const again = await b.get('/login?return_to=%2Fintegrations%2Fapi-connect');
    expect(again.status).toBe(303);
    expect(again.location).toBe('/integrations/api-connect');
  });

  it('marks the session cookie Secure when configured', async () => {
    const url = await server.startVariant({ secureCookies: true });
    const response = await new Browser(url).login(users.manager.email, PASSWORD);
    expect(response.status).toBe(303);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; HttpOnly/i);
  });

  it('keeps return_to on this site: other origins and odd forms fall back to /', async () => {
    const unsafe = [
      '//evil.example/path',
      'https://evil.example/',
      'http:evil.example',
      '/\\evil.example',
      '/.//evil.example',
      'javascript:alert(1)',
      'evil',
      '',
    ];
    for (const returnTo of unsafe) {
      const response = await browser().login(users.admin.email, PASSWORD, returnTo);
      expect(response.status, returnTo).toBe(303);
      expect(response.location, returnTo).toBe('/');
    }
    const authorize = '/oauth2/authorize/?response_type=code&client_id=abc&scope=a%20b&state=xyz';
    const kept = await browser().login(users.admin.email, PASSWORD, authorize);
    expect(kept.location).toBe(authorize);
  });

  it('answers a wrong password and an unknown email alike: 401 with one generic message', async () => {
    const wrong = await browser().login(users.admin.email, 'not the password');
    const unknown = await browser().login('nobody-here@example.com', PASSWORD);
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(response.body).toContain('Email or password is incorrect');
      expect(response.body).toContain('role="alert"');
      expect(response.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    }
    // The page is the same but for the email typed back into the form.
    const strip = (body: string) =>
      body.replace(/value="[^"]*@example\.com"/, 'value=""').replace(/name="csrf_token" value="[^"]+"/, '');
    expect(strip(wrong.body)).toBe(strip(unknown.body));
  });

  it('throttles repeated failures of one account to 429, even with the right password afterwards', async () => {
    const { users: others } = await createOrgWithUsers(server, 'Throttled Org');
    const b = browser();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await b.login(others.agent.email, `wrong password ${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const refused = await b.login(others.agent.email, PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('Too many sign-in attempts; try again later');
    expect(refused.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    // Other accounts are not affected.
    expect((await browser().login(others.manager.email, PASSWORD)).status).toBe(303);
  });

  it('refuses a sign-in form that did not come from the sign-in page (login CSRF)', async () => {
    const b = browser();
    const response = await b.post('/login', { email: users.admin.email, password: PASSWORD, csrf_token: 'forged' });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    // The answer is a fresh form: submitting it works.
    const retry = await b.post('/login', {
      email: users.admin.email,
      password: PASSWORD,
      csrf_token: csrfTokenOf(response.body),
    });
    expect(retry.status).toBe(303);
  });

  it('signs out with the CSRF token only, and the old session cookie stops working', async () => {
    const b = browser();
    const csrf = await b.signIn(users.agent.email);
    const sessionId = b.cookies.get(SESSION_COOKIE)!;
    const forged = await b.post('/logout', {});
    expect(forged.status).toBe(403);
    expect((await b.get('/')).status).toBe(200);
    const out = await b.post('/logout', { csrf_token: csrf });
    expect(out.status).toBe(303);
    expect(out.location).toBe('/login');
    expect(b.cookies.has(SESSION_COOKIE)).toBe(false);
    const replay = new Browser(server.baseUrl);
    replay.cookies.set(SESSION_COOKIE, sessionId);
    expect((await replay.get('/')).status).toBe(303);
  });

  it('shows agents a home page without API Connect', async () => {
    const b = browser();
    await b.signIn(users.agent.email);
    const home = await b.get('/');
    expect(home.body).not.toContain('href="/integrations/api-connect"');
  });
});
