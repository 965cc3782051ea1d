import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyTestDatabase, testDialect } from '../harness/database.js';
import { runStratus } from '../harness/processes.js';

/** The admin CLI as a person runs it: real processes, a real database of the suite's dialect. */
describe(`stratus CLI on ${testDialect()}`, { timeout: 120_000 }, () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createEmptyTestDatabase();
    drop = database.drop;
    env = { DATABASE_URL: database.url, DATA_DIR: '/tmp/stratus-cli-test' };
  });
  afterAll(async () => drop());

  async function json(args: string[]) {
    const result = await runStratus([...args, '--json'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout);
  }

  it('migrates, then creates and lists organisations, sites, departments and users', async () => {
    expect(await json(['migrate'])).toMatchObject({ migrated: true, dialect: testDialect() });

    const org = await json(['org', 'create', '--name', 'CLI Clinic']);
    expect(org).toMatchObject({ name: 'CLI Clinic' });
    expect(org.id).toMatch(/^[0-9a-f]{24}$/);

    const site = await json(['site', 'create', '--org', org.id, '--name', 'Uptown', '--time-zone', 'America/Denver']);
    expect(site).toMatchObject({ orgId: org.id, name: 'Uptown', timeZone: 'America/Denver' });

    const inDefault = await json([
      'department',
      'create',
      '--org',
      'CLI Clinic',
      '--name',
      'Front',
      '--phone',
      '2025550111',
    ]);
    expect(inDefault).toMatchObject({ siteId: org.defaultSiteId, phoneNumbers: ['+12025550111'] });

    const inSite = await json([
      'department',
      'create',
      '--org',
      org.id,
      '--site',
      site.id,
      '--name',
      'Billing',
      '--phone',
      '+12025550112',
      '--phone',
      '(202) 555-0113',
    ]);
    expect(inSite).toMatchObject({ siteId: site.id, phoneNumbers: ['+12025550112', '+12025550113'] });

    const user = await json([
      'user',
      'create',
      '--org',
      org.id,
      '--email',
      'Boss@Clinic.example',
      '--password',
      'a long password',
      '--role',
      'manager',
      '--department',
      'Front',
      '--department',
      inSite.id,
    ]);
    expect(user).toMatchObject({ email: 'boss@clinic.example', role: 'manager' });
    expect(user.departmentIds.sort()).toEqual([inDefault.id, inSite.id].sort());

    const orgs = await json(['org', 'list']);
    expect(orgs.map((o: { id: string }) => o.id)).toContain(org.id);
    const sites = await json(['site', 'list', '--org', org.id]);
    expect(sites.map((s: { name: string }) => s.name)).toEqual(['Main', 'Uptown']);
    const departments = await json(['department', 'list', '--org', org.id]);
    expect(departments.map((d: { name: string }) => d.name)).toEqual(['Front', 'Billing']);

    const human = await runStratus(['department', 'list', '--org', org.id], env);
    expect(human.stdout).toContain('+12025550112');
  });

  it.each([
    [['org', 'create'], '--name is required'],
    [['org', 'create', '--name', 'X', '--bogus'], "Unknown option '--bogus'"],
    [['site', 'list', '--org', 'no-such-org'], 'unknown organisation "no-such-org"'],
    [
      ['department', 'create', '--org', 'CLI Clinic', '--name', 'Bad', '--phone', '+15551234567'],
      'Not a valid phone number',
    ],
    [['department', 'create', '--org', 'CLI Clinic', '--name', 'Dup', '--phone', '+12025550111'], 'already belongs'],
    [
      [
        'user',
        'create',
        '--org',
        'CLI Clinic',
        '--email',
        'boss@clinic.example',
        '--password',
        'a long password',
        '--role',
        'agent',
      ],
      'already exists',
    ],
    [
      [
        'user',
        'create',
        '--org',
        'CLI Clinic',
        '--email',
        'x@clinic.example',
        '--password',
        'a long password',
        '--role',
        'owner',
      ],
      'role',
    ],
    [['serve', '--role', 'everything'], '--role must be all, api or worker'],
  ])('fails with one clear line and a non-zero exit for %j', async (args, message) => {
    const result = await runStratus(args, env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });

  it('creates, lists and renews API clients, and rotates signing keys', async () => {
    const org = await json(['org', 'create', '--name', 'API Org']);
    const client = await json([
      'client',
      'create',
      '--org',
      org.id,
      '--name',
      'CRM Sync',
      '--redirect-uri',
      'https://crm.example.com/callback',
      '--redirect-uri',
      'http://localhost:3000/cb',
      '--client-credentials',
      '--scopes',
      'ReadContact,SendMessage',
    ]);
    expect(client).toMatchObject({ name: 'CRM Sync', clientCredentials: true });
    expect(client.clientId).toMatch(/^[a-z0-9]{26}$/);
    expect(client.apiKey).toMatch(/^sk_/);
    expect(client.scopes).toEqual([
      'https://com.beetexting.scopes/ReadContact',
      'https://com.beetexting.scopes/SendMessage',
    ]);
    expect(client.accessTokenUrl).toMatch(/\/oauth2\/token\/$/);

    const listed = await json(['client', 'list', '--org', org.id]);
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(client.clientSecret);
    expect(JSON.stringify(listed)).not.toContain(client.apiKey);

    const renewed = await json(['client', 'renew-secret', '--org', org.id, '--client', client.clientId]);
    expect(renewed.clientSecret).not.toBe(client.clientSecret);

    const rotated = await json(['keys', 'rotate']);
    expect(rotated.kid).toMatch(/^[0-9a-f]{24}$/);
  });

  it.each([
    [
      ['client', 'create', '--org', 'API Org', '--name', 'X', '--redirect-uri', 'http://crm.example.com/cb'],
      'Not allowed',
    ],
    [['client', 'create', '--org', 'API Org', '--name', 'X'], 'callback URL'],
    [
      [
        'client',
        'create',
        '--org',
        'API Org',
        '--name',
        'X',
        '--redirect-uri',
        'https://a.example/cb',
        '--scopes',
        'Everything',
      ],
      'unknown scope',
    ],
    [['client', 'renew-secret', '--org', 'API Org', '--client', 'nope'], 'API client not found'],
  ])('refuses bad API client input %j', async (args, message) => {
    const result = await runStratus(args, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it('names the variable when the configuration is invalid', async () => {
    const result = await runStratus(['org', 'list'], { ...env, PORT: 'abc' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT');
  });
});
