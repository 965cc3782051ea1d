import type { Executor } from '../../platform/db/database.js';
import type { DepartmentMembersTable, OrganizationsTable, UsersTable } from '../../platform/db/tables.js';

export type OrganizationRow = OrganizationsTable;
export type UserRow = UsersTable;
export type DepartmentMemberRow = DepartmentMembersTable;

/** SQL of organisations, users and department membership. */
export function createAccountsRepository() {
  return {
    async insertOrganization(db: Executor, row: OrganizationRow): Promise<void> {
      await db.insertInto('organizations').values(row).execute();
    },

    async findOrganization(db: Executor, orgId: string): Promise<OrganizationRow | undefined> {
      return db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirst();
    },

    /** Writes the settings only if they are still `expected`; false when another writer changed them first. */
    async replaceOrganizationSettings(
      db: Executor,
      orgId: string,
      expected: string,
      settings: string,
      now: number,
    ): Promise<boolean> {
      const result = await db
        .updateTable('organizations')
        .set({ settings, updated_at: now })
        .where('id', '=', orgId)
        .where('settings', '=', expected)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async listOrganizations(db: Executor): Promise<OrganizationRow[]> {
      return db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('id').execute();
    },

    async insertUser(db: Executor, row: UserRow): Promise<void> {
      await db.insertInto('users').values(row).execute();
    },

    async insertMemberships(db: Executor, rows: DepartmentMemberRow[]): Promise<void> {
      if (rows.length > 0) await db.insertInto('department_members').values(rows).execute();
    },

    /** Platform-wide, for sign-in: the email alone names the user. */
    async findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    },

    async findUserInOrg(db: Executor, orgId: string, userId: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
    },

    async findUserByEmailInOrg(db: Executor, orgId: string, email: string): Promise<UserRow | undefined> {
      return db
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('email', '=', email)
        .executeTakeFirst();
    },

    async listUsers(db: Executor, orgId: string): Promise<UserRow[]> {
      return db
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },

    async listDepartmentIdsOfUser(db: Executor, orgId: string, userId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('department_members')
        .select('department_id')
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .execute();
      return rows.map((r) => r.department_id);
    },
  };
}

export type AccountsRepository = ReturnType<typeof createAccountsRepository>;
