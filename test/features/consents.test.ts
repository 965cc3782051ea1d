import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateCustomConsentInput } from '../../src/features/consents/consents.service.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture } from '../harness/factories.js';

const OTHER_ID = '0123456789abcdef01234567';

describe(`custom consents (${testDialect()})`, () => {
  let platform: TestPlatform;
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  beforeAll(async () => {
    platform = await createTestPlatform({ clock });
  });
  afterAll(async () => platform.close());

  const consents = () => platform.container.consents;
  const db = () => platform.container.database.db;
  const org = async () => (await createOrgFixture(platform.container)).organization.id;

  function input(orgId: string, fields: Partial<CreateCustomConsentInput> = {}): CreateCustomConsentInput {
    return { orgId, name: 'Promotions', consentLevel: 'PROMOTIONAL', createdBy: 'user-1', ...fields };
  }

  async function create(orgId: string, fields: Partial<CreateCustomConsentInput> = {}) {
    const outcome = await consents().create(input(orgId, fields));
    if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`);
    return outcome.value;
  }

  async function keywordRows(orgId: string) {
    return db()
      .selectFrom('consent_keywords')
      .select(['keyword', 'consent_id', 'direction'])
      .where('org_id', '=', orgId)
      .orderBy('keyword')
      .execute();
  }

  it('creates a custom consent with every field', async () => {
    const orgId = await org();
    const created = await consents().create(
      input(orgId, {
        name: '  Weekly deals ',
        description: 'Our best offers, once a week',
        consentTypes: ['sms', 'mms', 'sms'],
        optInKeywords: ['DEALS', 'opt-in deals'],
        optOutKeywords: ['NODEALS'],
        optInMessage: 'Welcome to {org} deals!',
        optOutMessage: 'No more deals.',
      }),
    );
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.value).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      orgId,
      name: 'Weekly deals',
      description: 'Our best offers, once a week',
      consentLevel: 'PROMOTIONAL',
      consentTypes: ['sms', 'mms'],
      optInKeywords: ['DEALS', 'opt-in deals'],
      optOutKeywords: ['NODEALS'],
      optInMessage: 'Welcome to {org} deals!',
      optOutMessage: 'No more deals.',
      active: true,
      createdBy: 'user-1',
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    expect(await keywordRows(orgId)).toEqual([
      { keyword: 'DEALS', consent_id: created.value.id, direction: 'in' },
      { keyword: 'NODEALS', consent_id: created.value.id, direction: 'out' },
      { keyword: 'OPTINDEALS', consent_id: created.value.id, direction: 'in' },
    ]);
    expect(await consents().get(orgId, created.value.id)).toEqual({ ok: true, value: created.value });
  });

  it('updates only the fields sent and rewrites the keywords', async () => {
    const orgId = await org();
    const consent = await create(orgId, { description: 'keep', optInKeywords: ['JOIN'], optOutKeywords: ['LEAVE'] });
    clock.advance(1000);
    const updated = await consents().update(orgId, consent.id, {
      name: 'Renamed',
      optInKeywords: ['ENROL'],
      optOutMessage: 'Bye',
    });
    expect(updated.ok && updated.value).toMatchObject({
      name: 'Renamed',
      description: 'keep',
      consentLevel: 'PROMOTIONAL',
      optInKeywords: ['ENROL'],
      optOutKeywords: ['LEAVE'],
      optOutMessage: 'Bye',
      createdAt: consent.createdAt,
      updatedAt: clock.now(),
    });
    expect((await keywordRows(orgId)).map((k) => k.keyword)).toEqual(['ENROL', 'LEAVE']);

    const cleared = await consents().update(orgId, consent.id, { description: null, optOutKeywords: null });
    expect(cleared.ok && cleared.value).toMatchObject({
      description: null,
      optInKeywords: ['ENROL'],
      optOutKeywords: [],
    });
    expect((await keywordRows(orgId)).map((k) => k.keyword)).toEqual(['ENROL']);
    // The freed keywords may be used by another consent.
    expect((await consents().create(input(orgId, { name: 'Other', optInKeywords: ['LEAVE'] }))).ok).toBe(true);
  });

  it.each([
    [{ name: '' }, 'consents.invalid_field', 'name'],
    [{ name: 'x'.repeat(101) }, 'consents.invalid_field', 'name'],
    [{ consentLevel: 'LOUD' }, 'consents.invalid_field', 'consentLevel'],
    [{ description: 'x'.repeat(1001) }, 'consents.invalid_field', 'description'],
    [{ optInMessage: 'x'.repeat(641) }, 'consents.invalid_field', 'optInMessage'],
    [{ consentTypes: 'sms' }, 'consents.invalid_field', 'consentTypes'],
    [{ consentTypes: [''] }, 'consents.invalid_field', 'consentTypes'],
    [{ active: 'yes' }, 'consents.invalid_field', 'active'],
    [{ optInKeywords: 'JOIN' }, 'consents.invalid_field', 'optInKeywords'],
    [{ optInKeywords: Array.from({ length: 21 }, (_, i) => `K${i}`) }, 'consents.invalid_field', 'optInKeywords'],
    [{ optInKeywords: ['...'] }, 'consents.invalid_keyword', undefined],
    [{ optInKeywords: ['x'.repeat(31)] }, 'consents.invalid_keyword', undefined],
    [{ optInKeywords: ['JOIN'], optOutKeywords: ['join!'] }, 'consents.invalid_keyword', undefined],
    [{ optInKeywords: ['stop'] }, 'consents.reserved_keyword', undefined],
    [{ optOutKeywords: ['Opt Out'] }, 'consents.reserved_keyword', undefined],
    [{ optOutKeywords: ['stop all'] }, 'consents.reserved_keyword', undefined],
    [{ optInKeywords: ['Yes'] }, 'consents.reserved_keyword', undefined],
    [{ optInKeywords: ['info.'] }, 'consents.reserved_keyword', undefined],
    [{ optInKeywords: ['TAKEN'] }, 'consents.keyword_taken', undefined],
    [{ optOutKeywords: ['taken!'] }, 'consents.keyword_taken', undefined],
  ])('refuses %o with %s, writing nothing', async (fields, code, field) => {
    const orgId = await org();
    const existing = await create(orgId, { name: 'Existing', optInKeywords: ['TAKEN'] });
    const other = await create(orgId, { name: 'Other' });
    const keywordsBefore = await keywordRows(orgId);

    const created = await consents().create(input(orgId, { name: 'New', ...(fields as object) }));
    expect(created).toMatchObject({ ok: false, code });
    if (field) expect(created).toMatchObject({ details: { field } });
    const updated = await consents().update(orgId, other.id, fields as object);
    expect(updated).toMatchObject({ ok: false, code });

    expect((await consents().page(orgId, {}, 20, 0)).total).toBe(2);
    expect(await consents().get(orgId, other.id)).toEqual({ ok: true, value: other });
    expect(await consents().get(orgId, existing.id)).toEqual({ ok: true, value: existing });
    expect(await keywordRows(orgId)).toEqual(keywordsBefore);
  });

  it('refuses a second consent of the same name', async () => {
    const orgId = await org();
    const first = await create(orgId, { name: 'Same' });
    const second = await create(orgId, { name: 'Second' });
    expect(await consents().create(input(orgId, { name: 'Same' }))).toMatchObject({
      ok: false,
      code: 'consents.name_taken',
    });
    expect(await consents().update(orgId, second.id, { name: 'Same' })).toMatchObject({
      ok: false,
      code: 'consents.name_taken',
    });
    expect((await consents().update(orgId, first.id, { name: 'Same' })).ok).toBe(true);
  });

  it('requires a name and a level on create', async () => {
    const orgId = await org();
    const noName = await consents().create({ orgId, consentLevel: 'PROMOTIONAL', createdBy: null } as never);
    expect(noName).toMatchObject({ ok: false, code: 'consents.invalid_field', details: { field: 'name' } });
    const noLevel = await consents().create({ orgId, name: 'X', createdBy: null } as never);
    expect(noLevel).toMatchObject({ ok: false, code: 'consents.invalid_field', details: { field: 'consentLevel' } });
  });

  it('gives a keyword to only one of two consents created at once', async () => {
    const orgId = await org();
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        consents().create(input(orgId, { name: `Race ${i}`, optInKeywords: ['RACE'] })),
      ),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok).map((o) => !o.ok && o.code)).toEqual([
      'consents.keyword_taken',
      'consents.keyword_taken',
      'consents.keyword_taken',
    ]);
    expect((await consents().page(orgId, {}, 20, 0)).total).toBe(1);
    expect(await keywordRows(orgId)).toHaveLength(1);
  });

  it('lets two organisations use the same keyword and name', async () => {
    const a = await org();
    const b = await org();
    expect((await consents().create(input(a, { optInKeywords: ['JOIN'] }))).ok).toBe(true);
    expect((await consents().create(input(b, { optInKeywords: ['JOIN'] }))).ok).toBe(true);
  });

  it('changes status, and pages with the active filter in a stable order', async () => {
    const orgId = await org();
    const a = await create(orgId, { name: 'A' });
    const b = await create(orgId, { name: 'B' });
    const c = await create(orgId, { name: 'C', active: false });
    expect(c.active).toBe(false);
    clock.advance(1000);
    const off = await consents().changeStatus(orgId, a.id, false);
    expect(off.ok && off.value).toMatchObject({ active: false, updatedAt: clock.now() });
    const offAgain = await consents().changeStatus(orgId, a.id, false);
    expect(offAgain.ok && offAgain.value.updatedAt).toBe(clock.now());

    const names = async (filter: { active?: boolean }, limit = 20, offset = 0) => {
      const page = await consents().page(orgId, filter, limit, offset);
      return [page.total, page.consents.map((x) => x.name)];
    };
    expect(await names({})).toEqual([3, ['A', 'B', 'C']]);
    expect(await names({ active: true })).toEqual([1, ['B']]);
    expect(await names({ active: false })).toEqual([2, ['A', 'C']]);
    expect(await names({}, 1, 1)).toEqual([3, ['B']]);
    const on = await consents().changeStatus(orgId, a.id, true);
    expect(on.ok && on.value.active).toBe(true);
    expect(b.active).toBe(true);
  });

  it('adds and removes consent types without duplicates; removing an absent type changes nothing', async () => {
    const orgId = await org();
    const consent = await create(orgId, { consentTypes: ['sms'] });
    const types = async (action: 'add' | 'remove', list: string[]) => {
      const outcome = await consents().changeTypes(orgId, consent.id, action, list);
      if (!outcome.ok) throw new Error(outcome.code);
      return outcome.value.consentTypes;
    };
    expect(await types('add', ['mms', 'sms', ' email '])).toEqual(['sms', 'mms', 'email']);
    expect(await types('add', ['mms'])).toEqual(['sms', 'mms', 'email']);
    expect(await types('remove', ['sms', 'voice'])).toEqual(['mms', 'email']);
    expect(await types('remove', ['voice'])).toEqual(['mms', 'email']);
    expect(await consents().changeTypes(orgId, consent.id, 'toggle' as never, ['x'])).toMatchObject({
      ok: false,
      code: 'consents.invalid_field',
    });
    expect(await consents().changeTypes(orgId, consent.id, 'add', [''])).toMatchObject({
      ok: false,
      code: 'consents.invalid_field',
    });
    const many = Array.from({ length: 49 }, (_, i) => `t${i}`);
    expect(await consents().changeTypes(orgId, consent.id, 'add', many)).toMatchObject({
      ok: false,
      code: 'consents.invalid_field',
    });
    // Concurrent additions are all kept.
    const added = await Promise.all(
      ['a', 'b', 'c', 'd'].map((t) => consents().changeTypes(orgId, consent.id, 'add', [t])),
    );
    expect(added.every((o) => o.ok)).toBe(true);
    const now = await consents().get(orgId, consent.id);
    expect(now.ok && [...now.value.consentTypes].sort()).toEqual(['a', 'b', 'c', 'd', 'email', 'mms']);
  });

  it('answers not found for unknown ids and for another organisation', async () => {
    const mine = await org();
    const theirs = await org();
    const consent = await create(theirs, { optInKeywords: ['THEIRS'] });
    for (const id of [consent.id, OTHER_ID, 'nope']) {
      expect(await consents().get(mine, id)).toMatchObject({ ok: false, code: 'consents.not_found' });
      expect(await consents().update(mine, id, { name: 'Mine' })).toMatchObject({
        ok: false,
        code: 'consents.not_found',
      });
      expect(await consents().changeStatus(mine, id, false)).toMatchObject({ ok: false, code: 'consents.not_found' });
      expect(await consents().changeTypes(mine, id, 'add', ['x'])).toMatchObject({
        ok: false,
        code: 'consents.not_found',
      });
    }
    expect((await consents().page(mine, {}, 20, 0)).total).toBe(0);
    expect(await consents().get(theirs, consent.id)).toEqual({ ok: true, value: consent });
  });
});
