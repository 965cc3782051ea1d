import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container } from './container.js';

/**
 * The embedded default's demo organisation: on a database with no organisation, `npm start` creates one
 * with its site, a department owning +12025550100 (a fictional 555-01xx number that still passes
 * validation) and an admin user with a generated password, and writes them to DATA_DIR/demo.json (0600).
 * A later start reads that file again instead of creating anything.
 */
export interface DemoCredentials {
  organizationId: string;
  organizationName: string;
  siteId: string;
  departmentId: string;
  phoneNumber: string;
  adminEmail: string;
  adminPassword: string;
}

export const DEMO_PHONE_NUMBER = '+12025550100';
export const DEMO_ADMIN_EMAIL = 'admin@example.com';

export function demoFile(dataDir: string): string {
  return join(dataDir, 'demo.json');
}

export async function ensureDemo(container: Container): Promise<DemoCredentials | null> {
  const file = demoFile(container.config.dataDir);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;
  if ((await container.accounts.listOrganizations()).length > 0) return null;

  const created = await container.accounts.createOrganization({ name: 'Demo Organisation' });
  if (!created.ok) throw new Error(`demo organisation: ${created.code}`);
  const { organization, site } = created.value;
  const department = await container.sites.createDepartment({
    orgId: organization.id,
    name: 'Front Desk',
    phoneNumbers: [DEMO_PHONE_NUMBER],
  });
  if (!department.ok) throw new Error(`demo department: ${department.code}`);
  const adminPassword = randomBytes(15).toString('base64url');
  const admin = await container.accounts.createUser({
    orgId: organization.id,
    email: DEMO_ADMIN_EMAIL,
    password: adminPassword,
    role: 'admin',
    name: 'Demo Admin',
    departmentIds: [department.value.id],
  });
  if (!admin.ok) throw new Error(`demo admin: ${admin.code}`);

  const credentials: DemoCredentials = {
    organizationId: organization.id,
    organizationName: organization.name,
    siteId: site.id,
    departmentId: department.value.id,
    phoneNumber: DEMO_PHONE_NUMBER,
    adminEmail: DEMO_ADMIN_EMAIL,
    adminPassword,
  };
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}
