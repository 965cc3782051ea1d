import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialect } from '../harness/database.js';
import { type LiveClient, type LiveServer, startLiveServer } from '../harness/live-server.js';

/** Debian's Chromium (apt-get install chromium). Missing, the test fails: CI installs it, nothing is skipped. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Swagger UI as a newcomer uses it, in headless Chromium against `stratus serve`: open /docs, Authorize with the
 * authorization code flow and PKCE through the platform's own sign-in and consent pages (plus the API key), then
 * "Try it out" on Get Sites and on Send SMS.
 */
describe(`Swagger UI in Chromium on ${testDialect()}`, () => {
  let server: LiveServer;
  let client: LiveClient;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await startLiveServer();
    client = await server.createClient([`${server.publicUrl}/docs/oauth2-redirect.html`]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Opens an operation, presses Try it out (editing the JSON body when given), Execute, and answers the status. */
  async function tryItOut(page: Page, operationId: string, body?: unknown): Promise<{ status: string; text: string }> {
    const operation = page.locator(`[id$="-${operationId}"]`).first();
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    if (body !== undefined) await operation.locator('textarea.body-param__text').fill(JSON.stringify(body));
    await operation.locator('button.execute').click();
    const row = operation.locator('.live-responses-table .response').first();
    await row.waitFor({ timeout: 20_000 });
    const status = ((await row.locator('.response-col_status').textContent()) ?? '').trim();
    const text =
      (await operation.locator('.live-responses-table .response-col_description pre').first().textContent()) ?? '';
    return { status, text };
  }

  it('authorizes with the authorization code flow and PKCE, then tries Get Sites and Send SMS', async () => {
    // In the test, not in a hook: a missing Chromium is a failed test, never a skipped one.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext();
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    const authorizeRequests: URL[] = [];
    context.on('request', (request) => {
      if (request.url().includes('/oauth2/authorize')) authorizeRequests.push(new URL(request.url()));
    });
    const tokenRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/oauth2/token/')) tokenRequests.push(request.postData() ?? '');
    });

    await page.goto(`${server.publicUrl}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('StratusTexting Connect API');

    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();

    // The API key: typed into its own field.
    const apiKey = dialog.locator('.auth-container').filter({ has: page.locator('h4', { hasText: 'ApiKey' }) });
    await apiKey.locator('input[type=text]').fill(client.apiKey);
    await apiKey.locator('button.authorize').click();

    // OAuth 2.0, authorization code: client id and secret; the scopes are preselected (initOAuth).
    const code = dialog.locator('.auth-container').filter({ hasText: 'authorizationCode' });
    await code.locator('#client_id_authorizationCode').fill(client.clientId);
    await code.locator('#client_secret_authorizationCode').fill(client.clientSecret);
    const [popup] = await Promise.all([context.waitForEvent('page'), code.locator('button.authorize').click()]);

    // The platform's sign-in page, then its consent page, in the window Swagger UI opened.
    await popup.waitForURL(/\/login\?/);
    await popup.locator('#email').fill(server.demo.adminEmail);
    await popup.locator('#password').fill(server.demo.adminPassword);
    await popup.locator('button[type=submit]').click();
    await popup.locator('button[name=decision][value=approve]').click();
    await popup.waitForEvent('close', { timeout: 20_000 });

    // Back in Swagger UI: the code was exchanged (with the PKCE verifier) and the flow shows as authorized.
    await code.getByRole('button', { name: 'Remove authorization' }).waitFor({ timeout: 20_000 });
    expect(authorizeRequests[0]?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(tokenRequests).toHaveLength(1);
    const exchange = new URLSearchParams(tokenRequests[0]);
    expect(exchange.get('grant_type')).toBe('authorization_code');
    expect(exchange.get('redirect_uri')).toBe(`${server.publicUrl}/docs/oauth2-redirect.html`);
    expect(exchange.get('code_verifier')).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    await dialog.locator('button.close-modal').click();

    const sites = await tryItOut(page, 'getSites');
    expect(sites.status).toBe('200');
    expect(sites.text).toContain(server.demo.siteId);

    const sent = await tryItOut(page, 'sendSms', {
      from: server.demo.phoneNumber,
      to: '+12025550143',
      text: 'Hello from Swagger UI',
    });
    expect(sent.status).toBe('200');
    expect(sent.text).toContain('Message Processed Successfully');
    expect(failures).toEqual([]);
    await context.close();
  }, 120_000);
});
