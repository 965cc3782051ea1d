import { afterEach, describe, expect, it } from 'vitest';
import { analyzeText } from '../../../src/features/carrier/encoding.js';
import type { SmscSimulator } from '../../../src/features/carrier/simulator.js';
import type { InboundSms, SmppSession } from '../../../src/features/carrier/smpp-session.js';
import { sessionFor, startSimulator, waitFor } from './helpers.js';

// Texts from handsets: the simulator sends deliver_sm over TCP; the session decodes, joins and hands them over.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(
  sessionOptions: Parameters<typeof sessionFor>[1] = {},
): Promise<{ sim: SmscSimulator; session: SmppSession; inbound: InboundSms[] }> {
  const sim = await startSimulator();
  cleanup.push(() => sim.close());
  const inbound: InboundSms[] = [];
  const session = sessionFor(sim, { onInbound: (message) => void inbound.push(message), ...sessionOptions });
  cleanup.push(() => session.close());
  await session.start().waitUntilBound(2000);
  return { sim, session, inbound };
}

const HANDSET = '+15557770000';
const OUR_NUMBER = '+15558880000';
const LONG_GSM = 'The quick brown fox jumps over the lazy dog: {braces} [brackets] €uro. '.repeat(6);
const LONG_GSM_PARTS = analyzeText(LONG_GSM).segments;
const LONG_UCS2 = 'Привет, мир! 👋🏽 Ça va? '.repeat(10);

describe('inbound texts', () => {
  it('a short GSM-7 text arrives decoded', async () => {
    const { sim, inbound } = await setup();
    await sim.injectInbound({ from: HANDSET, to: OUR_NUMBER, text: 'Hi! @ 10€ ok?' });
    expect(inbound).toEqual([
      {
        from: HANDSET,
        to: OUR_NUMBER,
        text: 'Hi! @ 10€ ok?',
        dataCoding: 0,
        alphabet: 'gsm7',
        parts: 1,
        complete: true,
        missingParts: [],
      },
    ]);
  });

  it('a short UCS-2 text arrives decoded', async () => {
    const { sim, inbound } = await setup();
    await sim.injectInbound({ from: HANDSET, to: OUR_NUMBER, text: 'Grüße 🌍' });
    expect(inbound).toMatchObject([{ text: 'Grüße 🌍', dataCoding: 8, alphabet: 'ucs2', parts: 1 }]);
  });

  it.each(['udh8', 'udh16', 'sar'] as const)('a long GSM-7 text concatenated by %s arrives joined', async (concat) => {
    const { sim, inbound } = await setup();
    const { parts } = await sim.injectInbound({ from: HANDSET, to: OUR_NUMBER, text: LONG_GSM, concat });
    expect(LONG_GSM_PARTS).toBe(3);
    expect(parts).toBe(LONG_GSM_PARTS);
    expect(inbound).toHaveLength(1);
    expect(inbound[0]).toMatchObject({ text: LONG_GSM, parts, complete: true, from: HANDSET });
    expect(inbound[0]!.concat).toMatchObject({ total: parts, referenceBits: concat === 'udh8' ? 8 : 16 });
  });

  it('a long UCS-2 text with emoji arrives joined', async () => {
    const { sim, inbound } = await setup();
    const { parts } = await sim.injectInbound({ from: HANDSET, to: OUR_NUMBER, text: LONG_UCS2 });
    expect(parts).toBeGreaterThan(1);
    expect(inbound).toMatchObject([{ text: LONG_UCS2, parts, complete: true, alphabet: 'ucs2' }]);
  });

  it('joins parts that arrive out of order, even with a surrogate pair split between them', async () => {
    const { sim, inbound } = await setup();
    const utf16 = Buffer.from('ab👍cd', 'utf16le').swap16(); // the pair is octets 4–7
    const first = utf16.subarray(0, 6); // "ab" + high surrogate
    const second = utf16.subarray(6); // low surrogate + "cd"
    const part = (seq: number, body: Buffer) => ({
      source_addr: '15557770000',
      source_addr_ton: 1,
      destination_addr: '15558880000',
      destination_addr_ton: 1,
      esm_class: 0x40,
      data_coding: 0x08,
      short_message: Buffer.concat([Buffer.from([0x05, 0x00, 0x03, 0x99, 2, seq]), body]),
    });
    expect(await sim.sendDeliverSm(part(2, second))).toBe(0);
    expect(inbound).toEqual([]);
    expect(await sim.sendDeliverSm(part(1, first))).toBe(0);
    expect(inbound).toMatchObject([{ text: 'ab👍cd', from: HANDSET, parts: 2 }]);
  });

  it('decodes IA5 and Latin-1 bodies', async () => {
    const { sim, inbound } = await setup();
    await sim.sendDeliverSm({ source_addr: '100', data_coding: 0x01, short_message: Buffer.from('a_b@c$', 'ascii') });
    await sim.sendDeliverSm({ source_addr: '100', data_coding: 0x03, short_message: Buffer.from('déjà vu', 'latin1') });
    await sim.sendDeliverSm({
      source_addr: '100',
      message_payload: Buffer.from('from the payload TLV'),
      data_coding: 0x01,
    });
    expect(inbound.map((message) => message.text)).toEqual(['a_b@c$', 'déjà vu', 'from the payload TLV']);
  });

  it('when the consumer fails on the last part, the SMSC re-sends it and the text completes once', async () => {
    let calls = 0;
    const delivered: string[] = [];
    const { sim } = await setup({
      onInbound: (message) => {
        calls++;
        if (calls === 1) throw new Error('database unavailable');
        delivered.push(message.text);
      },
    });
    await sim.injectInbound({ from: HANDSET, to: OUR_NUMBER, text: LONG_GSM });
    expect(delivered).toEqual([LONG_GSM]);
    const answers = sim.received.filter((pdu) => pdu.command === 'deliver_sm_resp').map((pdu) => pdu.commandStatus);
    expect(answers.filter((status) => status === 0x64)).toHaveLength(1);
    expect(answers.filter((status) => status === 0)).toHaveLength(LONG_GSM_PARTS);
  });

  it('hands over what arrived when the other parts never come', async () => {
    const { sim, inbound } = await setup({ reassemblyTimeoutMs: 40 });
    await sim.sendDeliverSm({
      source_addr: '15557770000',
      source_addr_ton: 1,
      esm_class: 0x40,
      short_message: Buffer.from([0x05, 0x00, 0x03, 0x01, 3, 2, 0x48, 0x69]),
    });
    await waitFor(() => inbound.length === 1, 'the partial text');
    expect(inbound[0]).toMatchObject({ from: HANDSET, text: 'Hi', complete: false, missingParts: [1, 3], parts: 1 });
  });

  it('texts sent while the ESME was away are delivered when it binds', async () => {
    const sim = await startSimulator();
    cleanup.push(() => sim.close());
    const injected = sim.injectInbound({ from: HANDSET, to: OUR_NUMBER, text: 'stored at the SMSC' });
    const inbound: InboundSms[] = [];
    const session = sessionFor(sim, { onInbound: (message) => void inbound.push(message) });
    cleanup.push(() => session.close());
    session.start();
    await injected;
    expect(inbound).toMatchObject([{ text: 'stored at the SMSC' }]);
  });

  it('a listener that throws does not change the answer to the SMSC', async () => {
    const { sim, session, inbound } = await setup();
    session.on('inbound', () => {
      throw new Error('buggy listener');
    });
    await sim.injectInbound({ from: HANDSET, to: OUR_NUMBER, text: 'hello' });
    expect(inbound).toHaveLength(1);
    expect(sim.received.filter((pdu) => pdu.command === 'deliver_sm_resp').map((pdu) => pdu.commandStatus)).toEqual([
      0,
    ]);
  });
});
