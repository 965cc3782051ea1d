import { randomInt } from 'node:crypto';
import type { Container } from '../../src/container.js';

/**
 * A valid, unused-looking US mobile number: area code 212, exchange 2xx–9xx. libphonenumber accepts it,
 * and random digits keep tests from colliding on the platform-wide unique phone number.
 */
export function randomUsNumber(): string {
  return `+1212${randomInt(200, 1000)}${String(randomInt(0, 10000)).padStart(4, '0')}`;
}

/** A fresh organisation with its default site and one department owning one number. */
export async function createOrgFixture(container: Container, name = 'Test Org') {
  const created = await container.accounts.createOrganization({ name });
  if (!created.ok) throw new Error(created.code);
  const { organization, site } = created.value;
  const phoneNumber = randomUsNumber();
  const department = await container.sites.createDepartment({
    orgId: organization.id,
    name: 'Support',
    phoneNumbers: [phoneNumber],
  });
  if (!department.ok) throw new Error(department.code);
  return { organization, site, department: department.value, phoneNumber };
}
