import { afterEach, describe, expect, it } from 'vitest';
import { PermanentCarrierError, TransientCarrierError } from '../../../src/features/carrier/carrier.errors.js';
import type { DeliveryReceipt } from '../../../src/features/carrier/receipts.js';
import { buildSubmitParts } from '../../../src/features/carrier/smpp-session.js';
import { sessionFixtures, settle, waitFor } from './helpers.js';

// Every test here runs an ESME session against the simulator over real TCP on 127.0.0.1.

const fixtures = sessionFixtures();
afterEach(() => fixtures.closeAll());
const setup = fixtures.setup;

const FROM = '+15550001000';
const TO = '+15550002000';

describe('bind', () => {
  it('binds as a transceiver speaking SMPP v3.4', async () => {
    const { sim, session } = await setup();
    const bound = new Promise<{ systemId: string }>((resolve) => session.once('bound', resolve));
    session.start();
    await session.waitUntilBound(2000);
    expect(await bound).toEqual({ systemId: 'STRATUS-SIM' });
    expect(session.state).toBe('bound');
    expect(sim.sessionCount).toBe(1);
    expect(sim.received[0]).toMatchObject({ command: 'bind_transceiver', sequenceNumber: 1 });
  });

  it('keeps retrying with backoff when the bind is refused (wrong password)', async () => {
    const { sim, session } = await setup({}, { password: 'wrong', queueTimeoutMs: 200 });
    const failures: string[] = [];
    session.on('bindFailed', ({ errorCode }) => failures.push(errorCode));
    session.start();
    await waitFor(() => failures.length >= 3, 'three refused binds');
    expect(failures[0]).toBe('0x0000000D'); // ESME_RBINDFAIL
    expect(sim.stats.bindFailures).toBeGreaterThanOrEqual(3);
    expect(sim.sessionCount).toBe(0);
    expect(session.state).not.toBe('bound');

    // A submit while never bound waits, then gives up with a retryable error.
    const submit = session.submit(buildSubmitParts({ from: FROM, to: TO, text: 'hi' }));
    await expect(submit).rejects.toMatchObject({ reason: 'queue_timeout', retryable: true });
  });

  it('binds after the SMSC stops refusing binds', async () => {
    const { sim, session } = await setup({ faults: { refuseBinds: true } });
    session.start();
    await waitFor(() => sim.stats.bindFailures >= 2, 'refused binds');
    sim.setFaults({ refuseBinds: false });
    await session.waitUntilBound(2000);
    expect(session.stats.bindFailures).toBeGreaterThanOrEqual(2);
    expect(session.stats.binds).toBe(1);
  });

  it('unbinds on close and does not reconnect', async () => {
    const { sim, session } = await setup();
    await session.start().waitUntilBound(2000);
    await session.close();
    expect(session.state).toBe('closed');
    expect(sim.received.map((pdu) => pdu.command)).toContain('unbind');
    await waitFor(() => sim.sessionCount === 0, 'the SMSC to see the session end');
    await expect(session.submit(buildSubmitParts({ from: FROM, to: TO, text: 'x' }))).rejects.toMatchObject({
      reason: 'closed',
    });
  });
});

describe('submit', () => {
  it('sends a short GSM-7 text as one submit_sm', async () => {
    const { sim, session } = await setup();
    await session.start().waitUntilBound(2000);
    const result = await session.submit(buildSubmitParts({ from: FROM, to: TO, text: 'Hello {world} €5 @home' }));
    expect(result.smscMessageIds).toHaveLength(1);
    expect(sim.submitted).toHaveLength(1);
    expect(sim.submitted[0]).toMatchObject({
      messageId: result.smscMessageIds[0],
      source: FROM,
      sourceTon: 1,
      sourceNpi: 1,
      destination: TO,
      dataCoding: 0x00,
      esmClass: 0,
      registeredDelivery: 1,
      text: 'Hello {world} €5 @home',
    });
  });

  it('sends a UCS-2 text as UTF-16BE with data_coding 0x08', async () => {
    const { sim, session } = await setup();
    await session.start().waitUntilBound(2000);
    await session.submit(buildSubmitParts({ from: FROM, to: TO, text: 'Привет 👋' }));
    expect(sim.submitted[0]).toMatchObject({ dataCoding: 0x08, text: 'Привет 👋' });
    expect(sim.submitted[0]!.shortMessage.subarray(0, 2).toString('hex')).toBe('041f');
  });

  it('sends a long text as 3 concatenated parts that reassemble at the SMSC', async () => {
    const { sim, session } = await setup();
    await session.start().waitUntilBound(2000);
    const text = 'Lorem ipsum dolor sit amet [x]. '.repeat(12).trim(); // > 306 septets
    const parts = buildSubmitParts({ from: FROM, to: TO, text, messageId: '65f1c0ffee00000000000001' });
    expect(parts).toHaveLength(3);
    const result = await session.submit(parts);
    expect(result.smscMessageIds).toHaveLength(3);
    expect(new Set(result.smscMessageIds).size).toBe(3);

    const reference = sim.submitted[0]!.concat!.reference;
    sim.submitted.forEach((record) => {
      expect(record.esmClass & 0x40).toBe(0x40);
      expect(record.udh?.toString('hex')).toBe(
        Buffer.from([0x05, 0x00, 0x03, reference, 3, record.concat!.seq]).toString('hex'),
      );
    });
    expect(sim.submitted.map((record) => record.concat!.seq).sort()).toEqual([1, 2, 3]);
    expect(sim.messages()).toEqual([expect.objectContaining({ text, complete: true, source: FROM, destination: TO })]);
  });

  it('answers a refused message with PermanentCarrierError carrying the SMPP status', async () => {
    const { sim, session } = await setup({ faults: { rejectNext: 1, rejectStatus: 0x0b } });
    await session.start().waitUntilBound(2000);
    const error = await session.submit(buildSubmitParts({ from: FROM, to: 'bogus', text: 'x' })).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentCarrierError);
    expect(error).toMatchObject({ errorCode: '0x0000000B', statusName: 'ESME_RINVDSTADR', retryable: false });
    expect(sim.submitted[0]).toMatchObject({ destination: 'bogus', destTon: 5 });
    // The next message goes through.
    await expect(session.submit(buildSubmitParts({ from: FROM, to: TO, text: 'y' }))).resolves.toMatchObject({
      smscMessageIds: [expect.stringMatching(/\S/)],
    });
  });

  it('refuses a part longer than 254 octets without sending it', async () => {
    const { sim, session } = await setup();
    await session.start().waitUntilBound(2000);
    const part = { from: FROM, to: TO, shortMessage: Buffer.alloc(255, 0x41), dataCoding: 0, esmClass: 0 };
    await expect(session.submit([part])).rejects.toMatchObject({ errorCode: '0x00000001' });
    expect(sim.submitted).toHaveLength(0);
  });

  it('never has more than `window` submits awaiting a response', async () => {
    const { sim, session } = await setup({ faults: { responseDelayMs: 20 } }, { window: 5 });
    await session.start().waitUntilBound(2000);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => session.submit(buildSubmitParts({ from: FROM, to: TO, text: `m${i}` }))),
    );
    expect(results).toHaveLength(20);
    expect(sim.submitted).toHaveLength(20);
    expect(sim.stats.maxInFlight).toBe(5); // measured at the SMSC
    expect(session.stats.maxInFlight).toBe(5);
  });

  it('respects the tps limit (a lower bound on time, never an upper one)', async () => {
    // tps 10 with a burst of 1: five submits need at least four token intervals of 100 ms between the first and the
    // last. A slow machine only widens the gap, so this cannot flake; the limiter's exact arithmetic is unit-tested
    // with a manual clock in token-bucket.test.ts.
    const { sim, session } = await setup({}, { tps: 10, burst: 1, window: 50 });
    await session.start().waitUntilBound(2000);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => session.submit(buildSubmitParts({ from: FROM, to: TO, text: `t${i}` }))),
    );
    expect(sim.submitted).toHaveLength(5);
    const span = sim.submitted[4]!.receivedAt - sim.submitted[0]!.receivedAt;
    expect(span).toBeGreaterThanOrEqual(300);
  });
});

describe('delivery receipts', () => {
  it('emits the receipt of a submitted message, parsed', async () => {
    const receipts: DeliveryReceipt[] = [];
    const { sim, session } = await setup(
      { outcomes: { delivered: 1 } },
      { onReceipt: (receipt) => void receipts.push(receipt) },
    );
    await session.start().waitUntilBound(2000);
    const { smscMessageIds } = await session.submit(buildSubmitParts({ from: FROM, to: TO, text: 'track me' }));
    await waitFor(() => receipts.length === 1, 'the receipt');
    expect(receipts[0]).toMatchObject({
      smscMessageId: smscMessageIds[0],
      stat: 'DELIVRD',
      messageState: 2,
      status: 'delivered',
      final: true,
      errorCode: '000',
      from: TO,
      to: FROM,
      text: 'track me',
    });
    await waitFor(
      () => sim.received.some((pdu) => pdu.command === 'deliver_sm_resp' && pdu.commandStatus === 0),
      'the deliver_sm_resp',
    );
  });

  it('reports the outcome the SMSC decides per destination', async () => {
    const receipts: DeliveryReceipt[] = [];
    const { session } = await setup(
      { outcomeFor: (submit) => (submit.destination.endsWith('9') ? 'undelivered' : 'failed') },
      { onReceipt: (receipt) => void receipts.push(receipt) },
    );
    await session.start().waitUntilBound(2000);
    await session.submit(buildSubmitParts({ from: FROM, to: '+15550000009', text: 'a' }));
    await session.submit(buildSubmitParts({ from: FROM, to: '+15550000001', text: 'b' }));
    await waitFor(() => receipts.length === 2, 'two receipts');
    const byTo = Object.fromEntries(receipts.map((receipt) => [receipt.from, receipt.status]));
    expect(byTo).toEqual({ '+15550000009': 'undelivered', '+15550000001': 'failed' });
  });

  it('handles a receipt that arrives before its submit_sm_resp', async () => {
    const events: string[] = [];
    const { session } = await setup({ faults: { receiptBeforeResponse: true } });
    session.on('receipt', (receipt) => events.push(`receipt:${receipt.smscMessageId}`));
    await session.start().waitUntilBound(2000);
    const { smscMessageIds } = await session.submit(buildSubmitParts({ from: FROM, to: TO, text: 'fast' }));
    events.push(`resp:${smscMessageIds[0]}`);
    expect(events).toEqual([`receipt:${smscMessageIds[0]}`, `resp:${smscMessageIds[0]}`]);
  });

  it('emits a receipt for an id it never sent, without trouble', async () => {
    const receipts: DeliveryReceipt[] = [];
    const { sim, session } = await setup({}, { onReceipt: (receipt) => void receipts.push(receipt) });
    await session.start().waitUntilBound(2000);
    const status = await sim.sendReceipt({ messageId: 'NOT-OURS-42', outcome: 'undelivered' });
    expect(status).toBe(0);
    expect(receipts).toMatchObject([{ smscMessageId: 'NOT-OURS-42', status: 'undelivered' }]);
    await expect(session.submit(buildSubmitParts({ from: FROM, to: TO, text: 'still fine' }))).resolves.toMatchObject({
      smscMessageIds: [expect.stringMatching(/\S/)],
    });
  });

  it('asks the SMSC to deliver a receipt again when the consumer fails (ESME_RX_T_APPN)', async () => {
    let calls = 0;
    const { sim, session } = await setup(
      {},
      {
        onReceipt: () => {
          calls++;
          if (calls === 1) throw new Error('database unavailable');
        },
      },
    );
    await session.start().waitUntilBound(2000);
    await session.submit(buildSubmitParts({ from: FROM, to: TO, text: 'retry me' }));
    await waitFor(() => calls === 2, 'the receipt to be delivered again');
    const answers = () =>
      sim.received.filter((pdu) => pdu.command === 'deliver_sm_resp').map((pdu) => pdu.commandStatus);
    await waitFor(() => answers().length === 2, 'both answers');
    expect(answers()).toEqual([0x64, 0]);
  });

  it('does not ask for receipts when registered_delivery is 0', async () => {
    const receipts: DeliveryReceipt[] = [];
    const { sim, session } = await setup({}, { onReceipt: (receipt) => void receipts.push(receipt) });
    await session.start().waitUntilBound(2000);
    await session.submit(buildSubmitParts({ from: FROM, to: TO, text: 'quiet', registeredDelivery: 0 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receipts).toEqual([]);
    expect(sim.submitted[0]!.registeredDelivery).toBe(0);
  });
});

describe('error classes', () => {
  it('mark retryable and permanent errors', async () => {
    expect(new TransientCarrierError('throttled', 'x', 0x58)).toMatchObject({
      retryable: true,
      errorCode: '0x00000058',
    });
    expect(new PermanentCarrierError(0x45)).toMatchObject({ retryable: false, statusName: 'ESME_RSUBMITFAIL' });
    await expect(settle(Promise.reject(new Error('x')))).resolves.toMatchObject({ ok: false });
    await expect(settle(Promise.resolve(1))).resolves.toEqual({ ok: true, value: 1 });
  });
});
