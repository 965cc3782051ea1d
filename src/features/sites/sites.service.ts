import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { asOutcome, fail, type Outcome, ok, uniqueOr } from '../../platform/outcome.js';
import { normalizePhoneNumber } from '../../platform/phone.js';
import type { SiteErrorCode } from './sites.errors.js';
import { createSitesRepository, type DepartmentRow, type PhoneNumberRow, type SiteRow } from './sites.repository.js';

export interface SitesServiceDeps {
  database: Database;
  clock: Clock;
  defaultRegion: string;
  /** Time zone of sites and departments created without one. */
  defaultTimeZone?: string;
  /** How long a page of sites is answered from memory (SITES_CACHE_TTL_MS); 0 disables the cache. */
  cacheTtlMs?: number;
}

export const DEFAULT_SITE_NAME = 'Main';
const DEFAULT_TIME_ZONE = 'America/New_York';
const MAX_NAME_LENGTH = 100;

export interface DepartmentView extends DepartmentRow {
  phoneNumbers: string[];
}
export interface SiteView extends SiteRow {
  departments: DepartmentView[];
}

export interface CreateSiteInput {
  orgId: string;
  name: string;
  timeZone?: string;
}

export interface CreateDepartmentInput {
  orgId: string;
  /** The organisation's default site when omitted. */
  siteId?: string;
  name: string;
  phoneNumbers: string[];
  timeZone?: string;
}

/** Sites (branches) and departments (inboxes owning phone numbers) of an organisation. See README.md. */
export function createSitesService(deps: SitesServiceDeps) {
  const { database, clock } = deps;
  const repository = createSitesRepository();
  const fallbackTimeZone = deps.defaultTimeZone ?? DEFAULT_TIME_ZONE;
  const cacheTtlMs = deps.cacheTtlMs ?? 0;
  /**
   * Pages of sites by `orgId:limit:offset`. Sites and departments change rarely and integrations poll them,
   * so a page is kept briefly; a write in this process drops its organisation's pages at once, other
   * processes see it within the TTL.
   */
  const pageCache = new Map<string, { until: number; page: { sites: SiteView[]; total: number } }>();
  const forgetPages = (orgId: string) => {
    for (const key of pageCache.keys()) if (key.startsWith(`${orgId}:`)) pageCache.delete(key);
  };

  function checkName(name: string): Outcome<string, SiteErrorCode> {
    const trimmed = name.trim();
    return trimmed.length >= 1 && trimmed.length <= MAX_NAME_LENGTH ? ok(trimmed) : fail('sites.invalid_name');
  }

  function checkTimeZone(timeZone: string | undefined, fallback: string): Outcome<string, SiteErrorCode> {
    const zone = timeZone ?? fallback;
    return isTimeZone(zone) ? ok(zone) : fail('sites.invalid_time_zone', `Unknown time zone: ${zone}`);
  }

  async function departmentViews(orgId: string, siteIds?: string[]): Promise<DepartmentView[]> {
    const rows = await repository.listDepartmentsWithNumbers(database.db, orgId, siteIds);
    const views = new Map<string, DepartmentView>();
    for (const { number, ...department } of rows) {
      let view = views.get(department.id);
      if (!view) {
        view = { ...department, phoneNumbers: [] };
        views.set(department.id, view);
      }
      if (number) view.phoneNumbers.push(number);
    }
    return [...views.values()];
  }

  async function withDepartments(orgId: string, sites: SiteRow[]): Promise<SiteView[]> {
    const views = await departmentViews(
      orgId,
      sites.map((s) => s.id),
    );
    return sites.map((site) => ({ ...site, departments: views.filter((d) => d.site_id === site.id) }));
  }

  return {
    /** The "Main" site every organisation has; called inside the transaction that creates the organisation. */
    async createDefaultSite(trx: Executor, orgId: string, timeZone = fallbackTimeZone): Promise<SiteRow> {
      const now = clock.now();
      const row: SiteRow = {
        id: newId(now),
        org_id: orgId,
        name: DEFAULT_SITE_NAME,
        time_zone: timeZone,
        active: 1,
        is_default: 1,
        created_at: now,
        updated_at: now,
      };
      await repository.insertSite(trx, row);
      return row;
    },

    async createSite(input: CreateSiteInput): Promise<Outcome<SiteRow, SiteErrorCode>> {
      const name = checkName(input.name);
      if (!name.ok) return name;
      const timeZone = checkTimeZone(input.timeZone, fallbackTimeZone);
      if (!timeZone.ok) return timeZone;
      const now = clock.now();
      const row: SiteRow = {
        id: newId(now),
        org_id: input.orgId,
        name: name.value,
        time_zone: timeZone.value,
        active: 1,
        is_default: 0,
        created_at: now,
        updated_at: now,
      };
      return asOutcome(async () => {
        await uniqueOr(repository.insertSite(database.db, row), 'sites.site_name_taken');
        forgetPages(input.orgId);
        return row;
      });
    },

    async createDepartment(input: CreateDepartmentInput): Promise<Outcome<DepartmentView, SiteErrorCode>> {
      const name = checkName(input.name);
      if (!name.ok) return name;
      const site = input.siteId
        ? await repository.findSite(database.db, input.orgId, input.siteId)
        : await repository.findDefaultSite(database.db, input.orgId);
      if (!site) return fail('sites.site_not_found');
      const timeZone = checkTimeZone(input.timeZone, site.time_zone);
      if (!timeZone.ok) return timeZone;

      const numbers: string[] = [];
      for (const raw of input.phoneNumbers) {
        const number = normalizePhoneNumber(raw, deps.defaultRegion);
        if (!number) return fail('sites.invalid_phone_number', `Not a valid phone number: ${raw}`);
        if (!numbers.includes(number)) numbers.push(number);
      }

      const now = clock.now();
      const row: DepartmentRow = {
        id: newId(now),
        org_id: input.orgId,
        site_id: site.id,
        name: name.value,
        time_zone: timeZone.value,
        active: 1,
        created_at: now,
        updated_at: now,
      };
      const numberRows: PhoneNumberRow[] = numbers.map((number) => ({
        number,
        org_id: input.orgId,
        department_id: row.id,
        created_at: now,
      }));
      return asOutcome(() =>
        database.transaction(async (trx) => {
          await uniqueOr(repository.insertDepartment(trx, row), 'sites.department_name_taken');
          await uniqueOr(repository.insertPhoneNumbers(trx, numberRows), 'sites.number_taken');
          forgetPages(input.orgId);
          return { ...row, phoneNumbers: numbers };
        }),
      );
    },

    async pageSites(orgId: string, limit: number, offset: number): Promise<{ sites: SiteView[]; total: number }> {
      const key = `${orgId}:${limit}:${offset}`;
      const cached = pageCache.get(key);
      if (cached && cached.until > clock.now()) return cached.page;
      const rows = await repository.pageSites(database.db, orgId, limit, offset);
      // A first page that is not full holds every site: no count query needed.
      const total = offset === 0 && rows.length < limit ? rows.length : await repository.countSites(database.db, orgId);
      const page = { sites: await withDepartments(orgId, rows), total };
      if (cacheTtlMs > 0) {
        if (pageCache.size >= 10_000) pageCache.clear();
        pageCache.set(key, { until: clock.now() + cacheTtlMs, page });
      }
      return page;
    },

    async getSite(orgId: string, siteId: string): Promise<Outcome<SiteView, SiteErrorCode>> {
      const site = await repository.findSite(database.db, orgId, siteId);
      if (!site) return fail('sites.site_not_found');
      const [view] = await withDepartments(orgId, [site]);
      return ok(view!);
    },

    async listDepartments(orgId: string): Promise<DepartmentView[]> {
      return departmentViews(orgId);
    },

    async findDepartment(orgId: string, departmentId: string): Promise<DepartmentRow | undefined> {
      return repository.findDepartment(database.db, orgId, departmentId);
    },

    /** The department owning an E.164 number, in any organisation (inbound texts name only the number). */
    async findDepartmentByNumber(number: string): Promise<DepartmentRow | undefined> {
      const owner = await repository.findNumber(database.db, number);
      return owner ? repository.findDepartment(database.db, owner.org_id, owner.department_id) : undefined;
    },
  };
}

export type SitesService = ReturnType<typeof createSitesService>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
