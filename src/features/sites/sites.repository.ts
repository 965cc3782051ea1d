import type { Executor } from '../../platform/db/database.js';
import type { DepartmentsTable, PhoneNumbersTable, SitesTable } from '../../platform/db/tables.js';

export type SiteRow = SitesTable;
export type DepartmentRow = DepartmentsTable;
export type PhoneNumberRow = PhoneNumbersTable;

/** SQL of sites, departments and phone numbers. Every query names the organisation it reads. */
export function createSitesRepository() {
  return {
    async insertSite(db: Executor, row: SiteRow): Promise<void> {
      await db.insertInto('sites').values(row).execute();
    },

    async findSite(db: Executor, orgId: string, siteId: string): Promise<SiteRow | undefined> {
      return db.selectFrom('sites').selectAll().where('org_id', '=', orgId).where('id', '=', siteId).executeTakeFirst();
    },

    async findDefaultSite(db: Executor, orgId: string): Promise<SiteRow | undefined> {
      return db
        .selectFrom('sites')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('is_default', '=', 1)
        .executeTakeFirst();
    },

    async pageSites(db: Executor, orgId: string, limit: number, offset: number): Promise<SiteRow[]> {
      return db
        .selectFrom('sites')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
    },

    async countSites(db: Executor, orgId: string): Promise<number> {
      const row = await db
        .selectFrom('sites')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('org_id', '=', orgId)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertDepartment(db: Executor, row: DepartmentRow): Promise<void> {
      await db.insertInto('departments').values(row).execute();
    },

    async insertPhoneNumbers(db: Executor, rows: PhoneNumberRow[]): Promise<void> {
      if (rows.length > 0) await db.insertInto('phone_numbers').values(rows).execute();
    },

    async findDepartment(db: Executor, orgId: string, departmentId: string): Promise<DepartmentRow | undefined> {
      return db
        .selectFrom('departments')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', departmentId)
        .executeTakeFirst();
    },

    async listDepartments(db: Executor, orgId: string, siteIds?: string[]): Promise<DepartmentRow[]> {
      let query = db.selectFrom('departments').selectAll().where('org_id', '=', orgId);
      if (siteIds) {
        if (siteIds.length === 0) return [];
        query = query.where('site_id', 'in', siteIds);
      }
      return query.orderBy('created_at').orderBy('id').execute();
    },

    async listNumbersOfDepartments(db: Executor, orgId: string, departmentIds: string[]): Promise<PhoneNumberRow[]> {
      if (departmentIds.length === 0) return [];
      return db
        .selectFrom('phone_numbers')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('department_id', 'in', departmentIds)
        .orderBy('created_at')
        .orderBy('number')
        .execute();
    },

    /** Platform-wide: an inbound text names only the number it was sent to. */
    async findNumber(db: Executor, number: string): Promise<PhoneNumberRow | undefined> {
      return db.selectFrom('phone_numbers').selectAll().where('number', '=', number).executeTakeFirst();
    },
  };
}

export type SitesRepository = ReturnType<typeof createSitesRepository>;
