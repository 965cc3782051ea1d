import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactView } from '../../src/features/contacts/contacts.service.js';
import { ManualClock } from '../../src/platform/clock.js';
import { listEventsOfSubject } from '../../src/platform/events/events.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture, randomUsNumber } from '../harness/factories.js';

const OTHER_ID = '0123456789abcdef01234567';

describe(`contacts (${testDialect()})`, () => {
  let platform: TestPlatform;
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  beforeAll(async () => {
    platform = await createTestPlatform({ clock });
  });
  afterAll(async () => platform.close());

  const contacts = () => platform.container.contacts;
  const db = () => platform.container.database.db;
  const org = () => createOrgFixture(platform.container);

  async function create(orgId: string, fields: Record<string, unknown> = {}): Promise<ContactView> {
    const outcome = await contacts().upsertByNumber({ orgId, mobileNumber: randomUsNumber(), ...fields });
    if (!outcome.ok) throw new Error(outcome.code);
    return outcome.value.contact;
  }

  async function countRows(orgId: string) {
    const [contactRows, eventRows] = await Promise.all([
      db().selectFrom('contacts').select('id').where('org_id', '=', orgId).execute(),
      db().selectFrom('events').select('id').where('org_id', '=', orgId).execute(),
    ]);
    return { contacts: contactRows.length, events: eventRows.length };
  }

  it('creates a contact with every field, then updates only the fields sent', async () => {
    const { organization, site } = await org();
    clock.advance(1000);
    const first = await contacts().upsertByNumber({
      orgId: organization.id,
      mobileNumber: '(202) 555-0143',
      firstName: '  Ada ',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      company: 'Analytical Engines',
      notes: 'Prefers mornings',
      tags: ['vip', ' vip ', 'math'],
      siteIds: [site.id],
      customFields: { plan: 'gold', visits: 3, member: true },
    });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.value.created).toBe(true);
    const created = first.value.contact;
    expect(created).toMatchObject({
      orgId: organization.id,
      firstName: 'Ada',
      lastName: 'Lovelace',
      mobileNumber: '+12025550143',
      email: 'ada@example.com',
      company: 'Analytical Engines',
      notes: 'Prefers mornings',
      tags: ['vip', 'math'],
      siteIds: [site.id],
      customFields: { plan: 'gold', visits: 3, member: true },
      optedOut: false,
      optedOutAt: null,
      consents: [],
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);

    clock.advance(1000);
    const second = await contacts().upsertByNumber({
      orgId: organization.id,
      mobileNumber: '+1 202 555 0143',
      company: null,
      tags: ['vip'],
    });
    expect(second.ok && second.value.created).toBe(false);
    if (!second.ok) return;
    expect(second.value.contact).toMatchObject({
      id: created.id,
      firstName: 'Ada',
      email: 'ada@example.com',
      company: null,
      notes: 'Prefers mornings',
      tags: ['vip'],
      siteIds: [site.id],
      createdAt: created.createdAt,
      updatedAt: clock.now(),
    });

    const events = await listEventsOfSubject(db(), organization.id, created.id);
    expect(events.map((e) => [e.type, e.payload])).toEqual([
      ['contact.created', { contactId: created.id, mobileNumber: '+12025550143', lastUpdated: created.createdAt }],
      [
        'contact.updated',
        {
          contactId: created.id,
          mobileNumber: '+12025550143',
          lastUpdated: clock.now(),
          changedFields: ['company', 'tags'],
        },
      ],
    ]);
  });

  it('treats one number written three ways as one contact', async () => {
    const { organization } = await org();
    const results = [];
    for (const mobileNumber of ['2025550177', '(202) 555-0177', '+1 202-555-0177']) {
      const outcome = await contacts().upsertByNumber({ orgId: organization.id, mobileNumber, firstName: 'Grace' });
      expect(outcome.ok).toBe(true);
      if (outcome.ok) results.push(outcome.value);
    }
    expect(results.map((r) => r.created)).toEqual([true, false, false]);
    expect(new Set(results.map((r) => r.contact.id)).size).toBe(1);
    expect((await countRows(organization.id)).contacts).toBe(1);
  });

  it('writes no row, version or event for an upsert that changes nothing', async () => {
    const { organization } = await org();
    const contact = await create(organization.id, { firstName: 'Same' });
    clock.advance(1000);
    const again = await contacts().upsertByNumber({
      orgId: organization.id,
      mobileNumber: contact.mobileNumber,
      firstName: 'Same',
    });
    expect(again.ok && again.value).toMatchObject({ created: false, contact: { updatedAt: contact.updatedAt } });
    expect((await countRows(organization.id)).events).toBe(1);
  });

  it('makes exactly one contact from concurrent upserts of one number', async () => {
    const { organization } = await org();
    const number = randomUsNumber();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        contacts().upsertByNumber({ orgId: organization.id, mobileNumber: number, notes: `writer ${i}` }),
      ),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const values = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
    expect(values.filter((v) => v.created)).toHaveLength(1);
    expect(new Set(values.map((v) => v.contact.id)).size).toBe(1);
    const rows = await db().selectFrom('contacts').selectAll().where('org_id', '=', organization.id).execute();
    expect(rows).toHaveLength(1);
    const events = await listEventsOfSubject(db(), organization.id, rows[0]!.id);
    expect(events.filter((e) => e.type === 'contact.created')).toHaveLength(1);
    // Every update that changed the notes bumped the version once and wrote one event.
    expect(rows[0]!.version).toBe(events.length);
  });

  it('keeps concurrent updates of different fields of one contact', async () => {
    const { organization } = await org();
    const contact = await create(organization.id);
    const outcomes = await Promise.all([
      contacts().updateById(organization.id, contact.id, { firstName: 'Alan' }),
      contacts().updateById(organization.id, contact.id, { lastName: 'Turing' }),
      contacts().updateById(organization.id, contact.id, { email: 'alan@example.com' }),
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const after = await contacts().getById(organization.id, contact.id);
    expect(after.ok && after.value).toMatchObject({ firstName: 'Alan', lastName: 'Turing', email: 'alan@example.com' });
    const found = await contacts().search(organization.id, { q: 'alan turing' }, 20, 0);
    expect(found.ok && found.value.total).toBe(1);
  });

  it('updates by id and by number, only the fields sent, and moves a contact to a free number', async () => {
    const { organization } = await org();
    const contact = await create(organization.id, { firstName: 'Old', notes: 'keep' });
    const byId = await contacts().updateById(organization.id, contact.id, { firstName: 'New', tags: ['a'] });
    expect(byId.ok && byId.value).toMatchObject({ firstName: 'New', notes: 'keep', tags: ['a'] });

    const byNumber = await contacts().updateByNumber(organization.id, contact.mobileNumber.slice(2), {
      lastName: 'Name',
      tags: null,
    });
    expect(byNumber.ok && byNumber.value).toMatchObject({ firstName: 'New', lastName: 'Name', tags: [] });

    const newNumber = randomUsNumber();
    const moved = await contacts().updateById(organization.id, contact.id, { mobileNumber: newNumber });
    expect(moved.ok && moved.value.mobileNumber).toBe(newNumber);
    expect(await contacts().getByNumber(organization.id, contact.mobileNumber)).toMatchObject({
      ok: false,
      code: 'contacts.not_found',
    });
    const events = await listEventsOfSubject(db(), organization.id, contact.id);
    expect(events.at(-1)!.payload).toMatchObject({
      changedFields: ['mobileNumber'],
      mobileNumber: newNumber,
      previousMobileNumber: contact.mobileNumber,
    });
  });

  it('refuses a number that belongs to another contact, writing nothing', async () => {
    const { organization } = await org();
    const a = await create(organization.id);
    const b = await create(organization.id);
    const before = await countRows(organization.id);
    const outcome = await contacts().updateById(organization.id, a.id, {
      mobileNumber: b.mobileNumber,
      firstName: 'Changed',
    });
    expect(outcome).toMatchObject({ ok: false, code: 'contacts.number_taken' });
    expect(await countRows(organization.id)).toEqual(before);
    const unchanged = await contacts().getById(organization.id, a.id);
    expect(unchanged.ok && unchanged.value.firstName).toBeNull();
  });

  it('answers not found for unknown ids and numbers, and for another organisation', async () => {
    const mine = await org();
    const theirs = await org();
    const contact = await create(theirs.organization.id);
    const orgId = mine.organization.id;
    for (const id of [contact.id, OTHER_ID, 'not-an-id']) {
      expect(await contacts().getById(orgId, id)).toMatchObject({ ok: false, code: 'contacts.not_found' });
      expect(await contacts().updateById(orgId, id, { firstName: 'X' })).toMatchObject({
        ok: false,
        code: 'contacts.not_found',
      });
      expect(await contacts().delete(orgId, id)).toMatchObject({ ok: false, code: 'contacts.not_found' });
      expect(await contacts().consentHistory(orgId, id)).toMatchObject({ ok: false, code: 'contacts.not_found' });
    }
    expect(await contacts().getByNumber(orgId, contact.mobileNumber)).toMatchObject({
      ok: false,
      code: 'contacts.not_found',
    });
    expect(await contacts().updateByNumber(orgId, contact.mobileNumber, { firstName: 'X' })).toMatchObject({
      ok: false,
      code: 'contacts.not_found',
    });
    expect((await contacts().page(orgId, {}, 20, 0)).total).toBe(0);
    const search = await contacts().search(orgId, { number: contact.mobileNumber }, 20, 0);
    expect(search.ok && search.value.total).toBe(0);
    // The other organisation's contact is untouched.
    const theirsNow = await contacts().getById(theirs.organization.id, contact.id);
    expect(theirsNow.ok && theirsNow.value.firstName).toBeNull();
  });

  it.each([
    [{ mobileNumber: '+15551234567' }, 'contacts.invalid_number', undefined],
    [{ mobileNumber: 'call me' }, 'contacts.invalid_number', undefined],
    [{ mobileNumber: '' }, 'contacts.invalid_number', undefined],
    [{ firstName: 'x'.repeat(101) }, 'contacts.invalid_field', 'firstName'],
    [{ lastName: 'x'.repeat(101) }, 'contacts.invalid_field', 'lastName'],
    [{ company: 'x'.repeat(101) }, 'contacts.invalid_field', 'company'],
    [{ notes: 'x'.repeat(5001) }, 'contacts.invalid_field', 'notes'],
    [{ firstName: 42 }, 'contacts.invalid_field', 'firstName'],
    [{ email: 'not-an-email' }, 'contacts.invalid_field', 'email'],
    [{ email: 'a b@example.com' }, 'contacts.invalid_field', 'email'],
    [{ tags: 'vip' }, 'contacts.invalid_field', 'tags'],
    [{ tags: [1] }, 'contacts.invalid_field', 'tags'],
    [{ tags: [''] }, 'contacts.invalid_field', 'tags'],
    [{ tags: ['x'.repeat(51)] }, 'contacts.invalid_field', 'tags'],
    [{ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'contacts.invalid_field', 'tags'],
    [{ customFields: ['a'] }, 'contacts.invalid_field', 'customFields'],
    [{ customFields: { nested: { a: 1 } } }, 'contacts.invalid_field', 'customFields'],
    [{ customFields: { '': 'x' } }, 'contacts.invalid_field', 'customFields'],
    [{ customFields: { big: 'x'.repeat(1001) } }, 'contacts.invalid_field', 'customFields'],
    [{ siteIds: [OTHER_ID] }, 'contacts.invalid_site', undefined],
    [{ siteIds: ['main'] }, 'contacts.invalid_site', undefined],
  ])('refuses %o with %s, writing nothing', async (fields, code, field) => {
    const { organization } = await org();
    const existing = await create(organization.id, { firstName: 'Before' });
    const before = await countRows(organization.id);
    // Some cases break the static types on purpose: the service must refuse what a route schema would not catch.
    const sent = fields as unknown as Record<string, never>;
    const created = await contacts().upsertByNumber({
      orgId: organization.id,
      mobileNumber: randomUsNumber(),
      ...sent,
    });
    expect(created).toMatchObject({ ok: false, code });
    if (field) expect(created).toMatchObject({ details: { field } });
    const updated = await contacts().updateById(organization.id, existing.id, { firstName: 'After', ...sent });
    expect(updated).toMatchObject({ ok: false, code });
    expect(await countRows(organization.id)).toEqual(before);
    const unchanged = await contacts().getById(organization.id, existing.id);
    expect(unchanged.ok && unchanged.value.firstName).toBe('Before');
  });

  it('refuses a site of another organisation', async () => {
    const mine = await org();
    const theirs = await org();
    const outcome = await contacts().upsertByNumber({
      orgId: mine.organization.id,
      mobileNumber: randomUsNumber(),
      siteIds: [theirs.site.id],
    });
    expect(outcome).toMatchObject({ ok: false, code: 'contacts.invalid_site' });
  });

  it('pages in a stable order and filters by site and exact tag', async () => {
    const { organization, site } = await org();
    const branch = await platform.container.sites.createSite({ orgId: organization.id, name: 'Branch' });
    if (!branch.ok) throw new Error(branch.code);
    // Several contacts in the same millisecond: the id breaks the tie.
    const a = await create(organization.id, { tags: ['VIP', 'x,y'], siteIds: [site.id] });
    const b = await create(organization.id, { tags: ['vip'], siteIds: [branch.value.id] });
    const c = await create(organization.id, { tags: ['vip "quoted"', '50%_off'], siteIds: [site.id, branch.value.id] });
    clock.advance(1);
    const d = await create(organization.id, { tags: [] });

    const all = await contacts().page(organization.id, {}, 20, 0);
    expect(all.total).toBe(4);
    expect(all.contacts.map((x) => x.id)).toEqual([a.id, b.id, c.id, d.id]);
    const pageTwo = await contacts().page(organization.id, {}, 2, 2);
    expect(pageTwo.contacts.map((x) => x.id)).toEqual([c.id, d.id]);
    const newest = await contacts().page(organization.id, { sort: { field: 'created_at', direction: 'desc' } }, 2, 0);
    expect(newest.contacts.map((x) => x.id)).toEqual([d.id, c.id]);

    const ids = async (query: { siteId?: string; tag?: string }) =>
      (await contacts().page(organization.id, query, 20, 0)).contacts.map((x) => x.id);
    expect(await ids({ siteId: site.id })).toEqual([a.id, c.id]);
    expect(await ids({ siteId: branch.value.id })).toEqual([b.id, c.id]);
    expect(await ids({ siteId: 'nonsense' })).toEqual([]);
    expect(await ids({ tag: 'vip' })).toEqual([b.id]);
    expect(await ids({ tag: 'VIP' })).toEqual([a.id]);
    expect(await ids({ tag: 'x,y' })).toEqual([a.id]);
    expect(await ids({ tag: 'x' })).toEqual([]);
    expect(await ids({ tag: 'vip "quoted"' })).toEqual([c.id]);
    expect(await ids({ tag: '50%_off' })).toEqual([c.id]);
    expect(await ids({ tag: '50%' })).toEqual([]);
    expect(await ids({ tag: 'vip', siteId: branch.value.id })).toEqual([b.id]);
  });

  it('searches by digits of the number and by name or email, case-insensitively in any script', async () => {
    const { organization } = await org();
    const ada = await create(organization.id, { firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Example.com' });
    const zoe = await create(organization.id, { firstName: 'ZOË', lastName: 'Ünal', email: 'zoe_x@example.org' });
    const pct = await create(organization.id, { firstName: '100%', lastName: 'Sure' });
    const search = async (query: { number?: string; q?: string }) => {
      const outcome = await contacts().search(organization.id, query, 20, 0);
      if (!outcome.ok) throw new Error(outcome.code);
      return outcome.value.contacts.map((c) => c.id);
    };
    expect(await search({ q: 'ada' })).toEqual([ada.id]);
    expect(await search({ q: 'LOVE' })).toEqual([ada.id]);
    expect(await search({ q: 'ada lovelace' })).toEqual([ada.id]);
    expect(await search({ q: 'example.COM' })).toEqual([ada.id]);
    expect(await search({ q: 'zoë' })).toEqual([zoe.id]);
    expect(await search({ q: 'ünal' })).toEqual([zoe.id]);
    expect(await search({ q: 'zoe_x' })).toEqual([zoe.id]);
    expect(await search({ q: 'zoe_' })).toEqual([zoe.id]);
    expect(await search({ q: 'e_x' })).toEqual([zoe.id]);
    expect(await search({ q: 'a_a' })).toEqual([]);
    expect(await search({ q: '%' })).toEqual([pct.id]);
    expect(await search({ q: '100%' })).toEqual([pct.id]);
    expect(await search({ q: '' })).toEqual([ada.id, zoe.id, pct.id]);
    expect(await search({ q: 'nobody' })).toEqual([]);

    const digits = zoe.mobileNumber.slice(-7);
    expect(await search({ number: `${digits.slice(0, 3)}-${digits.slice(3)}` })).toEqual([zoe.id]);
    expect(await search({ number: zoe.mobileNumber })).toEqual([zoe.id]);
    expect(await search({ number: zoe.mobileNumber, q: 'ada' })).toEqual([]);
    expect(await contacts().search(organization.id, { number: 'abc' }, 20, 0)).toMatchObject({
      ok: false,
      code: 'contacts.invalid_field',
      details: { field: 'number' },
    });
    expect(await contacts().search(organization.id, { q: 'x'.repeat(101) }, 20, 0)).toMatchObject({
      ok: false,
      code: 'contacts.invalid_field',
      details: { field: 'q' },
    });
  });

  it('deletes a contact with its event, keeping its consent ledger for the number', async () => {
    const { organization, department } = await org();
    const contact = await create(organization.id, { firstName: 'Leaving' });
    const stop = await platform.container.optOut.classifyInbound({
      orgId: organization.id,
      departmentId: department.id,
      fromNumber: contact.mobileNumber,
      text: 'STOP',
    });
    expect(stop.ok && stop.value.changed).toBe(true);

    clock.advance(1000);
    const deleted = await contacts().delete(organization.id, contact.id);
    expect(deleted.ok && deleted.value).toMatchObject({ id: contact.id, optedOut: true });
    expect(await contacts().getById(organization.id, contact.id)).toMatchObject({ ok: false });
    expect(await contacts().delete(organization.id, contact.id)).toMatchObject({
      ok: false,
      code: 'contacts.not_found',
    });
    const events = await listEventsOfSubject(db(), organization.id, contact.id);
    expect(events.at(-1)).toMatchObject({
      type: 'contact.deleted',
      payload: { contactId: contact.id, mobileNumber: contact.mobileNumber, lastUpdated: clock.now() },
    });
    const ledger = await db()
      .selectFrom('consent_ledger')
      .selectAll()
      .where('mobile_number', '=', contact.mobileNumber)
      .execute();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]!.contact_id).toBe(contact.id);

    // A contact made again for the number is still opted out, and its history is the number's.
    const again = await contacts().upsertByNumber({ orgId: organization.id, mobileNumber: contact.mobileNumber });
    expect(again.ok && again.value).toMatchObject({ created: true, contact: { optedOut: true } });
    if (!again.ok) return;
    expect(again.value.contact.id).not.toBe(contact.id);
    const history = await contacts().consentHistory(organization.id, again.value.contact.id);
    expect(history.ok && history.value.map((e) => e.status)).toEqual(['OPTED_OUT']);
  });

  it('derives optedOut and consents from the ledger, and lists the consent history in order', async () => {
    const { organization, department } = await org();
    const contact = await create(organization.id);
    const consent = await platform.container.consents.create({
      orgId: organization.id,
      name: 'Appointment reminders',
      consentLevel: 'INFORMATIONAL',
      optInKeywords: ['REMIND'],
      optOutKeywords: ['NOREMIND'],
      createdBy: 'system',
    });
    if (!consent.ok) throw new Error(consent.code);
    const inbound = (text: string) =>
      platform.container.optOut.classifyInbound({
        orgId: organization.id,
        departmentId: department.id,
        fromNumber: contact.mobileNumber,
        text,
      });
    const times: number[] = [];
    for (const text of ['remind', 'STOP', 'START', 'noremind']) {
      clock.advance(60_000);
      times.push(clock.now());
      expect((await inbound(text)).ok).toBe(true);
    }
    const viewNow = await contacts().getById(organization.id, contact.id);
    expect(viewNow.ok && viewNow.value).toMatchObject({
      optedOut: false,
      optedOutAt: null,
      consents: [{ customConsentId: consent.value.id, status: 'OPTED_OUT', source: 'keyword', updatedAt: times[3] }],
    });
    const history = await contacts().consentHistory(organization.id, contact.id);
    expect(
      history.ok && history.value.map((e) => [e.scope === 'global' ? 'global' : 'custom', e.status, e.createdAt]),
    ).toEqual([
      ['custom', 'OPTED_IN', times[0]],
      ['global', 'OPTED_OUT', times[1]],
      ['global', 'OPTED_IN', times[2]],
      ['custom', 'OPTED_OUT', times[3]],
    ]);
    expect(history.ok && history.value[1]).toMatchObject({
      contactId: contact.id,
      customConsentId: null,
      source: 'keyword',
      actor: 'system',
      departmentId: department.id,
    });

    await inbound('stop');
    const optedOut = await contacts().getByNumber(organization.id, contact.mobileNumber);
    expect(optedOut.ok && optedOut.value).toMatchObject({ optedOut: true, optedOutAt: clock.now() });
  });
});
