import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { unwrap } from '../../platform/http/errors.js';
import { PageQuery, pageRequest, springPage } from '../../platform/http/pagination.js';
import { presentSite } from './sites.presenters.js';
import { SiteIdParams, SitePageSchema, SiteSchema } from './sites.schemas.js';
import type { SitesService } from './sites.service.js';

/** The Sites API (CONTRACT.md §8): how an integration learns the department ids its webhook filters need. */
export function registerSiteRoutes(api: FastifyInstance, deps: { sites: SitesService }): void {
  const routes = api.withTypeProvider<TypeBoxTypeProvider>();

  routes.get('/site/all', {
    config: { scope: 'ReadContact' },
    schema: {
      summary: 'Get Sites',
      description: 'A page of the sites of the organisation, each with its departments and their numbers.',
      tags: ['Sites'],
      querystring: PageQuery,
      response: { 200: SitePageSchema },
    },
    handler: async (request) => {
      const page = pageRequest(request.query);
      const { sites, total } = await deps.sites.pageSites(request.auth.orgId, page.size, page.offset);
      return springPage(sites.map(presentSite), total, page);
    },
  });

  routes.get('/site/:id', {
    config: { scope: 'ReadContact' },
    schema: {
      summary: 'Get Site',
      description: 'One site of the organisation with its departments.',
      tags: ['Sites'],
      params: SiteIdParams,
      response: { 200: SiteSchema },
    },
    handler: async (request) => presentSite(unwrap(await deps.sites.getSite(request.auth.orgId, request.params.id))),
  });
}
