import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders } from '../harness/auth.js';
import { itGuardsTheRoute } from '../harness/auth-cases.js';
import { createOrgFixture } from '../harness/factories.js';

describe('Sites API', () => {
  let platform: TestPlatform;
  let org: Awaited<ReturnType<typeof createOrgFixture>>;
  let other: Awaited<ReturnType<typeof createOrgFixture>>;
  beforeAll(async () => {
    platform = await createTestPlatform();
    org = await createOrgFixture(platform.container, 'Sites Org');
    other = await createOrgFixture(platform.container, 'Other Org');
  });
  afterAll(async () => platform.close());

  const context = () => ({ platform, orgId: org.organization.id });

  describe('GET /site/all', () => {
    itGuardsTheRoute(context, () => ({ method: 'GET', url: '/stratustexting-prod/site/all' }), 'ReadContact');

    it('answers a Spring page of the organisation’s sites with departments and numbers', async () => {
      const branch = await platform.container.sites.createSite({ orgId: org.organization.id, name: 'Branch' });
      expect(branch.ok).toBe(true);
      const headers = await authHeaders(platform, org.organization.id, ['ReadContact']);
      const response = await platform.app.inject({ url: '/stratustexting-prod/site/all', headers });
      expect(response.statusCode).toBe(200);
      const page = response.json();
      expect(page).toMatchObject({ totalElements: 2, totalPages: 1, size: 20, number: 0, numberOfElements: 2 });
      expect(page).toMatchObject({ first: true, last: true, empty: false });
      const main = page.content[0];
      expect(main).toMatchObject({ id: org.site.id, orgId: org.organization.id, name: 'Main', active: true });
      expect(main.departments).toEqual([
        {
          id: org.department.id,
          name: 'Support',
          phoneNumbers: [org.phoneNumber],
          timeZone: 'America/New_York',
          active: true,
        },
      ]);
      expect(main.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(page.content[1]).toMatchObject({ name: 'Branch', departments: [] });
      expect(JSON.stringify(page)).not.toContain(other.organization.id);
    });

    it('pages with page and size', async () => {
      const headers = await authHeaders(platform, org.organization.id);
      const response = await platform.app.inject({ url: '/stratustexting-prod/site/all?page=1&size=1', headers });
      expect(response.json()).toMatchObject({ number: 1, size: 1, numberOfElements: 1, first: false });
    });

    it.each(['size=0', 'page=-1', 'size=100000', 'page=abc'])('refuses %s with 400 request.invalid', async (query) => {
      const headers = await authHeaders(platform, org.organization.id);
      const response = await platform.app.inject({ url: `/stratustexting-prod/site/all?${query}`, headers });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('request.invalid');
    });
  });

  describe('GET /site/{id}', () => {
    itGuardsTheRoute(
      context,
      () => ({ method: 'GET', url: `/stratustexting-prod/site/${org.site.id}` }),
      'ReadContact',
    );

    it('answers one site', async () => {
      const headers = await authHeaders(platform, org.organization.id);
      const response = await platform.app.inject({ url: `/stratustexting-prod/site/${org.site.id}`, headers });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ id: org.site.id, name: 'Main' });
    });

    it('answers 404 for a site of another organisation, never its data', async () => {
      const headers = await authHeaders(platform, org.organization.id);
      const response = await platform.app.inject({ url: `/stratustexting-prod/site/${other.site.id}`, headers });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ code: 'sites.site_not_found', status: 404 });
      expect(response.body).not.toContain('Other Org');
    });
  });

  it('throttles a client past its burst with 429 and Retry-After', async () => {
    const limited = await createTestPlatform({ env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' } });
    try {
      const fixture = await createOrgFixture(limited.container);
      const headers = await authHeaders(limited, fixture.organization.id);
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof limited.app.inject>> | undefined;
      for (let i = 0; i < 5; i++) {
        last = await limited.app.inject({ url: '/stratustexting-prod/site/all', headers });
        statuses.push(last.statusCode);
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.at(-1)).toBe(429);
      expect(last!.json()).toMatchObject({ message: 'Too Many Requests', code: 'rate_limited' });
      expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});
