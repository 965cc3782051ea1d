import { afterEach, describe, expect, it } from 'vitest';
import { TransientCarrierError } from '../../../src/features/carrier/carrier.errors.js';
import type { SmscSimulator } from '../../../src/features/carrier/simulator.js';
import { buildSubmitParts, type InboundSms, type SmppSession } from '../../../src/features/carrier/smpp-session.js';
import { sessionFixtures, settle, waitFor } from './helpers.js';

// The SMSC misbehaves; the session must neither lose a message, nor hang, nor crash the process.

const fixtures = sessionFixtures();
afterEach(() => fixtures.closeAll());

/** A simulator and a session bound to it. */
async function setup(
  simOptions: Parameters<typeof fixtures.setup>[0] = {},
  sessionOptions: Parameters<typeof fixtures.setup>[1] = {},
): Promise<{ sim: SmscSimulator; session: SmppSession }> {
  const made = await fixtures.setup(simOptions, sessionOptions);
  await made.session.start().waitUntilBound(2000);
  return made;
}

const FROM = '+15550001000';
const TO = '+15550002000';
const parts = (text: string) => buildSubmitParts({ from: FROM, to: TO, text });

/** A raw PDU: header (SMPP v3.4 §3.2) + body. */
function rawPdu(commandId: number, sequence: number, body: Buffer = Buffer.alloc(0), length?: number): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(length ?? 16 + body.length, 0);
  header.writeUInt32BE(commandId, 4);
  header.writeUInt32BE(0, 8);
  header.writeUInt32BE(sequence, 12);
  return Buffer.concat([header, body]);
}

describe('connection dropped with the window full', () => {
  it('rejects every in-flight submit as retryable, reconnects, and all 50 go through when re-sent', async () => {
    const { sim, session } = await setup({ faults: { responseDelayMs: 10_000 } }, { window: 50 });
    const disconnects: string[] = [];
    session.on('disconnected', ({ reason }) => disconnects.push(reason));
    const texts = Array.from({ length: 50 }, (_, i) => `message ${i}`);
    const outcomes = texts.map((text) => settle(session.submit(parts(text))));
    await waitFor(() => sim.submitted.length === 50 && session.inFlight === 50, '50 submits in flight');
    expect(sim.stats.inFlight).toBe(50);

    sim.dropConnections();
    const settled = await Promise.all(outcomes); // none hangs: this resolves
    const failed = texts.filter((_, i) => !settled[i]!.ok);
    for (const outcome of settled) {
      if (outcome.ok) continue;
      expect(outcome.error).toBeInstanceOf(TransientCarrierError);
      expect(outcome.error).toMatchObject({ reason: 'disconnected', retryable: true });
    }
    expect(failed).toHaveLength(50); // no response had been sent
    expect(disconnects).toHaveLength(1);

    // The caller re-queues: same texts again once the link is back.
    sim.setFaults({ responseDelayMs: 0 });
    sim.reset();
    await session.waitUntilBound(2000);
    const resent = await Promise.all(failed.map((text) => session.submit(parts(text))));
    expect(resent).toHaveLength(50);
    expect(
      sim
        .messages()
        .map((message) => message.text)
        .sort(),
    ).toEqual([...texts].sort());
    expect(session.stats.binds).toBe(2);
  });

  it('keeps parts that were never sent queued across the reconnect', async () => {
    const { sim, session } = await setup({ faults: { responseDelayMs: 10_000 } }, { window: 2 });
    const first = [settle(session.submit(parts('a'))), settle(session.submit(parts('b')))];
    const waiting = session.submit(parts('c')); // beyond the window: not sent yet
    await waitFor(() => sim.submitted.length === 2, 'two in flight');
    expect(session.queued).toBe(1);
    sim.setFaults({ responseDelayMs: 0 });
    sim.dropConnections();
    expect((await Promise.all(first)).every((outcome) => !outcome.ok)).toBe(true);
    await expect(waiting).resolves.toMatchObject({ smscMessageIds: [expect.any(String)] });
    expect(sim.submitted.map((record) => record.text)).toEqual(['a', 'b', 'c']);
  });
});

describe('an SMSC that stops answering', () => {
  it('times out a submit with a retryable error', async () => {
    const { sim, session } = await setup({}, { responseTimeoutMs: 150 });
    sim.setFaults({ silent: true });
    const error = await session.submit(parts('anyone there?')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientCarrierError);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(session.stats.timeouts).toBe(1);
    sim.setFaults({ silent: false });
    await expect(session.submit(parts('back'))).resolves.toMatchObject({
      smscMessageIds: [expect.stringMatching(/\S/)],
    });
  });

  it('drops a silent link after the enquire_link deadline and binds again', async () => {
    const { sim, session } = await setup(
      {},
      { enquireLinkIntervalMs: 40, enquireLinkTimeoutMs: 60, responseTimeoutMs: 100 },
    );
    await waitFor(() => sim.stats.enquireLinks >= 1, 'an answered enquire_link');
    const reasons: string[] = [];
    session.on('disconnected', ({ reason }) => reasons.push(reason));
    sim.setFaults({ silent: true });
    await waitFor(() => reasons.includes('enquire_link timeout'), 'the enquire_link deadline');
    await waitFor(() => reasons.includes('bind timeout'), 'an unanswered re-bind'); // still silent
    sim.setFaults({ silent: false });
    await session.waitUntilBound(2000);
    expect(session.stats.binds).toBeGreaterThanOrEqual(2);
    await expect(session.submit(parts('alive'))).resolves.toMatchObject({
      smscMessageIds: [expect.stringMatching(/\S/)],
    });
  });

  it('waits for in-flight answers before unbinding on close', async () => {
    const { sim, session } = await setup({ faults: { responseDelayMs: 50 } });
    const pending = session.submit(parts('last words'));
    await waitFor(() => sim.submitted.length === 1, 'the submit');
    await session.close();
    await expect(pending).resolves.toMatchObject({ smscMessageIds: [expect.any(String)] });
    const commands = sim.received.map((pdu) => pdu.command);
    expect(commands.indexOf('unbind')).toBeGreaterThan(commands.indexOf('submit_sm'));
  });
});

describe('throttling', () => {
  it('ESME_RTHROTTLED is retryable, slows the session, and the next submits succeed', async () => {
    const { sim, session } = await setup({ faults: { throttleNext: 1 } }, { tps: 1000 });
    const throttled: string[] = [];
    session.on('throttled', ({ errorCode }) => throttled.push(errorCode));
    const error = await session.submit(parts('too fast')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientCarrierError);
    expect(error).toMatchObject({ reason: 'throttled', commandStatus: 0x58, errorCode: '0x00000058' });
    expect(throttled).toEqual(['0x00000058']);
    expect(session.speedFactor).toBeLessThan(1);
    await expect(session.submit(parts('too fast'))).resolves.toMatchObject({
      smscMessageIds: [expect.stringMatching(/\S/)],
    });
    await expect(session.submit(parts('and more'))).resolves.toMatchObject({
      smscMessageIds: [expect.stringMatching(/\S/)],
    });
    expect(sim.submitted.map((record) => record.status)).toEqual([0x58, 0, 0]);
    await waitFor(() => session.speedFactor === 1, 'full speed again');
  });

  it('ESME_RMSGQFUL is retryable too', async () => {
    const { session } = await setup({ faults: { queueFullNext: 1 } });
    await expect(session.submit(parts('full'))).rejects.toMatchObject({ reason: 'queue_full', commandStatus: 0x14 });
    await expect(session.submit(parts('room now'))).resolves.toMatchObject({
      smscMessageIds: [expect.stringMatching(/\S/)],
    });
  });

  it('throttled messages of a burst succeed when re-sent', async () => {
    const { sim, session } = await setup({ faults: { throttleNext: 3 } });
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => settle(session.submit(parts(`b${i}`)))));
    const retry = first.flatMap((outcome, i) => (outcome.ok ? [] : [`b${i}`]));
    expect(retry).toHaveLength(3);
    await Promise.all(retry.map((text) => session.submit(parts(text))));
    const accepted = sim.submitted.filter((record) => record.status === 0).map((record) => record.text);
    expect(accepted.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`).sort());
  });
});

describe('garbage from the SMSC', () => {
  it('bytes that are not SMPP close the link; the session binds again and the process lives', async () => {
    const { sim, session } = await setup();
    const reasons: string[] = [];
    session.on('disconnected', ({ reason }) => reasons.push(reason));
    sim.sendRaw(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\nthis is not SMPP'));
    await waitFor(() => reasons.length === 1, 'the link to close');
    expect(reasons[0]).toMatch(/^error: PDU length was too large/);
    await session.waitUntilBound(2000);
    await expect(session.submit(parts('after garbage'))).resolves.toMatchObject({
      smscMessageIds: [expect.stringMatching(/\S/)],
    });
  });

  it('a PDU too short to parse closes the link; the session binds again', async () => {
    const { sim, session } = await setup();
    const reasons: string[] = [];
    session.on('disconnected', ({ reason }) => reasons.push(reason));
    sim.sendRaw(rawPdu(0x00000005, 7, Buffer.alloc(0), 8).subarray(0, 8)); // command_length 8 < the header
    await waitFor(() => reasons.length === 1, 'the link to close');
    await session.waitUntilBound(2000);
    await expect(session.submit(parts('ok'))).resolves.toMatchObject({ smscMessageIds: [expect.stringMatching(/\S/)] });
  });

  it('answers an unknown command with generic_nack and stays bound', async () => {
    const { sim, session } = await setup();
    sim.sendRaw(rawPdu(0x00000999, 4242));
    await waitFor(() => sim.received.find((pdu) => pdu.command === 'generic_nack'), 'a generic_nack');
    expect(sim.received.find((pdu) => pdu.command === 'generic_nack')).toMatchObject({
      sequenceNumber: 4242,
      commandStatus: 0x03, // ESME_RINVCMDID
    });
    expect(session.state).toBe('bound');
    await expect(session.submit(parts('still bound'))).resolves.toMatchObject({
      smscMessageIds: [expect.stringMatching(/\S/)],
    });
  });

  it('answers a truncated or meaningless deliver_sm and drops it', async () => {
    const inbound: InboundSms[] = [];
    const { sim, session } = await setup({}, { onInbound: (message) => void inbound.push(message) });
    sim.sendRaw(rawPdu(0x00000005, 77)); // header only
    await waitFor(() => sim.received.find((pdu) => pdu.command === 'deliver_sm_resp'), 'the deliver_sm_resp');
    expect(sim.received.find((pdu) => pdu.command === 'deliver_sm_resp')).toMatchObject({
      sequenceNumber: 77,
      commandStatus: 0,
    });
    // A receipt without any id, UCS-2 with an odd octet, a header that overruns the body.
    expect(await sim.sendDeliverSm({ esm_class: 0x04, short_message: Buffer.from('garbage') })).toBe(0);
    expect(
      await sim.sendDeliverSm({ source_addr: '1', data_coding: 0x08, short_message: Buffer.from([0xd8, 0x3d, 0xff]) }),
    ).toBe(0);
    expect(
      await sim.sendDeliverSm({ source_addr: '2', esm_class: 0x40, short_message: Buffer.from([0x09, 0x00, 0x41]) }),
    ).toBe(0);
    expect(inbound.map((message) => message.from)).toEqual(['1', '2']);
    expect(session.state).toBe('bound');
    expect(session.stats.disconnects).toBe(0);
  });

  it('an unbind from the SMSC is answered and the session binds again', async () => {
    const { sim, session } = await setup();
    sim.sendRaw(rawPdu(0x00000006, 9));
    await waitFor(() => sim.received.find((pdu) => pdu.command === 'unbind_resp'), 'unbind_resp');
    await waitFor(() => session.stats.binds === 2, 'a new bind');
    await expect(session.submit(parts('rebound'))).resolves.toMatchObject({
      smscMessageIds: [expect.stringMatching(/\S/)],
    });
  });
});
