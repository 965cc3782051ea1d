import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryReceipt } from '../../src/features/carrier/receipts.js';
import { combineParts, UNMATCHED_RECEIPT_TTL_MS } from '../../src/features/messages/messages.service.js';
import { ManualClock } from '../../src/platform/clock.js';
import { listEventsOfSubject } from '../../src/platform/events/events.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders } from '../harness/auth.js';
import { testDialect } from '../harness/database.js';
import { randomUsNumber } from '../harness/factories.js';
import { orgWithHeaders, sendSms } from './messages-helpers.js';

function receipt(
  smscMessageId: string,
  status: DeliveryReceipt['status'],
  errorCode: string | null = null,
): DeliveryReceipt {
  return {
    smscMessageId,
    stat: status === 'delivered' ? 'DELIVRD' : 'UNDELIV',
    messageState: null,
    status,
    final: status !== null,
    errorCode,
    from: '+12125550100',
    to: '+12125550101',
    intermediate: false,
    submitted: null,
    delivered: null,
    submitDate: null,
    doneDate: null,
    text: null,
  };
}

/**
 * Receipt matching and housekeeping at the service level, on a clock the test moves: receipts before their part,
 * repeated receipts, intermediate ones, the sweep of unmatched receipts and of expired idempotency keys.
 */
describe(`receipts and housekeeping on ${testDialect()}`, () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  let platform: TestPlatform;
  let org: Awaited<ReturnType<typeof orgWithHeaders>>;
  beforeAll(async () => {
    platform = await createTestPlatform({ clock });
    org = await orgWithHeaders(platform);
  });
  afterAll(async () => platform.close());

  const accept = async (text = 'hello') => {
    const response = await sendSms(platform, org.headers, { from: org.phoneNumber, to: randomUsNumber(), text });
    expect(response.statusCode).toBe(200);
    return response.json().id as string;
  };

  it('matches a receipt that came before the part was written, exactly once', async () => {
    const { messages, database } = platform.container;
    const id = await accept();
    await messages.applyReceipt('env', receipt('EARLY1', 'delivered'));
    expect((await messages.findById(id))!.status).toBe('queued');
    expect(await database.db.selectFrom('unmatched_receipts').selectAll().execute()).toHaveLength(1);

    await messages.beginSend(id);
    await messages.completeSend(id, 'env', ['EARLY1']);
    expect((await messages.findById(id))!.status).toBe('delivered');
    expect(await database.db.selectFrom('unmatched_receipts').selectAll().execute()).toEqual([]);

    // The same receipt again (the SMSC did not get our answer) changes nothing and records nothing.
    await messages.applyReceipt('env', receipt('EARLY1', 'delivered'));
    const events = await listEventsOfSubject(database.db, org.organization.id, id);
    expect(events.map((e) => e.type)).toEqual([
      'message.queued',
      'message.sending',
      'message.sent',
      'message.delivered',
    ]);
  });

  it('matches receipts by route: the same SMSC id on another route is another message', async () => {
    const { messages } = platform.container;
    const id = await accept();
    await messages.beginSend(id);
    await messages.completeSend(id, 'route-a', ['SAME']);
    await messages.applyReceipt('route-b', receipt('SAME', 'delivered'));
    expect((await messages.findById(id))!.status).toBe('sent');
    await messages.applyReceipt('route-a', receipt('SAME', 'undelivered', '001'));
    expect(await messages.findById(id)).toMatchObject({ status: 'undelivered', error_code: '001' });
  });

  it('ignores intermediate (not final) receipts', async () => {
    const { messages } = platform.container;
    const id = await accept();
    await messages.beginSend(id);
    await messages.completeSend(id, 'env', ['ENROUTE1']);
    await messages.applyReceipt('env', { ...receipt('ENROUTE1', null), stat: 'ENROUTE', final: false });
    expect((await messages.findById(id))!.status).toBe('sent');
  });

  it('waits for every part: final only when all are, failed when any part failed', async () => {
    const { messages } = platform.container;
    const id = await accept('z'.repeat(400));
    await messages.beginSend(id);
    await messages.completeSend(id, 'env', ['P1', 'P2', 'P3']);
    await messages.applyReceipt('env', receipt('P1', 'delivered'));
    await messages.applyReceipt('env', receipt('P3', 'failed', '0x0B'));
    expect((await messages.findById(id))!.status).toBe('sent');
    await messages.applyReceipt('env', receipt('P2', 'undelivered', '001'));
    expect(await messages.findById(id)).toMatchObject({ status: 'failed', error_code: '0x0B' });
  });

  it('combines parts: delivered only when all are; failed beats undelivered', () => {
    const part = (seq: number, status: 'delivered' | 'undelivered' | 'failed', code: string | null = null) => ({
      message_id: 'm',
      seq,
      route_id: 'env',
      smsc_message_id: String(seq),
      status,
      error_code: code,
      created_at: 0,
      updated_at: 0,
    });
    expect(combineParts([part(1, 'delivered'), part(2, 'delivered')]).status).toBe('delivered');
    expect(combineParts([part(1, 'delivered'), part(2, 'undelivered', '001')])).toMatchObject({
      status: 'undelivered',
      errorCode: '001',
    });
    expect(combineParts([part(1, 'undelivered', '001'), part(2, 'failed', '002')])).toMatchObject({
      status: 'failed',
      errorCode: '002',
    });
  });

  it('a job that runs again after its message was sent sends nothing', async () => {
    const { messages } = platform.container;
    const id = await accept();
    expect(await messages.beginSend(id)).toBeDefined();
    await messages.completeSend(id, 'env', ['ONCE']);
    expect(await messages.beginSend(id)).toBeUndefined();
  });

  it('sweeps receipts nobody matched after a while, and idempotency keys after 24 hours', async () => {
    const { messages, database } = platform.container;
    await messages.applyReceipt('env', receipt('NEVER', 'delivered'));
    expect((await messages.sweep()).droppedReceipts).toBe(0);
    clock.advance(UNMATCHED_RECEIPT_TTL_MS + 1);
    expect((await messages.sweep()).droppedReceipts).toBeGreaterThanOrEqual(1);
    const left = await database.db
      .selectFrom('unmatched_receipts')
      .selectAll()
      .where('smsc_message_id', '=', 'NEVER')
      .execute();
    expect(left).toEqual([]);

    const to = randomUsNumber();
    // Tokens live an hour: a fresh one after each jump of the clock.
    const send = async (text: string) =>
      sendSms(
        platform,
        await authHeaders(platform, org.organization.id),
        { from: org.phoneNumber, to, text },
        {
          'idempotency-key': 'day',
        },
      );
    const first = await sendSms(
      platform,
      org.headers,
      { from: org.phoneNumber, to, text: 'a' },
      { 'idempotency-key': 'day' },
    );
    expect(first.statusCode).toBe(200);
    clock.advance(23 * 3600 * 1000);
    const mismatch = await send('b');
    expect(mismatch.statusCode).toBe(422);
    clock.advance(2 * 3600 * 1000);
    const reused = await send('b');
    expect(reused.statusCode).toBe(200);
    expect(reused.json().id).not.toBe(first.json().id);
    clock.advance(25 * 3600 * 1000);
    expect((await messages.sweep()).expiredKeys).toBeGreaterThanOrEqual(1);
  });
});
