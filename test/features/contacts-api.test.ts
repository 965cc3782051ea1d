import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders } from '../harness/auth.js';
import { itGuardsTheRoute } from '../harness/auth-cases.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture, randomUsNumber } from '../harness/factories.js';

const BASE = '/stratustexting-prod';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe(`Contacts API (${testDialect()})`, () => {
  let platform: TestPlatform;
  let org: Awaited<ReturnType<typeof createOrgFixture>>;
  let other: Awaited<ReturnType<typeof createOrgFixture>>;
  let headers: Record<string, string>;
  let theirContactId: string;
  let someContact: { id: string; mobileNumber: string };
  beforeAll(async () => {
    platform = await createTestPlatform();
    org = await createOrgFixture(platform.container, 'Contacts Org');
    other = await createOrgFixture(platform.container, 'Other Org');
    headers = await authHeaders(platform, org.organization.id);
    const theirs = await platform.container.contacts.upsertByNumber({
      orgId: other.organization.id,
      mobileNumber: randomUsNumber(),
      firstName: 'Secret',
    });
    if (!theirs.ok) throw new Error(theirs.code);
    theirContactId = theirs.value.contact.id;
    const mine = await platform.container.contacts.upsertByNumber({
      orgId: org.organization.id,
      mobileNumber: randomUsNumber(),
    });
    if (!mine.ok) throw new Error(mine.code);
    someContact = mine.value.contact;
  });
  afterAll(async () => platform.close());

  const context = () => ({ platform, orgId: org.organization.id });
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: unknown) =>
    platform.app.inject({
      method,
      url: `${BASE}${path}`,
      headers,
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });

  describe('guards', () => {
    const routes = [
      ['GET', '/contact/all', 'ReadContact'],
      ['GET', '/contact/search?number=212', 'ReadContact'],
      ['GET', '/contact/mobile/2025550143', 'ReadContact'],
      ['POST', '/contact', 'WriteContact'],
      ['PUT', '/contact/mobile/2025550143', 'WriteContact'],
      ['GET', '/contact/{id}', 'ReadContact'],
      ['PUT', '/contact/{id}', 'WriteContact'],
      ['DELETE', '/contact/{id}', 'WriteContact'],
      ['GET', '/contact/{id}/consenthistory', 'ReadContact'],
    ] as const;
    for (const [method, path, scope] of routes) {
      describe(`${method} ${path}`, () => {
        itGuardsTheRoute(
          context,
          () => ({
            method,
            url: `${BASE}${path.replace('{id}', someContact.id)}`,
            ...(method === 'POST' || method === 'PUT' ? { payload: { mobileNumber: randomUsNumber() } } : {}),
          }),
          scope,
        );
      });
    }
  });

  it('creates with 201, then updates with 200, in the wire shape of the contract', async () => {
    const number = randomUsNumber();
    const created = await call('POST', '/contact', {
      mobileNumber: number.slice(2),
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      tags: ['vip'],
      siteIds: [org.site.id],
      customFields: { plan: 'gold' },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      orgId: org.organization.id,
      firstName: 'Ada',
      lastName: 'Lovelace',
      mobileNumber: number,
      email: 'ada@example.com',
      company: null,
      notes: null,
      tags: ['vip'],
      siteIds: [org.site.id],
      customFields: { plan: 'gold' },
      optedOut: false,
      optedOutDateTime: null,
      consents: [],
      createdDateTime: expect.stringMatching(ISO),
      lastUpdateDateTime: expect.stringMatching(ISO),
    });
    const updated = await call('POST', '/contact', { phoneNumber: number, company: 'Engines' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ id: body.id, firstName: 'Ada', company: 'Engines' });
  });

  it.each(['mobile', 'mobilePhone', 'phoneNumber', 'number'])('accepts %s as the number', async (name) => {
    const number = randomUsNumber();
    const response = await call('POST', '/contact', { [name]: number });
    expect(response.statusCode).toBe(201);
    expect(response.json().mobileNumber).toBe(number);
  });

  it('takes parameters from the query string and a form body', async () => {
    const number = randomUsNumber();
    const response = await platform.app.inject({
      method: 'POST',
      url: `${BASE}/contact?mobileNumber=${encodeURIComponent(number)}&firstName=Query`,
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'firstName=Form&lastName=Body',
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ mobileNumber: number, firstName: 'Form', lastName: 'Body' });
  });

  it.each([
    [{ firstName: 'No number' }, 400, 'contacts.invalid_number'],
    [{ mobileNumber: '+15551234567' }, 400, 'contacts.invalid_number'],
    [{ mobileNumber: '2125550100', email: 'nope' }, 400, 'contacts.invalid_field'],
    [{ mobileNumber: '2125550100', siteIds: ['0123456789abcdef01234567'] }, 400, 'contacts.invalid_site'],
    [{ mobileNumber: '2125550100', fristName: 'Typo' }, 400, 'request.invalid'],
    [{ mobileNumber: '2125550100', tags: [{ a: 1 }] }, 400, 'request.invalid'],
  ])('refuses %o with %i %s in the Spring error shape', async (payload, status, code) => {
    const response = await call('POST', '/contact', payload);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({
      status,
      code,
      error: 'Bad Request',
      path: `${BASE}/contact`,
      timestamp: expect.stringMatching(ISO),
    });
    expect(response.json().message).toBeTruthy();
  });

  it('finds, updates by number or id (only the fields sent) and deletes a contact', async () => {
    const number = randomUsNumber();
    const created = (await call('POST', '/contact', { mobileNumber: number, firstName: 'Old', notes: 'keep' })).json();
    const national = number.slice(2);

    const found = await call('GET', `/contact/mobile/${national}`);
    expect(found.statusCode).toBe(200);
    expect(found.json().id).toBe(created.id);
    expect((await call('GET', `/contact/mobile/${encodeURIComponent(number)}`)).json().id).toBe(created.id);

    const byNumber = await call('PUT', `/contact/mobile/${national}`, { lastName: 'Updated' });
    expect(byNumber.statusCode).toBe(200);
    expect(byNumber.json()).toMatchObject({ firstName: 'Old', lastName: 'Updated', notes: 'keep' });

    const byId = await call('PUT', `/contact/${created.id}`, { firstName: null, tags: ['x'] });
    expect(byId.json()).toMatchObject({ firstName: null, lastName: 'Updated', tags: ['x'] });
    expect((await call('GET', `/contact/${created.id}`)).json()).toMatchObject({ tags: ['x'] });

    const taken = await call('PUT', `/contact/${created.id}`, { mobileNumber: someContact.mobileNumber });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('contacts.number_taken');

    const deleted = await call('DELETE', `/contact/${created.id}`);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json().id).toBe(created.id);
    for (const [method, path] of [
      ['GET', `/contact/${created.id}`],
      ['DELETE', `/contact/${created.id}`],
      ['GET', `/contact/mobile/${national}`],
      ['PUT', `/contact/mobile/${national}`],
    ] as const) {
      const response = await call(method, path, method === 'PUT' ? { firstName: 'x' } : undefined);
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('contacts.not_found');
    }
    expect((await call('GET', '/contact/mobile/not-a-number')).json().code).toBe('contacts.invalid_number');
  });

  it('pages, filters and sorts the organisation’s contacts', async () => {
    const fixture = await createOrgFixture(platform.container, 'Paging Org');
    const h = await authHeaders(platform, fixture.organization.id);
    const get = async (query: string) =>
      (await platform.app.inject({ url: `${BASE}/contact/all${query}`, headers: h })).json();
    const ids: string[] = [];
    for (const tags of [['a'], ['b'], ['a', 'b']]) {
      const response = await platform.app.inject({
        method: 'POST',
        url: `${BASE}/contact`,
        headers: h,
        payload: { mobileNumber: randomUsNumber(), tags, siteIds: tags.includes('b') ? [fixture.site.id] : [] },
      });
      ids.push(response.json().id);
    }
    const all = await get('');
    expect(all).toMatchObject({ totalElements: 3, totalPages: 1, size: 20, number: 0, first: true, last: true });
    expect(all.content.map((c: { id: string }) => c.id)).toEqual(ids);
    expect((await get('?page=1&size=2')).content.map((c: { id: string }) => c.id)).toEqual([ids[2]]);
    expect((await get('?sort=createdDateTime,desc')).content.map((c: { id: string }) => c.id)).toEqual(
      [...ids].reverse(),
    );
    expect((await get('?tag=a')).totalElements).toBe(2);
    expect((await get(`?siteId=${fixture.site.id}`)).content.map((c: { id: string }) => c.id)).toEqual([
      ids[1],
      ids[2],
    ]);
    const badSort = await platform.app.inject({ url: `${BASE}/contact/all?sort=firstName,asc`, headers: h });
    expect(badSort.statusCode).toBe(400);
    expect(JSON.stringify(all)).not.toContain(org.organization.id);
  });

  it('searches by digits and by name or email', async () => {
    const number = randomUsNumber();
    await call('POST', '/contact', { mobileNumber: number, firstName: 'Searchable', email: 'FIND.me@example.com' });
    const search = async (query: string) => (await call('GET', `/contact/search?${query}`)).json();
    const digits = number.slice(-6);
    expect((await search(`number=${digits}`)).content.map((c: { mobileNumber: string }) => c.mobileNumber)).toEqual([
      number,
    ]);
    expect((await search('q=find.ME')).totalElements).toBe(1);
    expect((await search(`q=searchable&number=${digits}`)).totalElements).toBe(1);
    const invalid = await call('GET', '/contact/search?number=abc');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().code).toBe('contacts.invalid_field');
  });

  it('answers the consent history and the derived opt-out', async () => {
    const number = randomUsNumber();
    const created = (await call('POST', '/contact', { mobileNumber: number })).json();
    const stop = await platform.container.optOut.classifyInbound({
      orgId: org.organization.id,
      departmentId: org.department.id,
      fromNumber: number,
      text: 'STOP',
      messageId: 'm-1',
    });
    expect(stop.ok).toBe(true);
    const contact = (await call('GET', `/contact/${created.id}`)).json();
    expect(contact).toMatchObject({ optedOut: true, optedOutDateTime: expect.stringMatching(ISO) });
    const history = await call('GET', `/contact/${created.id}/consenthistory`);
    expect(history.statusCode).toBe(200);
    expect(history.json()).toMatchObject({ totalElements: 1, number: 0 });
    expect(history.json().content).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        contactId: created.id,
        mobileNumber: number,
        scope: 'global',
        customConsentId: null,
        status: 'OPTED_OUT',
        source: 'keyword',
        actor: 'system',
        departmentId: org.department.id,
        messageId: 'm-1',
        createdDateTime: expect.stringMatching(ISO),
      },
    ]);
  });

  it('answers 404 for another organisation’s contact, never its data', async () => {
    for (const [method, path] of [
      ['GET', `/contact/${theirContactId}`],
      ['PUT', `/contact/${theirContactId}`],
      ['DELETE', `/contact/${theirContactId}`],
      ['GET', `/contact/${theirContactId}/consenthistory`],
    ] as const) {
      const response = await call(method, path, method === 'PUT' ? { firstName: 'Mine now' } : undefined);
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('contacts.not_found');
      expect(response.body).not.toContain('Secret');
    }
    const theirs = await platform.container.contacts.getById(other.organization.id, theirContactId);
    expect(theirs.ok && theirs.value.firstName).toBe('Secret');
  });
});
