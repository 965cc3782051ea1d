import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSmscSimulator } from '../../src/features/carrier/simulator.js';
import { listEventsOfSubject } from '../../src/platform/events/events.js';
import { testDialect } from '../harness/database.js';
import { randomUsNumber } from '../harness/factories.js';
import {
  createMessagingPlatform,
  eventually,
  getMessage,
  type MessagingPlatform,
  optOutNumber,
  orgWithHeaders,
  STAGE,
  sendSms,
  testLogger,
} from './messages-helpers.js';

/**
 * The send pipeline end to end over real TCP: API (real token) → committed → messages.send job → SMPP submit_sm →
 * the SMSC simulator → deliver_sm receipt → the message's status. Jobs are driven with the worker's drain(), or a
 * started worker where a fault needs time to heal; statuses are polled, never timed.
 */
describe(`message pipeline over SMPP on ${testDialect()}`, () => {
  let m: MessagingPlatform;
  let org: Awaited<ReturnType<typeof orgWithHeaders>>;
  beforeAll(async () => {
    m = await createMessagingPlatform({
      routeQuery: 'window=50&tps=0',
      concurrency: 60,
      simulator: {
        // Outcomes by destination, so tests pick them: …0001 undelivered, …0002 failed (rejected).
        outcomeFor: (submit) =>
          submit.destination.endsWith('5550001')
            ? submit.concat?.seq === 2 || !submit.concat
              ? 'undelivered'
              : 'delivered'
            : submit.destination.endsWith('5550002')
              ? 'failed'
              : undefined,
      },
    });
    org = await orgWithHeaders(m.platform);
    await m.links.session('env')!.waitUntilBound(5000);
  });
  afterEach(async () => {
    await m.worker.stop(2000);
    m.sim.setFaults({
      throttleNext: 0,
      queueFullNext: 0,
      rejectNext: 0,
      refuseBinds: false,
      silent: false,
      responseDelayMs: 0,
      receiptBeforeResponse: false,
    });
  });
  afterAll(async () => m.close());

  const statusOf = async (id: string) => (await getMessage(m.platform, org.headers, id)).status as string;
  const untilStatus = (id: string, status: string) =>
    eventually(async () => (await statusOf(id)) === status, `message ${id} to be ${status}`);
  const send = async (text: string, to = randomUsNumber()) => {
    const response = await sendSms(m.platform, org.headers, { from: org.phoneNumber, to, text });
    expect(response.statusCode).toBe(200);
    return { id: response.json().id as string, to };
  };
  const submitsTo = (to: string) => m.sim.submitted.filter((s) => s.destination === to);

  it('delivers: the simulator gets the submit, the receipt makes getmessagebyid answer delivered', async () => {
    const { id, to } = await send('Hello from the pipeline');
    expect(await m.worker.drain()).toBeGreaterThanOrEqual(1);
    const submits = submitsTo(to);
    expect(submits).toHaveLength(1);
    expect(submits[0]).toMatchObject({
      source: org.phoneNumber,
      sourceTon: 1,
      destTon: 1,
      text: 'Hello from the pipeline',
      registeredDelivery: 1,
    });
    await untilStatus(id, 'delivered');
    const message = await getMessage(m.platform, org.headers, id);
    expect(message).toMatchObject({ status: 'delivered', errorCode: null, segments: 1 });
    const events = await listEventsOfSubject(m.platform.container.database.db, org.organization.id, id);
    expect(events.map((e) => e.type)).toEqual([
      'message.queued',
      'message.sending',
      'message.sent',
      'message.delivered',
    ]);
    // Every status change moved lastUpdated forward (or kept it within the same millisecond).
    const times = events.map((e) => e.payload.lastUpdated as number);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(message.lastUpdated).toBe(times.at(-1));
    const parts = await m.platform.container.messages.listParts(id);
    expect(parts).toMatchObject([
      { seq: 1, route_id: 'env', smsc_message_id: submits[0]!.messageId, status: 'delivered' },
    ]);
  });

  it('sends a long text as 3 concatenated parts, tracks each, and is delivered when all are', async () => {
    const text = `${'Long text. '.repeat(40)}end`;
    const { id, to } = await send(text);
    await m.worker.drain();
    const submits = submitsTo(to);
    expect(submits).toHaveLength(3);
    expect(submits.map((s) => s.concat?.seq)).toEqual([1, 2, 3]);
    expect(new Set(submits.map((s) => s.concat?.reference)).size).toBe(1);
    expect(m.sim.messages().find((msg) => msg.destination === to)).toMatchObject({ text, complete: true });
    await untilStatus(id, 'delivered');
    const parts = await m.platform.container.messages.listParts(id);
    expect(parts.map((p) => [p.seq, p.status, p.smsc_message_id])).toEqual(
      submits.map((s, i) => [i + 1, 'delivered', s.messageId]),
    );
  });

  it('a multipart message with one undelivered part is undelivered, with the receipt’s error code', async () => {
    const { id } = await send(`${'x'.repeat(300)}`, '+12125550001');
    await m.worker.drain();
    await untilStatus(id, 'undelivered');
    const message = await getMessage(m.platform, org.headers, id);
    expect(message).toMatchObject({ errorCode: '001', segments: 2 });
    expect(message.errorMessage).toContain('part 2 of 2');
    const parts = await m.platform.container.messages.listParts(id);
    expect(parts.map((p) => p.status)).toEqual(['delivered', 'undelivered']);
  });

  it('a rejected receipt (REJECTD) fails the message', async () => {
    const { id } = await send('to be rejected', '+12125550002');
    await m.worker.drain();
    await untilStatus(id, 'failed');
    expect((await getMessage(m.platform, org.headers, id)).errorCode).toBe('002');
  });

  it('a permanent SMPP error fails the message with the command status as errorCode, not retried', async () => {
    m.sim.setFaults({ rejectNext: 1 });
    const { id, to } = await send('refused by the SMSC');
    await m.worker.drain();
    const message = await getMessage(m.platform, org.headers, id);
    expect(message).toMatchObject({ status: 'failed', errorCode: '0x0000000B' });
    expect(message.errorMessage).toContain('ESME_RINVDSTADR');
    expect(submitsTo(to)).toHaveLength(1);
    const pending = await m.platform.container.database.db.selectFrom('jobs').selectAll().execute();
    expect(pending.filter((job) => job.payload.includes(id))).toEqual([]);
  });

  it('throttling (0x58) and a full queue (0x14) slow the bind down and retry with the same message id', async () => {
    m.sim.setFaults({ throttleNext: 3, queueFullNext: 1 });
    const before = m.links.session('env')!.stats.throttled;
    const sent = await Promise.all([send('throttled one'), send('throttled two')]);
    m.worker.start();
    for (const { id } of sent) await untilStatus(id, 'delivered');
    expect(m.links.session('env')!.stats.throttled - before).toBe(4);
    for (const { to } of sent) {
      const statuses = submitsTo(to).map((s) => s.status);
      expect(statuses.at(-1)).toBe(0);
      // Every attempt of one message carried the same text; the last one was accepted.
      expect(new Set(submitsTo(to).map((s) => s.text)).size).toBe(1);
    }
    const row = await m.platform.container.messages.findById(sent[0]!.id);
    expect(row!.submit_attempts).toBeGreaterThanOrEqual(1);
  });

  it('matches a receipt that arrives before the submit_sm_resp', async () => {
    m.sim.setFaults({ receiptBeforeResponse: true, responseDelayMs: 50 });
    const sent = await Promise.all([send('receipt first'), send(`${'y'.repeat(200)}`)]);
    await m.worker.drain();
    for (const { id } of sent) await untilStatus(id, 'delivered');
    const leftovers = await m.platform.container.database.db.selectFrom('unmatched_receipts').selectAll().execute();
    expect(leftovers).toEqual([]);
  });

  it('acknowledges a receipt for an unknown id and keeps it only for matching', async () => {
    const status = await m.sim.sendReceipt({ messageId: 'NOSUCHID01' });
    expect(status).toBe(0);
    const kept = await m.platform.container.database.db
      .selectFrom('unmatched_receipts')
      .selectAll()
      .where('smsc_message_id', '=', 'NOSUCHID01')
      .execute();
    expect(kept).toHaveLength(1);
    // Still a working link afterwards.
    const { id } = await send('after an unknown receipt');
    await m.worker.drain();
    await untilStatus(id, 'delivered');
  });

  it('survives a refused bind: messages wait, then go once the SMSC accepts the bind', async () => {
    m.sim.setFaults({ refuseBinds: true });
    const session = m.links.session('env')!;
    const failures = session.stats.bindFailures;
    m.sim.dropConnections();
    const { id } = await send('after a refused bind');
    m.worker.start();
    await eventually(() => session.stats.bindFailures >= failures + 2, 'refused binds');
    expect(await statusOf(id)).not.toBe('delivered');
    m.sim.setFaults({ refuseBinds: false });
    await untilStatus(id, 'delivered');
  });

  it('survives an SMSC that stops answering (response timeout) and garbage bytes on the link', async () => {
    const session = m.links.session('env')!;
    m.sim.setFaults({ silent: true });
    const timeouts = session.stats.timeouts;
    const { id } = await send('into the silence');
    m.worker.start();
    await eventually(() => session.stats.timeouts > timeouts, 'a response timeout');
    m.sim.setFaults({ silent: false });
    await untilStatus(id, 'delivered');

    const disconnects = session.stats.disconnects;
    m.sim.sendRaw(Buffer.from('this is not SMPP at all, just bytes'));
    await eventually(() => session.stats.disconnects > disconnects, 'the garbage to drop the link');
    const after = await send('after the garbage');
    await untilStatus(after.id, 'delivered');
  });

  it('routes a department to its own carrier with a route from the route table', async () => {
    const other = await startSmscSimulator({ receiptDelayMs: 5, logger: testLogger });
    try {
      const number = randomUsNumber();
      const department = await m.platform.container.sites.createDepartment({
        orgId: org.organization.id,
        name: 'Routed',
        phoneNumbers: [number],
      });
      if (!department.ok) throw new Error(department.code);
      const added = await m.platform.container.carrierRoutes.add({
        kind: 'department',
        match: department.value.id,
        url: `smpp://routed:pw@127.0.0.1:${other.port}?reconnectMinMs=10`,
      });
      expect(added.ok).toBe(true);
      const to = randomUsNumber();
      const response = await sendSms(m.platform, org.headers, { from: number, to, text: 'via the second SMSC' });
      await m.worker.drain();
      expect(other.submitted.map((s) => s.text)).toEqual(['via the second SMSC']);
      expect(submitsTo(to)).toEqual([]);
      await untilStatus(response.json().id, 'delivered');
      const routes = await m.platform.container.carrierRoutes.list();
      expect(routes.find((r) => r.kind === 'department')?.redactedUrl).not.toContain('pw');
      const stored = await m.platform.container.database.db.selectFrom('carrier_routes').selectAll().execute();
      expect(JSON.stringify(stored)).not.toContain(':pw@');
    } finally {
      await other.close();
    }
  });

  describe('inbound', () => {
    it('a reply injected at the simulator appears as an inbound message of the right department', async () => {
      const handset = randomUsNumber();
      await m.sim.injectInbound({ from: handset, to: org.phoneNumber, text: 'Thanks, see you then' });
      const list = await m.platform.app.inject({
        url: `${STAGE}/message/all?direction=inbound&contact=${encodeURIComponent(handset)}`,
        headers: org.headers,
      });
      const [message] = list.json().content;
      expect(message).toMatchObject({
        direction: 'inbound',
        status: 'received',
        from: handset,
        to: org.phoneNumber,
        departmentId: org.department.id,
        siteId: org.site.id,
        text: 'Thanks, see you then',
      });
      const contact = await m.platform.container.contacts.getByNumber(org.organization.id, handset);
      expect(contact.ok && contact.value.id).toBe(message.contactId);
      const events = await listEventsOfSubject(m.platform.container.database.db, org.organization.id, message.id);
      expect(events.map((e) => e.type)).toEqual(['message.received']);
      // Nothing to answer for an ordinary text.
      await m.worker.drain();
      expect(submitsTo(handset)).toEqual([]);
    });

    it('joins a concatenated inbound text (UDH and sar_* TLVs) into one message', async () => {
      const handset = randomUsNumber();
      const text = `${'Part of a long reply. '.repeat(12)}Ünïcödé? no: GSM`;
      await m.sim.injectInbound({ from: handset, to: org.phoneNumber, text, concat: 'udh8' });
      await m.sim.injectInbound({ from: handset, to: org.phoneNumber, text: `${text} (sar)`, concat: 'sar' });
      const page = await m.platform.app.inject({
        url: `${STAGE}/message/all?direction=inbound&contact=${encodeURIComponent(handset)}&sort=createdDateTime,asc`,
        headers: org.headers,
      });
      expect(page.json().content.map((msg: { text: string }) => msg.text)).toEqual([text, `${text} (sar)`]);
    });

    it('acknowledges a text to a number no department owns and stores nothing', async () => {
      const nobody = randomUsNumber();
      await m.sim.injectInbound({ from: randomUsNumber(), to: nobody, text: 'anyone?' });
      const rows = await m.platform.container.database.db
        .selectFrom('messages')
        .selectAll()
        .where('to_number', '=', nobody)
        .execute();
      expect(rows).toEqual([]);
    });

    it('"STOP" opts the number out, confirms once, and the next send to it is refused', async () => {
      const handset = randomUsNumber();
      const first = await send('Your appointment is tomorrow', handset);
      await m.worker.drain();
      await untilStatus(first.id, 'delivered');

      await m.sim.injectInbound({ from: handset, to: org.phoneNumber, text: ' stop ' });
      await m.worker.drain(); // the inbound job: opt-out engine, then the confirmation's send job
      await m.worker.drain();
      const confirmation = await eventually(
        () => submitsTo(handset).find((s) => s.text.includes('unsubscribed')),
        'the opt-out confirmation at the simulator',
      );
      expect(confirmation.source).toBe(org.phoneNumber);

      const refused = await sendSms(m.platform, org.headers, { from: org.phoneNumber, to: handset, text: 'more?' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'messages.recipient_opted_out' });

      // A second STOP changes nothing and sends nothing.
      await m.sim.injectInbound({ from: handset, to: org.phoneNumber, text: 'STOP' });
      await m.worker.drain();
      await m.worker.drain();
      expect(submitsTo(handset).filter((s) => s.text.includes('unsubscribed'))).toHaveLength(1);

      // START opts back in; sending works again.
      await m.sim.injectInbound({ from: handset, to: org.phoneNumber, text: 'START' });
      await m.worker.drain();
      await m.worker.drain();
      const again = await sendSms(m.platform, org.headers, {
        from: org.phoneNumber,
        to: handset,
        text: 'welcome back',
      });
      expect(again.statusCode).toBe(200);
    });

    it('a message accepted before its recipient texted STOP is failed, not sent; the confirmation still goes', async () => {
      const handset = randomUsNumber();
      const queued = await send('Reminder queued before the STOP', handset);
      // The STOP arrives while the message waits in the queue: the inbound job runs first.
      await m.sim.injectInbound({ from: handset, to: org.phoneNumber, text: 'STOP' });
      await eventually(async () => {
        const rows = await m.platform.container.database.db
          .selectFrom('jobs')
          .select('task')
          .where('task', '=', 'messages.inbound')
          .execute();
        return rows.length > 0;
      }, 'the inbound job');
      const inbound = await m.platform.container.database.db
        .selectFrom('jobs')
        .select('payload')
        .where('task', '=', 'messages.inbound')
        .execute();
      for (const job of inbound) {
        await m.platform.container.messages.processInbound(
          (JSON.parse(job.payload) as { messageId: string }).messageId,
        );
      }
      await m.worker.drain();
      const message = await getMessage(m.platform, org.headers, queued.id);
      expect(message).toMatchObject({ status: 'failed', errorCode: 'recipient_opted_out' });
      expect(submitsTo(handset).map((s) => s.text)).not.toContain('Reminder queued before the STOP');
      expect(submitsTo(handset).some((s) => s.text.includes('unsubscribed'))).toBe(true);
    });

    it('concurrent sends share one accept transaction; only the one to an opted-out number is refused', async () => {
      const handset = randomUsNumber();
      await optOutNumber(m.platform, org.organization.id, handset);
      const others = [randomUsNumber(), randomUsNumber(), randomUsNumber()];
      const responses = await Promise.all(
        [...others, handset].map((to) =>
          sendSms(m.platform, org.headers, { from: org.phoneNumber, to, text: `batch to ${to}` }),
        ),
      );
      expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 400]);
      expect(responses[3]!.json()).toMatchObject({ code: 'messages.recipient_opted_out' });
      const stored = await m.platform.container.database.db
        .selectFrom('messages')
        .select('to_number')
        .where('to_number', 'in', [...others, handset])
        .execute();
      expect(stored.map((row) => row.to_number).sort()).toEqual([...others].sort());
    });
  });
});
