import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders, clientCredentialsToken, createApiClient } from '../harness/auth.js';
import { itGuardsTheRoute } from '../harness/auth-cases.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture } from '../harness/factories.js';

const BASE = '/stratustexting-prod';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe(`Consent API (${testDialect()})`, () => {
  let platform: TestPlatform;
  let org: Awaited<ReturnType<typeof createOrgFixture>>;
  let other: Awaited<ReturnType<typeof createOrgFixture>>;
  let headers: Record<string, string>;
  let clientId: string;
  let someConsentId: string;
  let theirConsentId: string;
  beforeAll(async () => {
    platform = await createTestPlatform();
    org = await createOrgFixture(platform.container, 'Consent Org');
    other = await createOrgFixture(platform.container, 'Other Org');
    const credentials = await createApiClient(platform, org.organization.id);
    clientId = credentials.clientId;
    headers = {
      authorization: `Bearer ${await clientCredentialsToken(platform, credentials)}`,
      'x-api-key': credentials.apiKey,
    };
    const mine = await platform.container.consents.create({
      orgId: org.organization.id,
      name: 'Existing',
      consentLevel: 'INFORMATIONAL',
      optInKeywords: ['TAKEN'],
      createdBy: null,
    });
    const theirs = await platform.container.consents.create({
      orgId: other.organization.id,
      name: 'Secret purpose',
      consentLevel: 'PROMOTIONAL',
      createdBy: null,
    });
    if (!mine.ok || !theirs.ok) throw new Error('fixture');
    someConsentId = mine.value.id;
    theirConsentId = theirs.value.id;
  });
  afterAll(async () => platform.close());

  const context = () => ({ platform, orgId: org.organization.id });
  const call = (method: 'GET' | 'POST' | 'PUT', path: string, payload?: Record<string, unknown>) =>
    platform.app.inject({ method, url: `${BASE}${path}`, headers, ...(payload ? { payload } : {}) });

  describe('guards', () => {
    const routes = [
      ['POST', '/customconsent', 'WriteContact', { name: 'Guarded', consentLevel: 'PROMOTIONAL' }],
      ['GET', '/customconsent/all', 'ReadContact', undefined],
      ['GET', '/customconsent/{id}', 'ReadContact', undefined],
      ['PUT', '/customconsent/{id}', 'WriteContact', { description: 'x' }],
      ['POST', '/customconsent/{id}/change', 'WriteContact', { active: true }],
      ['POST', '/customconsent/{id}/type', 'WriteContact', { action: 'add', consentTypes: ['sms'] }],
    ] as const;
    for (const [method, path, scope, payload] of routes) {
      describe(`${method} ${path}`, () => {
        itGuardsTheRoute(
          context,
          () => ({ method, url: `${BASE}${path.replace('{id}', someConsentId)}`, ...(payload ? { payload } : {}) }),
          scope,
        );
      });
    }
  });

  it('creates a custom consent in the wire shape of the contract', async () => {
    const response = await call('POST', '/customconsent', {
      name: 'Weekly deals',
      description: 'Offers',
      consentLevel: 'PROMOTIONAL',
      consentTypes: ['sms'],
      optInKeywords: ['DEALS'],
      optOutKeywords: ['NODEALS'],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      orgId: org.organization.id,
      name: 'Weekly deals',
      description: 'Offers',
      consentLevel: 'PROMOTIONAL',
      consentTypes: ['sms'],
      optInKeywords: ['DEALS'],
      optOutKeywords: ['NODEALS'],
      optInMessage: null,
      optOutMessage: null,
      active: true,
      createdBy: clientId,
      createdDateTime: expect.stringMatching(ISO),
      lastUpdateDateTime: expect.stringMatching(ISO),
    });
    const id = response.json().id;
    expect((await call('GET', `/customconsent/${id}`)).json()).toEqual(response.json());
  });

  it.each([
    [{ name: 'R', consentLevel: 'PROMOTIONAL', optInKeywords: ['Stop'] }, 400, 'consents.reserved_keyword'],
    [{ name: 'T', consentLevel: 'PROMOTIONAL', optInKeywords: ['taken'] }, 409, 'consents.keyword_taken'],
    [{ name: 'Existing', consentLevel: 'PROMOTIONAL' }, 409, 'consents.name_taken'],
    [{ name: '', consentLevel: 'PROMOTIONAL' }, 400, 'consents.invalid_field'],
    [{ name: 'L', consentLevel: 'LOUD' }, 400, 'request.invalid'],
    [{ consentLevel: 'PROMOTIONAL' }, 400, 'request.invalid'],
    [{ name: 'U', consentLevel: 'PROMOTIONAL', colour: 'red' }, 400, 'request.invalid'],
  ])('refuses %o with %i %s', async (payload, status, code) => {
    const response = await call('POST', '/customconsent', payload);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ status, code, path: `${BASE}/customconsent` });
  });

  it('updates, changes status and types, and pages with the active filter', async () => {
    const fixture = await createOrgFixture(platform.container, 'Paging Org');
    const h = await authHeaders(platform, fixture.organization.id);
    const send = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: Record<string, unknown>) =>
      platform.app.inject({ method, url: `${BASE}${url}`, headers: h, ...(payload ? { payload } : {}) });
    const a = (await send('POST', '/customconsent', { name: 'A', consentLevel: 'CONVERSATIONAL' })).json();
    const b = (await send('POST', '/customconsent', { name: 'B', consentLevel: 'INFORMATIONAL' })).json();

    const updated = await send('PUT', `/customconsent/${a.id}`, { description: 'About A', optInKeywords: ['JOINA'] });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ name: 'A', description: 'About A', optInKeywords: ['JOINA'] });

    const off = await send('POST', `/customconsent/${a.id}/change?active=false`);
    expect(off.statusCode).toBe(200);
    expect(off.json().active).toBe(false);
    const onByStatus = await send('POST', `/customconsent/${b.id}/change`, { status: 'INACTIVE' });
    expect(onByStatus.json().active).toBe(false);
    const back = await send('POST', `/customconsent/${b.id}/change`, { status: 'ACTIVE' });
    expect(back.json().active).toBe(true);
    const missing = await send('POST', `/customconsent/${b.id}/change`);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().code).toBe('request.invalid');

    const add = await send('POST', `/customconsent/${b.id}/type`, { action: 'add', consentTypes: ['sms', 'mms'] });
    expect(add.json().consentTypes).toEqual(['sms', 'mms']);
    const remove = await send('POST', `/customconsent/${b.id}/type`, { action: 'remove', consentTypes: ['x', 'sms'] });
    expect(remove.json().consentTypes).toEqual(['mms']);
    const badAction = await send('POST', `/customconsent/${b.id}/type`, { action: 'toggle', consentTypes: [] });
    expect(badAction.statusCode).toBe(400);

    const page = async (query: string) => (await send('GET', `/customconsent/all${query}`)).json();
    expect(await page('')).toMatchObject({ totalElements: 2, content: [{ name: 'A' }, { name: 'B' }] });
    expect(await page('?active=false')).toMatchObject({ totalElements: 1, content: [{ name: 'A' }] });
    expect(await page('?active=true&size=1')).toMatchObject({ totalElements: 1, size: 1, content: [{ name: 'B' }] });
  });

  it('answers 404 for another organisation’s consent, never its data', async () => {
    for (const [method, path, payload] of [
      ['GET', `/customconsent/${theirConsentId}`, undefined],
      ['PUT', `/customconsent/${theirConsentId}`, { name: 'Mine now' }],
      ['POST', `/customconsent/${theirConsentId}/change`, { active: false }],
      ['POST', `/customconsent/${theirConsentId}/type`, { action: 'add', consentTypes: ['x'] }],
    ] as const) {
      const response = await call(method, path, payload);
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('consents.not_found');
      expect(response.body).not.toContain('Secret purpose');
    }
    const list = (await call('GET', '/customconsent/all')).json();
    expect(JSON.stringify(list)).not.toContain(theirConsentId);
  });
});
