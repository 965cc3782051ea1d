import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Browser,
  createOrgWithUsers,
  csrfTokenOf,
  definition,
  startWebServer,
  type WebTestServer,
} from './web-harness.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const API_CONNECT = '/integrations/api-connect';

describe('Integrations → API Connect', () => {
  let server: WebTestServer;
  let org: Awaited<ReturnType<typeof createOrgWithUsers>>;
  let other: Awaited<ReturnType<typeof createOrgWithUsers>>;
  beforeAll(async () => {
    server = await startWebServer();
    org = await createOrgWithUsers(server, 'Connect Org');
    other = await createOrgWithUsers(server, 'Other Org');
  });
  afterAll(async () => server.close());

  const clientRow = (clientId: string) =>
    server.platform.container.database.db
      .selectFrom('oauth_clients')
      .selectAll()
      .where('id', '=', clientId)
      .executeTakeFirst();

  async function signedIn(role: 'admin' | 'manager' | 'agent' = 'admin', who = org) {
    const browser = new Browser(server.baseUrl);
    const csrf = await browser.signIn(who.users[role].email);
    return { browser, csrf };
  }

  async function createClient(
    browser: Browser,
    csrf: string,
    fields: { name?: string; redirect_uris?: string; client_credentials?: string } = {},
  ) {
    return browser.post(`${API_CONNECT}/clients`, {
      csrf_token: csrf,
      name: 'Zapier Bridge',
      redirect_uris: 'https://app.example.com/callback\r\n\r\nhttp://localhost:3000/cb\r\n',
      ...fields,
    });
  }

  it('shows admins and managers the page with the create form', async () => {
    for (const role of ['admin', 'manager'] as const) {
      const { browser } = await signedIn(role);
      const page = await browser.get(API_CONNECT);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Create API client');
      expect(page.body).toContain('<label for="name">Client app name</label>');
      expect(page.body).toContain('<label for="redirect_uris">Callback URLs</label>');
      expect(page.body).toContain('<label for="client_credentials">Allow client credentials grant</label>');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('refuses agents with a 403 page, for pages and forms', async () => {
    const { browser, csrf } = await signedIn('agent');
    const page = await browser.get(API_CONNECT);
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain('admins and managers');
    const created = await createClient(browser, csrf);
    expect(created.status).toBe(403);
    expect(await server.oauth.listClients(org.organization.id)).toEqual([]);
  });

  it('creates a client and shows its secret and API key once; the database keeps only hashes', async () => {
    const { browser, csrf } = await signedIn();
    const created = await createClient(browser, csrf, { client_credentials: 'true' });
    expect(created.status).toBe(200);
    expect(created.body).toContain('shown only once');
    const clientId = definition(created.body, 'Client ID');
    const secret = definition(created.body, 'Client Secret');
    const apiKey = definition(created.body, 'API Key');
    expect(secret.length).toBeGreaterThanOrEqual(43);
    expect(apiKey).toMatch(/^sk_/);
    // The authorizer credentials come with them.
    const base = server.platform.container.config.publicUrl;
    expect(definition(created.body, 'Auth URL')).toBe(`${base}/oauth2/authorize/`);
    expect(definition(created.body, 'Access Token URL')).toBe(`${base}/oauth2/token/`);
    expect(definition(created.body, 'Refresh Token URL')).toBe(`${base}/oauth2/token/`);
    expect(created.body).toContain('https://com.beetexting.scopes/SendMessage');
    expect(created.body).toContain('Send text messages and read messages');

    const row = (await clientRow(clientId))!;
    expect(row.org_id).toBe(org.organization.id);
    expect(row.name).toBe('Zapier Bridge');
    expect(JSON.parse(row.redirect_uris)).toEqual(['https://app.example.com/callback', 'http://localhost:3000/cb']);
    expect(row.client_credentials).toBe(1);
    expect(row.created_by).toBe(org.users.admin.id);
    expect(row.secret_hash).not.toBe(secret);
    expect(row.secret_hash).toBe(sha256(secret));
    expect(row.api_key_hash).not.toBe(apiKey);
    expect(row.api_key_hash).toBe(sha256(apiKey));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain(apiKey);

    // The list and the client's page show neither again.
    const list = await browser.get(API_CONNECT);
    expect(list.status).toBe(200);
    expect(list.body).toContain('Zapier Bridge');
    expect(list.body).toContain(clientId);
    expect(list.body).toContain('https://app.example.com/callback');
    expect(list.body).toContain(`…${apiKey.slice(-4)}`);
    expect(list.body).not.toContain(secret);
    expect(list.body).not.toContain(apiKey);
    const view = await browser.get(`${API_CONNECT}/clients/${clientId}`);
    expect(view.status).toBe(200);
    expect(definition(view.body, 'Client ID')).toBe(clientId);
    expect(definition(view.body, 'Auth URL')).toBe(`${base}/oauth2/authorize/`);
    expect(view.body).toContain('http://localhost:3000/cb');
    expect(view.body).not.toContain(secret);
    expect(view.body).not.toContain(apiKey);
  });

  it('creates a client without the client credentials grant when the box is not ticked', async () => {
    const { browser, csrf } = await signedIn('manager');
    const created = await createClient(browser, csrf, { name: 'No CC' });
    expect(created.status).toBe(200);
    const row = (await clientRow(definition(created.body, 'Client ID')))!;
    expect(row.client_credentials).toBe(0);
  });

  it('re-renders the form with the message and 400 for bad callback URLs and empty names', async () => {
    const { browser, csrf } = await signedIn();
    const before = (await server.oauth.listClients(org.organization.id)).length;
    const cases = [
      { redirect_uris: 'http://app.example.com/callback', expected: 'Not allowed: http://app.example.com/callback' },
      { redirect_uris: 'javascript:alert(1)', expected: 'Not allowed: javascript:alert(1)' },
      { redirect_uris: 'https://app.example.com/cb#frag', expected: 'without fragments' },
      { redirect_uris: '  \r\n ', expected: 'Give 1 to 10 callback URLs' },
      { name: '   ', expected: 'A client app name must have 1 to 100 characters' },
    ];
    for (const { expected, ...fields } of cases) {
      const response = await createClient(browser, csrf, { name: 'Kept Name', ...fields });
      expect(response.status, expected).toBe(400);
      expect(response.body, expected).toContain(expected);
      expect(response.body).toContain('role="alert"');
      expect(response.body).toContain('Create API client');
    }
    // What was typed is kept in the form.
    const kept = await createClient(browser, csrf, { name: 'Kept Name', redirect_uris: 'ftp://x.example' });
    expect(kept.body).toContain('value="Kept Name"');
    expect(kept.body).toContain('>ftp://x.example</textarea>');
    expect((await server.oauth.listClients(org.organization.id)).length).toBe(before);
  });

  it('escapes everything it shows', async () => {
    const { browser, csrf } = await signedIn();
    const name = '<script>alert("x")</script>';
    const created = await createClient(browser, csrf, { name });
    expect(created.status).toBe(200);
    expect(created.body).not.toContain(name);
    expect(created.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const list = await browser.get(API_CONNECT);
    expect(list.body).not.toContain('<script>');
    const bad = await createClient(browser, csrf, { redirect_uris: 'https://a.example/"><b>x</b>#' });
    expect(bad.status).toBe(400);
    expect(bad.body).not.toContain('<b>x</b>');
  });

  it('refuses a form without the session CSRF token with 403 and changes nothing', async () => {
    const { browser, csrf } = await signedIn();
    const before = (await server.oauth.listClients(org.organization.id)).length;
    const missing = await browser.post(`${API_CONNECT}/clients`, { name: 'X', redirect_uris: 'https://a.example/cb' });
    expect(missing.status).toBe(403);
    expect(missing.body).toContain('This form has expired');
    const wrong = await createClient(browser, `${csrf.slice(0, -1)}x`);
    expect(wrong.status).toBe(403);
    // Another session's token is no good either.
    const { csrf: otherCsrf } = await signedIn('manager');
    expect((await createClient(browser, otherCsrf)).status).toBe(403);
    expect((await server.oauth.listClients(org.organization.id)).length).toBe(before);

    const created = await createClient(browser, csrf);
    const clientId = definition(created.body, 'Client ID');
    const row = (await clientRow(clientId))!;
    for (const action of ['renew-secret', 'delete', 'client-credentials']) {
      const response = await browser.post(`${API_CONNECT}/clients/${clientId}/${action}`, { enabled: 'true' });
      expect(response.status, action).toBe(403);
    }
    expect(await clientRow(clientId)).toEqual(row);
  });

  it('sends a form posted without a session to the sign-in page', async () => {
    const response = await new Browser(server.baseUrl).post(`${API_CONNECT}/clients`, {
      name: 'X',
      redirect_uris: 'https://a.example/cb',
    });
    expect(response.status).toBe(303);
    expect(response.location).toBe('/login?return_to=%2Fintegrations%2Fapi-connect');
  });

  it('renews the secret, showing the new one once; the old hash is gone', async () => {
    const { browser, csrf } = await signedIn();
    const created = await createClient(browser, csrf);
    const clientId = definition(created.body, 'Client ID');
    const oldSecret = definition(created.body, 'Client Secret');
    const view = await browser.get(`${API_CONNECT}/clients/${clientId}`);
    const renewed = await browser.post(`${API_CONNECT}/clients/${clientId}/renew-secret`, {
      csrf_token: csrfTokenOf(view.body),
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body).toContain('shown only once');
    const newSecret = definition(renewed.body, 'Client Secret');
    expect(newSecret).not.toBe(oldSecret);
    const row = (await clientRow(clientId))!;
    expect(row.secret_hash).toBe(sha256(newSecret));
    expect((await browser.get(`${API_CONNECT}/clients/${clientId}`)).body).not.toContain(newSecret);
  });

  it('turns the client credentials grant on and off', async () => {
    const { browser, csrf } = await signedIn();
    const clientId = definition((await createClient(browser, csrf)).body, 'Client ID');
    const on = await browser.post(`${API_CONNECT}/clients/${clientId}/client-credentials`, {
      csrf_token: csrf,
      enabled: 'true',
    });
    expect(on.status).toBe(303);
    expect(on.location).toBe(`${API_CONNECT}/clients/${clientId}?done=client_credentials_on`);
    expect((await clientRow(clientId))!.client_credentials).toBe(1);
    const page = await browser.get(on.location!);
    expect(page.body).toContain('The client credentials grant is now on.');
    expect(page.body).toContain('Turn off client credentials grant');

    const off = await browser.post(`${API_CONNECT}/clients/${clientId}/client-credentials`, {
      csrf_token: csrf,
      enabled: 'false',
    });
    expect(off.status).toBe(303);
    expect((await clientRow(clientId))!.client_credentials).toBe(0);

    const bad = await browser.post(`${API_CONNECT}/clients/${clientId}/client-credentials`, {
      csrf_token: csrf,
      enabled: 'maybe',
    });
    expect(bad.status).toBe(400);
  });

  it('deletes a client', async () => {
    const { browser, csrf } = await signedIn();
    const clientId = definition((await createClient(browser, csrf, { name: 'Short Lived' })).body, 'Client ID');
    const deleted = await browser.post(`${API_CONNECT}/clients/${clientId}/delete`, { csrf_token: csrf });
    expect(deleted.status).toBe(303);
    expect(deleted.location).toBe(`${API_CONNECT}?done=deleted`);
    expect(await clientRow(clientId)).toBeUndefined();
    const list = await browser.get(deleted.location!);
    expect(list.body).toContain('The API client was deleted.');
    expect(list.body).not.toContain(clientId);
    expect((await browser.get(`${API_CONNECT}/clients/${clientId}`)).status).toBe(404);
  });

  it("answers 404 for another organisation's client and leaves it untouched", async () => {
    const theirs = await server.oauth.createClient({
      orgId: other.organization.id,
      name: 'Their App',
      redirectUris: ['https://their.example/cb'],
    });
    if (!theirs.ok) throw new Error(theirs.code);
    const clientId = theirs.value.client.clientId;
    const before = await clientRow(clientId);

    const { browser, csrf } = await signedIn();
    const view = await browser.get(`${API_CONNECT}/clients/${clientId}`);
    expect(view.status).toBe(404);
    expect(view.headers.get('content-type')).toContain('text/html');
    expect(view.body).not.toContain('Their App');
    for (const action of ['renew-secret', 'delete', 'client-credentials']) {
      const response = await browser.post(`${API_CONNECT}/clients/${clientId}/${action}`, {
        csrf_token: csrf,
        enabled: 'true',
      });
      expect(response.status, action).toBe(404);
    }
    expect(await clientRow(clientId)).toEqual(before);
    expect((await browser.get(API_CONNECT)).body).not.toContain(clientId);
    expect((await browser.get(`${API_CONNECT}/clients/does-not-exist`)).status).toBe(404);
  });
});
