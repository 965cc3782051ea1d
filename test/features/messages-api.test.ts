import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEventsOfSubject } from '../../src/platform/events/events.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders } from '../harness/auth.js';
import { itGuardsTheRoute } from '../harness/auth-cases.js';
import { testDialect } from '../harness/database.js';
import { randomUsNumber } from '../harness/factories.js';
import { getMessage, optOutNumber, orgWithHeaders, STAGE, sendSms } from './messages-helpers.js';

/** The accept path of the Message API (CONTRACT.md §4): no worker runs here, messages stay queued. */
describe(`Message API on ${testDialect()}`, () => {
  let platform: TestPlatform;
  let org: Awaited<ReturnType<typeof orgWithHeaders>>;
  let other: Awaited<ReturnType<typeof orgWithHeaders>>;
  beforeAll(async () => {
    platform = await createTestPlatform({ env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' } });
    org = await orgWithHeaders(platform, 'Messaging Org');
    other = await orgWithHeaders(platform, 'Other Org');
  });
  afterAll(async () => platform.close());

  const context = () => ({ platform, orgId: org.organization.id });
  const countMessages = async () =>
    Number(
      (
        await platform.container.database.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe('POST /message/sendsms', () => {
    itGuardsTheRoute(
      context,
      () => ({
        method: 'POST',
        url: `${STAGE}/message/sendsms`,
        payload: { from: org.phoneNumber, to: randomUsNumber(), text: 'hi' },
      }),
      'SendMessage',
    );

    it('accepts from, to and text in the query string with an empty body, as the hosted API does', async () => {
      const to = randomUsNumber();
      const query = new URLSearchParams({ from: org.phoneNumber, to, text: 'Hello there' });
      const response = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/message/sendsms?${query}`,
        headers: { ...org.headers, 'content-type': 'application/json' },
        payload: '',
      });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toEqual({
        result: 'Message Processed Successfully',
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        status: 'queued',
        segments: 1,
        encoding: 'GSM-7',
      });

      // Committed before the answer: the message, its send job, its event and the new contact.
      const message = await getMessage(platform, org.headers, body.id);
      expect(message).toMatchObject({
        id: body.id,
        orgId: org.organization.id,
        siteId: org.site.id,
        departmentId: org.department.id,
        direction: 'outbound',
        from: org.phoneNumber,
        to,
        text: 'Hello there',
        media: [],
        mediaFallback: null,
        status: 'queued',
        segments: 1,
        encoding: 'GSM-7',
        errorCode: null,
        errorMessage: null,
        agentEmail: null,
      });
      expect(message.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(typeof message.lastUpdated).toBe('number');
      const { db } = platform.container.database;
      const jobs = await db.selectFrom('jobs').selectAll().where('task', '=', 'messages.send').execute();
      expect(jobs.map((job) => JSON.parse(job.payload))).toContainEqual({
        messageId: body.id,
        from: org.phoneNumber,
        departmentId: org.department.id,
      });
      const events = await listEventsOfSubject(db, org.organization.id, body.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'message.queued',
        payload: {
          messageId: body.id,
          direction: 'outbound',
          status: 'queued',
          from: org.phoneNumber,
          to,
          siteId: org.site.id,
          departmentId: org.department.id,
        },
      });
      const contact = await platform.container.contacts.getByNumber(org.organization.id, to);
      expect(contact.ok && contact.value.id).toBe(message.contactId);
    });

    it('accepts a form body and a JSON body; body fields win over the query', async () => {
      const to = randomUsNumber();
      const form = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/message/sendsms?text=from-query`,
        headers: { ...org.headers, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ from: org.phoneNumber, to, text: 'from-body' }).toString(),
      });
      expect(form.statusCode).toBe(200);
      expect((await getMessage(platform, org.headers, form.json().id)).text).toBe('from-body');

      const json = await sendSms(platform, org.headers, { from: org.phoneNumber, to, text: 'json' });
      expect(json.statusCode).toBe(200);
    });

    it('reads national numbers with the default region and answers E.164', async () => {
      const to = randomUsNumber();
      const national = `(${to.slice(2, 5)}) ${to.slice(5, 8)}-${to.slice(8)}`;
      const response = await sendSms(platform, org.headers, {
        from: org.phoneNumber.slice(2),
        to: national,
        text: 'x',
      });
      expect(response.statusCode).toBe(200);
      expect(await getMessage(platform, org.headers, response.json().id)).toMatchObject({ from: org.phoneNumber, to });
    });

    it('counts segments and picks the encoding: 160/153 GSM-7, 70/67 UCS-2, extension characters twice', async () => {
      const cases: [string, number, string][] = [
        ['a'.repeat(160), 1, 'GSM-7'],
        ['a'.repeat(161), 2, 'GSM-7'],
        ['a'.repeat(400), 3, 'GSM-7'],
        ['€'.repeat(80), 1, 'GSM-7'],
        ['€'.repeat(81), 2, 'GSM-7'],
        ['ü'.repeat(160), 1, 'GSM-7'],
        ['😀'.repeat(35), 1, 'UCS-2'],
        ['ç'.repeat(71), 2, 'UCS-2'],
      ];
      for (const [text, segments, encoding] of cases) {
        const response = await sendSms(platform, org.headers, { from: org.phoneNumber, to: randomUsNumber(), text });
        expect(response.json(), text.slice(0, 5)).toMatchObject({ segments, encoding });
      }
    });

    it('refuses a from number outside the organisation with 400 messages.sender_not_in_org', async () => {
      for (const from of [other.phoneNumber, randomUsNumber()]) {
        const before = await countMessages();
        const response = await sendSms(platform, org.headers, { from, to: randomUsNumber(), text: 'x' });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ code: 'messages.sender_not_in_org', status: 400 });
        expect(await countMessages()).toBe(before);
      }
    });

    it.each([
      ['an unparseable to', { to: 'not-a-number' }, 'messages.invalid_number'],
      ['a to with no such area code', { to: '+15551234567' }, 'messages.invalid_number'],
      ['an unparseable from', { from: '12' }, 'messages.invalid_number'],
      ['an empty text', { text: '' }, 'messages.invalid_text'],
      ['a text of 1601 characters', { text: 'a'.repeat(1601) }, 'messages.invalid_text'],
    ])('refuses %s with 400 %s and writes nothing', async (_name, change, code) => {
      const before = await countMessages();
      const response = await sendSms(platform, org.headers, {
        from: org.phoneNumber,
        to: randomUsNumber(),
        text: 'x',
        ...change,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code, status: 400, path: `${STAGE}/message/sendsms` });
      expect(await countMessages()).toBe(before);
    });

    it('accepts exactly 1600 characters (code points, so 1600 emoji)', async () => {
      const response = await sendSms(platform, org.headers, {
        from: org.phoneNumber,
        to: randomUsNumber(),
        text: '😀'.repeat(1600),
      });
      expect(response.statusCode).toBe(200);
      // A surrogate pair is never split: 33 emoji (66 code units) per 67-unit part.
      expect(response.json()).toMatchObject({ encoding: 'UCS-2', segments: Math.ceil(1600 / 33) });
    });

    it('refuses missing parameters with 400 request.invalid', async () => {
      const response = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/message/sendsms?from=${encodeURIComponent(org.phoneNumber)}`,
        headers: org.headers,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('request.invalid');
    });

    it('refuses an opted-out recipient with 400 messages.recipient_opted_out', async () => {
      const to = randomUsNumber();
      await optOutNumber(platform, org.organization.id, to);
      const before = await countMessages();
      const response = await sendSms(platform, org.headers, { from: org.phoneNumber, to, text: 'x' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'messages.recipient_opted_out' });
      expect(await countMessages()).toBe(before);
      // Another organisation's opt-out list is its own.
      const elsewhere = await sendSms(platform, other.headers, { from: other.phoneNumber, to, text: 'x' });
      expect(elsewhere.statusCode).toBe(200);
    });
  });

  describe('POST /message/sendsms/{agentEmail}', () => {
    let agentEmail: string;
    let foreignAgent: string;
    beforeAll(async () => {
      const agent = await platform.container.accounts.createUser({
        orgId: org.organization.id,
        email: 'Agent.Smith@example.com',
        password: 'a-long-password',
        role: 'agent',
        name: 'Agent Smith',
      });
      const foreign = await platform.container.accounts.createUser({
        orgId: other.organization.id,
        email: 'foreign.agent@example.com',
        password: 'a-long-password',
        role: 'agent',
      });
      if (!agent.ok || !foreign.ok) throw new Error('users');
      agentEmail = agent.value.email;
      foreignAgent = foreign.value.email;
    });

    itGuardsTheRoute(
      context,
      () => ({
        method: 'POST',
        url: `${STAGE}/message/sendsms/${encodeURIComponent(agentEmail)}`,
        payload: { from: org.phoneNumber, to: randomUsNumber(), text: 'hi' },
      }),
      'SendMessage',
    );

    it('sends as that user of the organisation (email matched case-insensitively)', async () => {
      const response = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/message/sendsms/${encodeURIComponent('AGENT.smith@example.com')}`,
        headers: org.headers,
        payload: { from: org.phoneNumber, to: randomUsNumber(), text: 'from an agent' },
      });
      expect(response.statusCode).toBe(200);
      const message = await getMessage(platform, org.headers, response.json().id);
      expect(message.agentEmail).toBe('agent.smith@example.com');
    });

    it('answers 404 messages.agent_not_found for an unknown email or a user of another organisation', async () => {
      for (const email of ['nobody@example.com', foreignAgent]) {
        const response = await platform.app.inject({
          method: 'POST',
          url: `${STAGE}/message/sendsms/${encodeURIComponent(email)}`,
          headers: org.headers,
          payload: { from: org.phoneNumber, to: randomUsNumber(), text: 'x' },
        });
        expect(response.statusCode).toBe(404);
        expect(response.json()).toMatchObject({ code: 'messages.agent_not_found' });
      }
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and body, without a second message', async () => {
      const params = { from: org.phoneNumber, to: randomUsNumber(), text: 'once only' };
      const first = await sendSms(platform, org.headers, params, { 'idempotency-key': 'key-1' });
      expect(first.statusCode).toBe(200);
      const before = await countMessages();
      const second = await sendSms(platform, org.headers, params, { 'idempotency-key': 'key-1' });
      expect(second.statusCode).toBe(200);
      expect(second.json()).toEqual(first.json());
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(await countMessages()).toBe(before);
      // The same parameters in the query string are the same request.
      const query = new URLSearchParams(params);
      const third = await platform.app.inject({
        method: 'POST',
        url: `${STAGE}/message/sendsms?${query}`,
        headers: { ...org.headers, 'idempotency-key': 'key-1' },
      });
      expect(third.json()).toEqual(first.json());
    });

    it('answers 422 request.idempotency_mismatch for the same key with another body', async () => {
      const to = randomUsNumber();
      await sendSms(platform, org.headers, { from: org.phoneNumber, to, text: 'a' }, { 'idempotency-key': 'key-2' });
      const before = await countMessages();
      const response = await sendSms(
        platform,
        org.headers,
        { from: org.phoneNumber, to, text: 'b' },
        { 'idempotency-key': 'key-2' },
      );
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'request.idempotency_mismatch', status: 422 });
      expect(await countMessages()).toBe(before);
    });

    it('keeps keys per organisation, and lets concurrent twins make one message', async () => {
      const first = await sendSms(
        platform,
        other.headers,
        { from: other.phoneNumber, to: randomUsNumber(), text: 'x' },
        { 'idempotency-key': 'key-1' },
      );
      expect(first.statusCode).toBe(200);

      const params = { from: org.phoneNumber, to: randomUsNumber(), text: 'twins' };
      const before = await countMessages();
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => sendSms(platform, org.headers, params, { 'idempotency-key': 'twins' })),
      );
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
      expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
      expect(await countMessages()).toBe(before + 1);
    });

    it('does not remember a refused request: the key may be used again', async () => {
      const to = randomUsNumber();
      const refused = await sendSms(
        platform,
        org.headers,
        { from: org.phoneNumber, to, text: '' },
        { 'idempotency-key': 'k3' },
      );
      expect(refused.statusCode).toBe(400);
      const accepted = await sendSms(
        platform,
        org.headers,
        { from: org.phoneNumber, to, text: 'ok' },
        { 'idempotency-key': 'k3' },
      );
      expect(accepted.statusCode).toBe(200);
    });

    it('refuses a malformed key with 400 request.invalid', async () => {
      const response = await sendSms(
        platform,
        org.headers,
        { from: org.phoneNumber, to: randomUsNumber(), text: 'x' },
        { 'idempotency-key': 'x'.repeat(256) },
      );
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('request.invalid');
    });
  });

  describe('GET /message/getmessagebyid/{id}', () => {
    let messageId: string;
    beforeAll(async () => {
      const response = await sendSms(platform, org.headers, {
        from: org.phoneNumber,
        to: randomUsNumber(),
        text: 'get me',
      });
      messageId = response.json().id;
    });

    itGuardsTheRoute(
      context,
      () => ({ method: 'GET', url: `${STAGE}/message/getmessagebyid/${messageId}` }),
      'SendMessage',
    );

    it('answers 404 for another organisation’s message, never its data', async () => {
      const response = await platform.app.inject({
        url: `${STAGE}/message/getmessagebyid/${messageId}`,
        headers: other.headers,
      });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ code: 'messages.not_found' });
      expect(response.body).not.toContain('get me');
    });

    it('answers 404 for an unknown or malformed id', async () => {
      for (const id of ['0'.repeat(24), 'nope']) {
        const response = await platform.app.inject({
          url: `${STAGE}/message/getmessagebyid/${id}`,
          headers: org.headers,
        });
        expect(response.statusCode).toBe(404);
      }
    });
  });

  describe('GET /message/all', () => {
    let fixture: Awaited<ReturnType<typeof orgWithHeaders>>;
    let branchDepartment: string;
    let branchNumber: string;
    let contact: string;
    beforeAll(async () => {
      fixture = await orgWithHeaders(platform, 'List Org');
      const branch = await platform.container.sites.createSite({ orgId: fixture.organization.id, name: 'Branch' });
      if (!branch.ok) throw new Error(branch.code);
      branchNumber = randomUsNumber();
      const department = await platform.container.sites.createDepartment({
        orgId: fixture.organization.id,
        siteId: branch.value.id,
        name: 'Sales',
        phoneNumbers: [branchNumber],
      });
      if (!department.ok) throw new Error(department.code);
      branchDepartment = department.value.id;
      contact = randomUsNumber();
      for (const [from, to] of [
        [fixture.phoneNumber, contact],
        [fixture.phoneNumber, randomUsNumber()],
        [branchNumber, contact],
      ] as const) {
        const response = await sendSms(platform, fixture.headers, { from, to, text: 'list' });
        expect(response.statusCode).toBe(200);
      }
    });

    itGuardsTheRoute(context, () => ({ method: 'GET', url: `${STAGE}/message/all` }), 'SendMessage');

    const list = async (query = '') => {
      const response = await platform.app.inject({ url: `${STAGE}/message/all${query}`, headers: fixture.headers });
      expect(response.statusCode).toBe(200);
      return response.json();
    };

    it('answers a Spring page of the organisation’s messages only, newest first', async () => {
      const page = await list();
      expect(page).toMatchObject({ totalElements: 3, totalPages: 1, size: 20, number: 0, numberOfElements: 3 });
      expect(page).toMatchObject({ first: true, last: true, empty: false });
      expect(page.content.every((m: { orgId: string }) => m.orgId === fixture.organization.id)).toBe(true);
      const ids = page.content.map((m: { id: string }) => m.id);
      expect([...ids].sort().reverse()).toEqual(ids);
      expect((await list('?sort=createdDateTime,asc')).content.map((m: { id: string }) => m.id)).toEqual(
        [...ids].reverse(),
      );
    });

    it('filters by department, site, contact, direction, status and time', async () => {
      expect((await list(`?departmentId=${branchDepartment}`)).totalElements).toBe(1);
      expect((await list(`?siteId=${fixture.site.id}`)).totalElements).toBe(2);
      expect((await list(`?contact=${encodeURIComponent(contact)}`)).totalElements).toBe(2);
      expect((await list(`?contact=${contact.slice(2)}`)).totalElements).toBe(2);
      expect((await list('?direction=outbound&status=queued')).totalElements).toBe(3);
      expect((await list('?direction=inbound')).totalElements).toBe(0);
      expect((await list('?status=delivered')).totalElements).toBe(0);
      expect((await list('?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00.000Z')).totalElements).toBe(3);
      expect((await list(`?since=${Date.now() + 3_600_000}`)).totalElements).toBe(0);
      expect((await list('?size=2&page=1')).numberOfElements).toBe(1);
    });

    it.each(['direction=sideways', 'status=lost', 'since=yesterday', 'sort=text,asc', 'contact=abc'])(
      'refuses %s with 400',
      async (query) => {
        const response = await platform.app.inject({ url: `${STAGE}/message/all?${query}`, headers: fixture.headers });
        expect(response.statusCode).toBe(400);
      },
    );

    it('shows another organisation nothing of this one', async () => {
      const headers = await authHeaders(platform, other.organization.id);
      const response = await platform.app.inject({ url: `${STAGE}/message/all?size=1000`, headers });
      expect(response.body).not.toContain(fixture.organization.id);
    });
  });
});
