import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { asOutcome, fail, type Outcome, ok, uniqueOr } from '../../platform/outcome.js';
import type { SiteRow } from '../sites/sites.repository.js';
import type { SitesService } from '../sites/sites.service.js';
import type { AccountErrorCode } from './accounts.errors.js';
import { createAccountsRepository, type OrganizationRow, type UserRow } from './accounts.repository.js';
import { hashPassword, passwordDecoyHash, verifyPassword } from './passwords.js';

export const ROLES = ['admin', 'manager', 'agent'] as const;
export type Role = (typeof ROLES)[number];

const MIN_PASSWORD_LENGTH = 10;
const MAX_NAME_LENGTH = 100;
/** Deliberately loose (RFC 5322 is not worth enforcing): one @, no spaces, a dot in the domain. */
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

export interface AccountsServiceDeps {
  database: Database;
  clock: Clock;
  sites: SitesService;
}

export interface CreateUserInput {
  orgId: string;
  email: string;
  password: string;
  role: string;
  name?: string;
  /** Departments (ids) the user works in. */
  departmentIds?: string[];
}

export interface UserView extends Omit<UserRow, 'password_hash'> {
  departmentIds: string[];
}

/** The JSON object in `organizations.settings`. Keys belong to the features that read them. */
export type OrganizationSettings = Record<string, unknown>;

/** Conditional writes of the settings retried this many times before giving up (only under heavy contention). */
const SETTINGS_WRITE_ATTEMPTS = 10;

function parseSettings(text: string): OrganizationSettings {
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as OrganizationSettings) : {};
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Organisations and their users. See README.md. */
export function createAccountsService(deps: AccountsServiceDeps) {
  const { database, clock, sites } = deps;
  const repository = createAccountsRepository();

  function view(user: UserRow, departmentIds: string[]): UserView {
    const { password_hash: _hash, ...rest } = user;
    return { ...rest, departmentIds };
  }

  return {
    /** Creates an organisation with its default "Main" site, in one transaction. */
    async createOrganization(input: {
      name: string;
      timeZone?: string;
    }): Promise<Outcome<{ organization: OrganizationRow; site: SiteRow }, AccountErrorCode>> {
      const name = input.name.trim();
      if (name.length < 1 || name.length > MAX_NAME_LENGTH) return fail('accounts.invalid_org_name');
      const now = clock.now();
      const organization: OrganizationRow = { id: newId(now), name, settings: '{}', created_at: now, updated_at: now };
      return ok(
        await database.transaction(async (trx) => {
          await repository.insertOrganization(trx, organization);
          const site = await sites.createDefaultSite(trx, organization.id, input.timeZone);
          return { organization, site };
        }),
      );
    },

    async getOrganization(orgId: string): Promise<OrganizationRow | undefined> {
      return repository.findOrganization(database.db, orgId);
    },

    /** The organisation's settings object (help and confirmation texts, …); each feature reads its own keys. */
    async getOrganizationSettings(orgId: string): Promise<Outcome<OrganizationSettings, AccountErrorCode>> {
      const organization = await repository.findOrganization(database.db, orgId);
      return organization ? ok(parseSettings(organization.settings)) : fail('accounts.org_not_found');
    },

    /**
     * Merges `changes` into the settings: a key set to null is removed, others are replaced, the rest kept.
     * Concurrent updates of different keys both survive: the write is conditional on the settings read and retried.
     */
    async updateOrganizationSettings(
      orgId: string,
      changes: OrganizationSettings,
    ): Promise<Outcome<OrganizationSettings, AccountErrorCode>> {
      for (let attempt = 0; ; attempt++) {
        const organization = await repository.findOrganization(database.db, orgId);
        if (!organization) return fail('accounts.org_not_found');
        const settings = parseSettings(organization.settings);
        for (const [key, value] of Object.entries(changes)) {
          if (value === null) delete settings[key];
          else settings[key] = value;
        }
        const written = JSON.stringify(settings);
        if (
          await repository.replaceOrganizationSettings(database.db, orgId, organization.settings, written, clock.now())
        ) {
          return ok(settings);
        }
        if (attempt >= SETTINGS_WRITE_ATTEMPTS) throw new Error('Organisation settings changed too often to update');
      }
    },

    async listOrganizations(): Promise<OrganizationRow[]> {
      return repository.listOrganizations(database.db);
    },

    async createUser(input: CreateUserInput): Promise<Outcome<UserView, AccountErrorCode>> {
      const email = normalizeEmail(input.email);
      if (!EMAIL_PATTERN.test(email) || email.length > 254) return fail('accounts.invalid_email');
      if (input.password.length < MIN_PASSWORD_LENGTH) return fail('accounts.weak_password');
      if (!(ROLES as readonly string[]).includes(input.role)) return fail('accounts.invalid_role');
      const name = (input.name ?? email.split('@')[0]!).trim().slice(0, MAX_NAME_LENGTH);
      if (!(await repository.findOrganization(database.db, input.orgId))) return fail('accounts.org_not_found');

      const departmentIds = [...new Set(input.departmentIds ?? [])];
      for (const departmentId of departmentIds) {
        if (!(await sites.findDepartment(input.orgId, departmentId))) {
          return fail('accounts.department_not_found', `Department not found: ${departmentId}`);
        }
      }

      const now = clock.now();
      const user: UserRow = {
        id: newId(now),
        org_id: input.orgId,
        email,
        name,
        password_hash: await hashPassword(input.password),
        role: input.role as Role,
        active: 1,
        created_at: now,
        updated_at: now,
      };
      return asOutcome(() =>
        database.transaction(async (trx) => {
          await uniqueOr(repository.insertUser(trx, user), 'accounts.email_taken');
          await repository.insertMemberships(
            trx,
            departmentIds.map((departmentId) => ({
              department_id: departmentId,
              user_id: user.id,
              org_id: input.orgId,
              created_at: now,
            })),
          );
          return view(user, departmentIds);
        }),
      );
    },

    /**
     * Checks an email and password. An unknown email costs the same scrypt work as a wrong password,
     * so the answer's timing does not reveal which emails exist.
     */
    async authenticate(email: string, password: string): Promise<UserView | null> {
      const user = await repository.findUserByEmail(database.db, normalizeEmail(email));
      const matches = await verifyPassword(password, user?.password_hash ?? (await passwordDecoyHash()));
      if (!user || !matches || user.active !== 1) return null;
      return view(user, await repository.listDepartmentIdsOfUser(database.db, user.org_id, user.id));
    },

    async findUserByEmailInOrg(orgId: string, email: string): Promise<UserView | undefined> {
      const user = await repository.findUserByEmailInOrg(database.db, orgId, normalizeEmail(email));
      return user && view(user, await repository.listDepartmentIdsOfUser(database.db, orgId, user.id));
    },

    async getUser(orgId: string, userId: string): Promise<UserView | undefined> {
      const user = await repository.findUserInOrg(database.db, orgId, userId);
      return user && view(user, await repository.listDepartmentIdsOfUser(database.db, orgId, user.id));
    },

    async listUsers(orgId: string): Promise<UserView[]> {
      const users = await repository.listUsers(database.db, orgId);
      return Promise.all(
        users.map(async (u) => view(u, await repository.listDepartmentIdsOfUser(database.db, orgId, u.id))),
      );
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
