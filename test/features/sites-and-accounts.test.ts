import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/features/accounts/passwords.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { createOrgFixture, randomUsNumber } from '../harness/factories.js';

describe('organisations, sites, departments and users', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestPlatform();
  });
  afterAll(async () => platform.close());

  const services = () => platform.container;

  it('creates an organisation with its default Main site', async () => {
    const created = await services().accounts.createOrganization({ name: '  Acme Dental  ' });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.value.organization.name).toBe('Acme Dental');
    expect(created.value.organization.id).toMatch(/^[0-9a-f]{24}$/);
    expect(created.value.site).toMatchObject({ name: 'Main', is_default: 1, org_id: created.value.organization.id });
    const { sites, total } = await services().sites.pageSites(created.value.organization.id, 20, 0);
    expect(total).toBe(1);
    expect(sites[0]!.departments).toEqual([]);
  });

  it('refuses an empty organisation name', async () => {
    const created = await services().accounts.createOrganization({ name: '   ' });
    expect(created).toMatchObject({ ok: false, code: 'accounts.invalid_org_name' });
  });

  it('creates sites and departments with numbers normalised to E.164', async () => {
    const { organization } = await createOrgFixture(platform.container);
    const branch = await services().sites.createSite({
      orgId: organization.id,
      name: 'Uptown',
      timeZone: 'America/Chicago',
    });
    expect(branch.ok).toBe(true);
    if (!branch.ok) return;
    const department = await services().sites.createDepartment({
      orgId: organization.id,
      siteId: branch.value.id,
      name: 'Sales',
      phoneNumbers: ['(202) 555-0177', '+1 202 555 0177'],
    });
    expect(department.ok).toBe(true);
    if (!department.ok) return;
    expect(department.value.phoneNumbers).toEqual(['+12025550177']);
    expect(department.value.time_zone).toBe('America/Chicago');
    const site = await services().sites.getSite(organization.id, branch.value.id);
    expect(site.ok && site.value.departments.map((d) => d.name)).toEqual(['Sales']);
    const owner = await services().sites.findDepartmentByNumber('+12025550177');
    expect(owner?.id).toBe(department.value.id);
  });

  it('gives each number to at most one department, platform-wide, with nothing half-written', async () => {
    const first = await createOrgFixture(platform.container, 'First');
    const second = await createOrgFixture(platform.container, 'Second');
    const taken = await services().sites.createDepartment({
      orgId: second.organization.id,
      name: 'Thief',
      phoneNumbers: [randomUsNumber(), first.phoneNumber],
    });
    expect(taken).toMatchObject({ ok: false, code: 'sites.number_taken' });
    const departments = await services().sites.listDepartments(second.organization.id);
    expect(departments.map((d) => d.name)).toEqual(['Support']);
  });

  it.each([
    [{ phoneNumbers: ['+15551234567'] }, 'sites.invalid_phone_number'],
    [{ phoneNumbers: ['not a number'] }, 'sites.invalid_phone_number'],
    [{ timeZone: 'Mars/Olympus' }, 'sites.invalid_time_zone'],
    [{ name: '' }, 'sites.invalid_name'],
    [{ name: 'x'.repeat(101) }, 'sites.invalid_name'],
    [{ siteId: '0123456789abcdef01234567' }, 'sites.site_not_found'],
    [{ name: 'Support' }, 'sites.department_name_taken'],
  ])('refuses a department with %o', async (change, code) => {
    const { organization } = await createOrgFixture(platform.container);
    const outcome = await services().sites.createDepartment({
      orgId: organization.id,
      name: 'New',
      phoneNumbers: [],
      ...change,
    });
    expect(outcome).toMatchObject({ ok: false, code });
  });

  it('refuses a second site of the same name', async () => {
    const { organization } = await createOrgFixture(platform.container);
    expect(await services().sites.createSite({ orgId: organization.id, name: 'Main' })).toMatchObject({
      ok: false,
      code: 'sites.site_name_taken',
    });
  });

  it('never shows a site of another organisation', async () => {
    const mine = await createOrgFixture(platform.container);
    const theirs = await createOrgFixture(platform.container);
    expect(await services().sites.getSite(mine.organization.id, theirs.site.id)).toMatchObject({
      ok: false,
      code: 'sites.site_not_found',
    });
    expect(await services().sites.findDepartment(mine.organization.id, theirs.department.id)).toBeUndefined();
  });

  it('creates users with scrypt hashes, lower-cased unique emails and department membership', async () => {
    const { organization, department } = await createOrgFixture(platform.container);
    const user = await services().accounts.createUser({
      orgId: organization.id,
      email: 'Agent.Smith@Example.com',
      password: 'correct horse battery',
      role: 'agent',
      departmentIds: [department.id],
    });
    expect(user.ok).toBe(true);
    if (!user.ok) return;
    expect(user.value.email).toBe('agent.smith@example.com');
    expect(user.value.departmentIds).toEqual([department.id]);
    expect(user.value).not.toHaveProperty('password_hash');

    const row = await platform.container.database.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', user.value.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', row.password_hash)).toBe(true);
    expect(await verifyPassword('wrong horse battery', row.password_hash)).toBe(false);

    expect((await services().accounts.authenticate('AGENT.SMITH@example.com', 'correct horse battery'))?.id).toBe(
      user.value.id,
    );
    expect(await services().accounts.authenticate('agent.smith@example.com', 'nope nope nope')).toBeNull();
    expect(await services().accounts.authenticate('nobody@example.com', 'correct horse battery')).toBeNull();

    const again = await services().accounts.createUser({
      orgId: organization.id,
      email: 'agent.smith@example.com',
      password: 'another long password',
      role: 'manager',
    });
    expect(again).toMatchObject({ ok: false, code: 'accounts.email_taken' });
  });

  it.each([
    [{ email: 'not-an-email' }, 'accounts.invalid_email'],
    [{ password: 'short' }, 'accounts.weak_password'],
    [{ role: 'owner' }, 'accounts.invalid_role'],
    [{ orgId: '0123456789abcdef01234567' }, 'accounts.org_not_found'],
    [{ departmentIds: ['0123456789abcdef01234567'] }, 'accounts.department_not_found'],
  ])('refuses a user with %o', async (change, code) => {
    const { organization } = await createOrgFixture(platform.container);
    const outcome = await services().accounts.createUser({
      orgId: organization.id,
      email: `u${Math.random().toString(36).slice(2)}@example.com`,
      password: 'long enough password',
      role: 'agent',
      ...change,
    });
    expect(outcome).toMatchObject({ ok: false, code });
  });

  it('does not let a user join a department of another organisation', async () => {
    const mine = await createOrgFixture(platform.container);
    const theirs = await createOrgFixture(platform.container);
    const outcome = await services().accounts.createUser({
      orgId: mine.organization.id,
      email: 'crossover@example.com',
      password: 'long enough password',
      role: 'agent',
      departmentIds: [theirs.department.id],
    });
    expect(outcome).toMatchObject({ ok: false, code: 'accounts.department_not_found' });
  });
});
