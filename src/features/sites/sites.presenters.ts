import type { Static } from '@sinclair/typebox';
import type { SiteSchema } from './sites.schemas.js';
import type { SiteView } from './sites.service.js';

/** A site as the Sites API answers it (CONTRACT.md §8). */
export function presentSite(site: SiteView): Static<typeof SiteSchema> {
  return {
    id: site.id,
    orgId: site.org_id,
    name: site.name,
    timeZone: site.time_zone,
    active: site.active === 1,
    departments: site.departments.map((d) => ({
      id: d.id,
      name: d.name,
      phoneNumbers: d.phoneNumbers,
      timeZone: d.time_zone,
      active: d.active === 1,
    })),
    createdDateTime: new Date(site.created_at).toISOString(),
    lastUpdateDateTime: new Date(site.updated_at).toISOString(),
  };
}
