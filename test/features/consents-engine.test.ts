import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGING_TEXTS } from '../../src/features/consents/consents.engine.js';
import { ManualClock } from '../../src/platform/clock.js';
import { listEventsOfSubject } from '../../src/platform/events/events.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture, randomUsNumber } from '../harness/factories.js';

const OTHER_ID = '0123456789abcdef01234567';

describe(`opt-out engine and consent ledger (${testDialect()})`, () => {
  let platform: TestPlatform;
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  beforeAll(async () => {
    platform = await createTestPlatform({ clock });
  });
  afterAll(async () => platform.close());

  const engine = () => platform.container.optOut;
  const db = () => platform.container.database.db;

  async function setup(name = 'Acme Dental') {
    const fixture = await createOrgFixture(platform.container, name);
    const orgId = fixture.organization.id;
    const inbound = (fromNumber: string, text: string, messageId?: string) =>
      engine().classifyInbound({
        orgId,
        departmentId: fixture.department.id,
        fromNumber,
        text,
        ...(messageId ? { messageId } : {}),
      });
    return { ...fixture, orgId, inbound };
  }

  async function ledgerOf(orgId: string, number: string) {
    return db()
      .selectFrom('consent_ledger')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('mobile_number', '=', number)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  const optOutText = (org: string) => DEFAULT_MESSAGING_TEXTS.optOutConfirmation.replace('{org}', org);
  const optInText = (org: string) => DEFAULT_MESSAGING_TEXTS.optInConfirmation.replace('{org}', org);
  const helpText = (org: string) => DEFAULT_MESSAGING_TEXTS.helpText.replace('{org}', org);

  it.each([
    'STOP',
    'stop ',
    'Stop.',
    'UNSUBSCRIBE',
    ' STOP ALL ',
    'stopall',
    'opt-out',
    'Opt Out',
    'OPTOUT',
    'cancel',
    'End!',
    'quit',
    'Revoke',
    'ＳＴＯＰ',
  ])('opts out on %j with one ledger entry and one confirmation', async (text) => {
    const { orgId, department, inbound } = await setup();
    const number = randomUsNumber();
    const first = await inbound(number, text, 'msg-1');
    expect(first.ok && first.value).toMatchObject({
      kind: 'opt_out',
      changed: true,
      reply:
        'You have been unsubscribed from Acme Dental messages. No more messages will be sent. Reply START to resubscribe.',
      consentId: null,
    });
    const again = await inbound(number, text);
    expect(again.ok && again.value).toMatchObject({ kind: 'opt_out', changed: false, reply: null });
    const ledger = await ledgerOf(orgId, number);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      scope: 'global',
      status: 'OPTED_OUT',
      source: 'keyword',
      actor: 'system',
      department_id: department.id,
      message_id: 'msg-1',
      contact_id: first.ok ? first.value.contactId : null,
    });
    expect(await engine().mayText({ orgId, number })).toEqual({
      ok: true,
      value: { allowed: false, reason: 'opted_out' },
    });
  });

  it('opts back in with START, confirming each change once', async () => {
    const { orgId, inbound } = await setup('Bright Smiles');
    const number = randomUsNumber();
    const replies: Array<[string, boolean, string | null]> = [];
    for (const text of ['STOP', 'stop', 'START', 'unstop', 'Yes', 'quit', 'start.']) {
      clock.advance(1000);
      const outcome = await inbound(number, text);
      if (!outcome.ok) throw new Error(outcome.code);
      replies.push([outcome.value.kind, outcome.value.changed, outcome.value.reply]);
    }
    expect(replies).toEqual([
      ['opt_out', true, optOutText('Bright Smiles')],
      ['opt_out', false, null],
      ['opt_in', true, optInText('Bright Smiles')],
      ['opt_in', false, null],
      ['opt_in', false, null],
      ['opt_out', true, optOutText('Bright Smiles')],
      ['opt_in', true, optInText('Bright Smiles')],
    ]);
    const ledger = await ledgerOf(orgId, number);
    expect(ledger.map((e) => e.status)).toEqual(['OPTED_OUT', 'OPTED_IN', 'OPTED_OUT', 'OPTED_IN']);
    expect(await engine().mayText({ orgId, number })).toEqual({ ok: true, value: { allowed: true } });
  });

  it('records nothing and answers nothing for START or YES from a number never opted out', async () => {
    const { orgId, inbound } = await setup();
    const number = randomUsNumber();
    for (const text of ['START', 'yes', 'Yes!']) {
      const outcome = await inbound(number, text);
      expect(outcome.ok && outcome.value).toMatchObject({ kind: 'opt_in', changed: false, reply: null });
    }
    expect(await ledgerOf(orgId, number)).toEqual([]);
  });

  it('answers HELP and INFO every time, even when opted out, without touching the ledger', async () => {
    const { orgId, inbound } = await setup('Help Desk Co');
    const number = randomUsNumber();
    for (const text of ['HELP', 'help?', 'Info', 'STOP', 'help']) {
      const outcome = await inbound(number, text);
      if (!outcome.ok) throw new Error(outcome.code);
      if (text === 'STOP') continue;
      expect(outcome.value).toMatchObject({ kind: 'help', changed: false, reply: helpText('Help Desk Co') });
      expect(outcome.value.contactId).toMatch(/^[0-9a-f]{24}$/);
    }
    expect((await ledgerOf(orgId, number)).map((e) => e.status)).toEqual(['OPTED_OUT']);
  });

  it.each(['please stop texting me', 'Stop it now', 'hello', '', '   ', '!!!', 'x'.repeat(500), 'stopp', 'STOP STOP'])(
    'treats %j as no keyword, writing nothing',
    async (text) => {
      const { orgId, inbound } = await setup();
      const number = randomUsNumber();
      const outcome = await inbound(number, text);
      expect(outcome).toEqual({
        ok: true,
        value: { kind: 'none', changed: false, reply: null, contactId: null, consentId: null },
      });
      expect(await ledgerOf(orgId, number)).toEqual([]);
      expect(await platform.container.contacts.getByNumber(orgId, number)).toMatchObject({ ok: false });
    },
  );

  it('creates the contact of a new number with its events, in the transaction of the change', async () => {
    const { orgId, inbound } = await setup();
    const number = randomUsNumber();
    const stop = await inbound(number, 'STOP');
    if (!stop.ok) throw new Error(stop.code);
    const contactId = stop.value.contactId!;
    const contact = await platform.container.contacts.getById(orgId, contactId);
    expect(contact.ok && contact.value).toMatchObject({
      mobileNumber: number,
      optedOut: true,
      optedOutAt: clock.now(),
    });
    const types = async () => (await listEventsOfSubject(db(), orgId, contactId)).map((e) => [e.type, e.payload]);
    expect(await types()).toEqual([
      ['contact.created', { contactId, mobileNumber: number, lastUpdated: clock.now() }],
      ['contact.updated', { contactId, mobileNumber: number, lastUpdated: clock.now(), changedFields: ['optedOut'] }],
    ]);
    await inbound(number, 'stop');
    expect(await types()).toHaveLength(2);
  });

  it('refuses an unreadable sender number, writing nothing', async () => {
    const { orgId, inbound } = await setup();
    const before = await db().selectFrom('events').select('id').where('org_id', '=', orgId).execute();
    for (const from of ['SHORTCODE', '+1555000', '']) {
      expect(await inbound(from, 'STOP')).toMatchObject({ ok: false, code: 'consents.invalid_number' });
    }
    expect(await db().selectFrom('consent_ledger').select('id').where('org_id', '=', orgId).execute()).toEqual([]);
    expect(await db().selectFrom('events').select('id').where('org_id', '=', orgId).execute()).toEqual(before);
    expect(await engine().mayText({ orgId, number: 'nope' })).toMatchObject({
      ok: false,
      code: 'consents.invalid_number',
    });
  });

  it('reads the sender in national format as the same number', async () => {
    const { orgId, inbound } = await setup();
    expect((await inbound('(202) 555-0188', 'STOP')).ok).toBe(true);
    expect(await engine().mayText({ orgId, number: '+12025550188' })).toEqual({
      ok: true,
      value: { allowed: false, reason: 'opted_out' },
    });
  });

  it('appends one entry and sends one confirmation for concurrent STOPs of one number', async () => {
    const { orgId, inbound } = await setup();
    const number = randomUsNumber();
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => inbound(number, 'STOP')));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const values = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
    expect(values.filter((v) => v.changed)).toHaveLength(1);
    expect(values.filter((v) => v.reply !== null)).toHaveLength(1);
    expect(new Set(values.map((v) => v.contactId)).size).toBe(1);
    expect(await ledgerOf(orgId, number)).toHaveLength(1);
  });

  it('keeps each organisation’s opt-outs to itself', async () => {
    const a = await setup('Org A');
    const b = await setup('Org B');
    const number = randomUsNumber();
    await a.inbound(number, 'STOP');
    expect(await engine().mayText({ orgId: a.orgId, number })).toMatchObject({ value: { allowed: false } });
    expect(await engine().mayText({ orgId: b.orgId, number })).toEqual({ ok: true, value: { allowed: true } });
    const other = await b.inbound(number, 'START');
    expect(other.ok && other.value.changed).toBe(false);
  });

  it('opts in to and out of a custom consent with its own keywords', async () => {
    const { orgId, inbound } = await setup('Acme Dental');
    const consent = await platform.container.consents.create({
      orgId,
      name: 'Reminders',
      consentLevel: 'INFORMATIONAL',
      optInKeywords: ['REMIND ME'],
      optOutKeywords: ['NOREMIND', 'no-reminders'],
      createdBy: 'system',
    });
    if (!consent.ok) throw new Error(consent.code);
    const consentId = consent.value.id;
    const number = randomUsNumber();
    expect(await engine().mayText({ orgId, number, consentId })).toEqual({
      ok: true,
      value: { allowed: false, reason: 'consent_required' },
    });
    // An opt-out of a consent never given changes nothing.
    expect((await inbound(number, 'noremind')).ok && (await ledgerOf(orgId, number)).length).toBe(0);

    const join = await inbound(number, 'remind me!');
    expect(join.ok && join.value).toMatchObject({
      kind: 'consent_opt_in',
      changed: true,
      consentId,
      reply: 'You have opted in to Reminders messages from Acme Dental. Reply NOREMIND to opt out.',
    });
    const joinAgain = await inbound(number, 'Remind me');
    expect(joinAgain.ok && joinAgain.value).toMatchObject({ kind: 'consent_opt_in', changed: false, reply: null });
    expect(await engine().mayText({ orgId, number, consentId })).toEqual({ ok: true, value: { allowed: true } });

    const leave = await inbound(number, 'No reminders');
    expect(leave.ok && leave.value).toMatchObject({
      kind: 'consent_opt_out',
      changed: true,
      reply: 'You have opted out of Reminders messages from Acme Dental.',
    });
    expect(await engine().mayText({ orgId, number, consentId })).toMatchObject({
      value: { allowed: false, reason: 'consent_required' },
    });
    // The organisation-wide state is untouched by a custom consent.
    expect(await engine().mayText({ orgId, number })).toEqual({ ok: true, value: { allowed: true } });

    // The consent's own messages, with placeholders.
    await platform.container.consents.update(orgId, consentId, {
      optInMessage: '{org}: {consent} on. Text {keyword} to stop.',
      optOutMessage: '{consent} off.',
    });
    const custom = await inbound(number, 'REMIND ME');
    expect(custom.ok && custom.value.reply).toBe('Acme Dental: Reminders on. Text NOREMIND to stop.');
    const customOff = await inbound(number, 'NOREMIND');
    expect(customOff.ok && customOff.value.reply).toBe('Reminders off.');

    // A globally opted-out number's consent change is recorded but not answered; STOP still wins for mayText.
    await inbound(number, 'STOP');
    const silent = await inbound(number, 'REMIND ME');
    expect(silent.ok && silent.value).toMatchObject({ kind: 'consent_opt_in', changed: true, reply: null });
    expect(await engine().mayText({ orgId, number, consentId })).toMatchObject({
      value: { allowed: false, reason: 'opted_out' },
    });

    // An inactive consent's keywords are not acted on, and it cannot be texted for.
    await platform.container.consents.changeStatus(orgId, consentId, false);
    const inactive = await inbound(number, 'NOREMIND');
    expect(inactive.ok && inactive.value.kind).toBe('none');
    await inbound(number, 'START');
    expect(await engine().mayText({ orgId, number, consentId })).toEqual({
      ok: true,
      value: { allowed: false, reason: 'consent_inactive' },
    });
  });

  it('uses the default opt-in reply without an opt-out keyword', async () => {
    const { orgId, inbound } = await setup('Solo');
    const consent = await platform.container.consents.create({
      orgId,
      name: 'News',
      consentLevel: 'PROMOTIONAL',
      optInKeywords: ['NEWS'],
      createdBy: null,
    });
    if (!consent.ok) throw new Error(consent.code);
    const outcome = await inbound(randomUsNumber(), 'news');
    expect(outcome.ok && outcome.value.reply).toBe(
      'You have opted in to News messages from Solo. Reply STOP to stop all messages.',
    );
  });

  it('does not act on another organisation’s consent keywords or ids', async () => {
    const mine = await setup();
    const theirs = await setup();
    const consent = await platform.container.consents.create({
      orgId: theirs.orgId,
      name: 'Theirs',
      consentLevel: 'PROMOTIONAL',
      optInKeywords: ['THEIRS'],
      createdBy: null,
    });
    if (!consent.ok) throw new Error(consent.code);
    const number = randomUsNumber();
    const outcome = await mine.inbound(number, 'THEIRS');
    expect(outcome.ok && outcome.value.kind).toBe('none');
    for (const consentId of [consent.value.id, OTHER_ID, 'bad']) {
      expect(await engine().mayText({ orgId: mine.orgId, number, consentId })).toMatchObject({
        ok: false,
        code: 'consents.not_found',
      });
      expect(
        await engine().optIn({ orgId: mine.orgId, number, consentId, source: 'api', actor: 'client-1' }),
      ).toMatchObject({ ok: false, code: 'consents.not_found' });
    }
  });

  it('records API and app opt-outs and opt-ins with their source and actor', async () => {
    const { orgId } = await setup();
    const consent = await platform.container.consents.create({
      orgId,
      name: 'Offers',
      consentLevel: 'PROMOTIONAL',
      createdBy: null,
    });
    if (!consent.ok) throw new Error(consent.code);
    const number = randomUsNumber();
    const out = await engine().optOut({ orgId, number, source: 'api', actor: 'client-9' });
    expect(out.ok && out.value).toMatchObject({ changed: true, entry: { source: 'api', actor: 'client-9' } });
    const outAgain = await engine().optOut({ orgId, number, source: 'app', actor: 'user-1' });
    expect(outAgain.ok && outAgain.value).toMatchObject({ changed: false, entry: null });
    const back = await engine().optIn({ orgId, number, source: 'app', actor: 'user-1' });
    expect(back.ok && back.value.changed).toBe(true);
    const consentIn = await engine().optIn({
      orgId,
      number,
      consentId: consent.value.id,
      source: 'import',
      actor: 'user-1',
    });
    expect(consentIn.ok && consentIn.value).toMatchObject({
      changed: true,
      entry: { customConsentId: consent.value.id, scope: consent.value.id },
    });

    await platform.container.consents.changeStatus(orgId, consent.value.id, false);
    expect(
      await engine().optIn({ orgId, number: randomUsNumber(), consentId: consent.value.id, source: 'api', actor: 'c' }),
    ).toMatchObject({ ok: false, code: 'consents.consent_inactive' });
    // Withdrawing consent from an inactive purpose is always possible.
    const withdrawn = await engine().optOut({ orgId, number, consentId: consent.value.id, source: 'api', actor: 'c' });
    expect(withdrawn.ok && withdrawn.value.changed).toBe(true);

    expect(await engine().optOut({ orgId, number: '12', source: 'api', actor: 'c' })).toMatchObject({
      ok: false,
      code: 'consents.invalid_number',
    });
    expect(await engine().optOut({ orgId: OTHER_ID, number, source: 'api', actor: 'c' })).toMatchObject({
      ok: false,
      code: 'consents.org_not_found',
    });

    const contact = await platform.container.contacts.getByNumber(orgId, number);
    if (!contact.ok) throw new Error(contact.code);
    const history = await platform.container.contacts.consentHistory(orgId, contact.value.id);
    expect(history.ok && history.value.map((e) => [e.source, e.actor, e.status])).toEqual([
      ['api', 'client-9', 'OPTED_OUT'],
      ['app', 'user-1', 'OPTED_IN'],
      ['import', 'user-1', 'OPTED_IN'],
      ['api', 'c', 'OPTED_OUT'],
    ]);
  });

  it('keeps the current-state table equal to the latest ledger entry of every number and scope', async () => {
    const { orgId, inbound } = await setup();
    const consent = await platform.container.consents.create({
      orgId,
      name: 'Tips',
      consentLevel: 'INFORMATIONAL',
      optInKeywords: ['TIPS'],
      optOutKeywords: ['NOTIPS'],
      createdBy: null,
    });
    if (!consent.ok) throw new Error(consent.code);
    const numbers = [randomUsNumber(), randomUsNumber(), randomUsNumber()];
    const texts = ['STOP', 'TIPS', 'START', 'NOTIPS', 'stop', 'tips', 'HELP', 'UNSTOP'];
    for (let i = 0; i < 24; i++) {
      clock.advance(i % 3 === 0 ? 0 : 7);
      await inbound(numbers[i % 3]!, texts[(i * 5) % texts.length]!);
    }
    await Promise.all(numbers.map((n) => inbound(n, 'STOP')));

    const ledger = await db().selectFrom('consent_ledger').selectAll().where('org_id', '=', orgId).execute();
    const latest = new Map<string, (typeof ledger)[number]>();
    for (const entry of [...ledger].sort((x, y) => x.created_at - y.created_at || x.id.localeCompare(y.id))) {
      latest.set(`${entry.mobile_number}|${entry.scope}`, entry);
    }
    const states = await db().selectFrom('consent_states').selectAll().where('org_id', '=', orgId).execute();
    expect(states.length).toBe(latest.size);
    for (const state of states) {
      const entry = latest.get(`${state.mobile_number}|${state.scope}`);
      expect(entry).toBeDefined();
      expect([state.status, state.ledger_id, state.updated_at, state.source]).toEqual([
        entry!.status,
        entry!.id,
        entry!.created_at,
        entry!.source,
      ]);
    }
    // Consecutive entries of one (number, scope) always alternate: only real changes are recorded.
    const byKey = new Map<string, string[]>();
    for (const entry of [...ledger].sort((x, y) => x.created_at - y.created_at || x.id.localeCompare(y.id))) {
      const key = `${entry.mobile_number}|${entry.scope}`;
      byKey.set(key, [...(byKey.get(key) ?? []), entry.status]);
    }
    for (const statuses of byKey.values()) {
      for (let i = 1; i < statuses.length; i++) expect(statuses[i]).not.toBe(statuses[i - 1]);
    }
  });

  it('uses the organisation’s own texts, and restores the defaults', async () => {
    const { orgId, inbound } = await setup('Custom Co');
    const defaults = await engine().getMessagingSettings(orgId);
    expect(defaults).toEqual({
      ok: true,
      value: {
        custom: { optOutConfirmation: null, optInConfirmation: null, helpText: null },
        effective: {
          optOutConfirmation: optOutText('Custom Co'),
          optInConfirmation: optInText('Custom Co'),
          helpText: helpText('Custom Co'),
        },
      },
    });
    const updated = await engine().updateMessagingSettings(orgId, {
      optOutConfirmation: ' {org}: you are out. ',
      helpText: 'Call us.',
    });
    expect(updated.ok && updated.value.effective).toEqual({
      optOutConfirmation: 'Custom Co: you are out.',
      optInConfirmation: optInText('Custom Co'),
      helpText: 'Call us.',
    });
    const number = randomUsNumber();
    expect((await inbound(number, 'STOP')).ok && (await inbound(number, 'HELP'))).toMatchObject({
      value: { reply: 'Call us.' },
    });
    const reset = await engine().updateMessagingSettings(orgId, { helpText: null });
    expect(reset.ok && reset.value.custom).toEqual({
      optOutConfirmation: '{org}: you are out.',
      optInConfirmation: null,
      helpText: null,
    });
    // Other settings of the organisation are kept.
    const settings = await platform.container.accounts.getOrganizationSettings(orgId);
    expect(settings).toEqual({ ok: true, value: { optOutConfirmation: '{org}: you are out.' } });

    for (const [changes, field] of [
      [{ helpText: '' }, 'helpText'],
      [{ helpText: 'x'.repeat(641) }, 'helpText'],
      [{ helpText: 3 }, 'helpText'],
      [{ signature: 'x' }, 'signature'],
    ] as const) {
      expect(await engine().updateMessagingSettings(orgId, changes as never)).toMatchObject({
        ok: false,
        code: 'consents.invalid_setting',
        details: { field },
      });
    }
    expect(await engine().getMessagingSettings(OTHER_ID)).toMatchObject({ ok: false, code: 'consents.org_not_found' });
    expect(await engine().updateMessagingSettings(OTHER_ID, { helpText: 'x' })).toMatchObject({
      ok: false,
      code: 'consents.org_not_found',
    });
    expect(await inbound(randomUsNumber(), 'STOP')).toMatchObject({ ok: true });
    expect(
      await engine().classifyInbound({
        orgId: OTHER_ID,
        departmentId: OTHER_ID,
        fromNumber: randomUsNumber(),
        text: 'STOP',
      }),
    ).toMatchObject({ ok: false, code: 'consents.org_not_found' });
  });

  it('merges organisation settings, keeping concurrent updates of different keys', async () => {
    const { orgId } = await setup();
    const accounts = platform.container.accounts;
    await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((key) => accounts.updateOrganizationSettings(orgId, { [key]: key.toUpperCase() })),
    );
    expect(await accounts.getOrganizationSettings(orgId)).toEqual({
      ok: true,
      value: { a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' },
    });
    expect(await accounts.updateOrganizationSettings(orgId, { a: null, b: 2 })).toEqual({
      ok: true,
      value: { b: 2, c: 'C', d: 'D', e: 'E' },
    });
    expect(await accounts.getOrganizationSettings(OTHER_ID)).toMatchObject({
      ok: false,
      code: 'accounts.org_not_found',
    });
    expect(await accounts.updateOrganizationSettings(OTHER_ID, { a: 1 })).toMatchObject({
      ok: false,
      code: 'accounts.org_not_found',
    });
  });
});
