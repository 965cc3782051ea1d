import type { Container } from '../container.js';
import { registeredErrors } from '../platform/http/errors.js';
import type { Outcome } from '../platform/outcome.js';
import { CliError, type Command, optionalString, requireString, stringList } from './cli.js';

/** The value of a successful outcome, or a CliError carrying the registered message of its code. */
export function orFail<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new CliError(outcome.message ?? registeredErrors().get(outcome.code)?.message ?? outcome.code);
}

/** `--org` takes an organisation id or its exact name. */
export async function resolveOrg(container: Container, idOrName: string) {
  const organizations = await container.accounts.listOrganizations();
  const byId = organizations.find((o) => o.id === idOrName);
  if (byId) return byId;
  const byName = organizations.filter((o) => o.name === idOrName);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new CliError(`several organisations are named "${idOrName}"; give its id`);
  throw new CliError(`unknown organisation "${idOrName}"`);
}

const iso = (ms: number) => new Date(ms).toISOString();

export const accountCommands: Record<string, Command> = {
  migrate: {
    summary: 'Apply database migrations',
    usage: 'migrate',
    options: {},
    async run({ container, print }) {
      const { database } = await container();
      print(`database migrated (${database.dialect})`, { migrated: true, dialect: database.dialect });
    },
  },

  'org create': {
    summary: 'Create an organisation with its default site',
    usage: 'org create --name NAME [--time-zone ZONE]',
    options: { name: { type: 'string' }, 'time-zone': { type: 'string' } },
    async run({ flags, container, print }) {
      const { accounts } = await container();
      const timeZone = optionalString(flags, 'time-zone');
      const { organization, site } = orFail(
        await accounts.createOrganization({ name: requireString(flags, 'name'), ...(timeZone ? { timeZone } : {}) }),
      );
      print(`organisation ${organization.id} "${organization.name}" (default site ${site.id})`, {
        id: organization.id,
        name: organization.name,
        defaultSiteId: site.id,
        createdDateTime: iso(organization.created_at),
      });
    },
  },

  'org list': {
    summary: 'List organisations',
    usage: 'org list',
    options: {},
    async run({ container, print }) {
      const { accounts } = await container();
      const organizations = await accounts.listOrganizations();
      print(
        organizations.map((o) => `${o.id}  ${o.name}`).join('\n') || '(no organisations)',
        organizations.map((o) => ({ id: o.id, name: o.name, createdDateTime: iso(o.created_at) })),
      );
    },
  },

  'site create': {
    summary: 'Create a site (branch) in an organisation',
    usage: 'site create --org ORG --name NAME [--time-zone ZONE]',
    options: { org: { type: 'string' }, name: { type: 'string' }, 'time-zone': { type: 'string' } },
    async run({ flags, container, print }) {
      const services = await container();
      const org = await resolveOrg(services, requireString(flags, 'org'));
      const timeZone = optionalString(flags, 'time-zone');
      const site = orFail(
        await services.sites.createSite({
          orgId: org.id,
          name: requireString(flags, 'name'),
          ...(timeZone ? { timeZone } : {}),
        }),
      );
      print(`site ${site.id} "${site.name}"`, {
        id: site.id,
        orgId: org.id,
        name: site.name,
        timeZone: site.time_zone,
      });
    },
  },

  'site list': {
    summary: 'List the sites of an organisation',
    usage: 'site list --org ORG',
    options: { org: { type: 'string' } },
    async run({ flags, container, print }) {
      const services = await container();
      const org = await resolveOrg(services, requireString(flags, 'org'));
      const { sites } = await services.sites.pageSites(org.id, 1000, 0);
      print(
        sites.map((s) => `${s.id}  ${s.name}  ${s.time_zone}${s.is_default ? '  (default)' : ''}`).join('\n'),
        sites.map((s) => ({
          id: s.id,
          orgId: s.org_id,
          name: s.name,
          timeZone: s.time_zone,
          default: s.is_default === 1,
          departments: s.departments.map((d) => d.id),
        })),
      );
    },
  },

  'department create': {
    summary: 'Create a department (inbox) owning phone numbers',
    usage: 'department create --org ORG [--site SITE] --name NAME --phone NUMBER… [--time-zone ZONE]',
    options: {
      org: { type: 'string' },
      site: { type: 'string' },
      name: { type: 'string' },
      phone: { type: 'string', multiple: true },
      'time-zone': { type: 'string' },
    },
    async run({ flags, container, print }) {
      const services = await container();
      const org = await resolveOrg(services, requireString(flags, 'org'));
      const siteId = optionalString(flags, 'site');
      const timeZone = optionalString(flags, 'time-zone');
      const department = orFail(
        await services.sites.createDepartment({
          orgId: org.id,
          name: requireString(flags, 'name'),
          phoneNumbers: stringList(flags, 'phone'),
          ...(siteId ? { siteId } : {}),
          ...(timeZone ? { timeZone } : {}),
        }),
      );
      print(`department ${department.id} "${department.name}" ${department.phoneNumbers.join(' ')}`.trim(), {
        id: department.id,
        orgId: org.id,
        siteId: department.site_id,
        name: department.name,
        timeZone: department.time_zone,
        phoneNumbers: department.phoneNumbers,
      });
    },
  },

  'department list': {
    summary: 'List the departments of an organisation',
    usage: 'department list --org ORG',
    options: { org: { type: 'string' } },
    async run({ flags, container, print }) {
      const services = await container();
      const org = await resolveOrg(services, requireString(flags, 'org'));
      const departments = await services.sites.listDepartments(org.id);
      print(
        departments.map((d) => `${d.id}  ${d.name}  ${d.phoneNumbers.join(' ')}`).join('\n') || '(no departments)',
        departments.map((d) => ({
          id: d.id,
          orgId: d.org_id,
          siteId: d.site_id,
          name: d.name,
          timeZone: d.time_zone,
          phoneNumbers: d.phoneNumbers,
        })),
      );
    },
  },

  'user create': {
    summary: 'Create a user (admin, manager or agent)',
    usage: 'user create --org ORG --email EMAIL --password PASSWORD --role ROLE [--name NAME] [--department DEPT…]',
    options: {
      org: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      department: { type: 'string', multiple: true },
    },
    async run({ flags, container, print }) {
      const services = await container();
      const org = await resolveOrg(services, requireString(flags, 'org'));
      const departments = await services.sites.listDepartments(org.id);
      const departmentIds = stringList(flags, 'department').map((wanted) => {
        const found = departments.find((d) => d.id === wanted || d.name === wanted);
        if (!found) throw new CliError(`unknown department "${wanted}" in organisation ${org.id}`);
        return found.id;
      });
      const name = optionalString(flags, 'name');
      const user = orFail(
        await services.accounts.createUser({
          orgId: org.id,
          email: requireString(flags, 'email'),
          password: requireString(flags, 'password'),
          role: requireString(flags, 'role'),
          departmentIds,
          ...(name ? { name } : {}),
        }),
      );
      print(`user ${user.id} ${user.email} (${user.role})`, {
        id: user.id,
        orgId: org.id,
        email: user.email,
        name: user.name,
        role: user.role,
        departmentIds: user.departmentIds,
      });
    },
  },
};
