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

    /**
     * Departments of the organisation (of some sites, when given) with their numbers, in one query: one row per
     * (department, number), or one row with a null number for a department without numbers.
     */
    async listDepartmentsWithNumbers(db: Executor, orgId: string, siteIds?: string[]) {
      if (siteIds?.length === 0) return [];
      let query = db
        .selectFrom('departments')
        .leftJoin('phone_numbers', 'phone_numbers.department_id', 'departments.id')
        .selectAll('departments')
        .select('phone_numbers.number as number')
        .where('departments.org_id', '=', orgId);
      if (siteIds) query = query.where('departments.site_id', 'in', siteIds);
      return query
        .orderBy('departments.created_at')
        .orderBy('departments.id')
        .orderBy('phone_numbers.created_at')
        .orderBy('phone_numbers.number')
        .execute();
    },

    /** Platform-wide: an inbound text names only the number it was sent to. */
    async findNumber(db: Executor, number: string): Promise<PhoneNumberRow | undefined> {
      return db.selectFrom('phone_numbers').selectAll().where('number', '=', number).executeTakeFirst();
    },
  };
}

export type SitesRepository = ReturnType<typeof createSitesRepository>;
