import { describe, expect, it } from 'vitest';
import {
  alphabetOf,
  analyzeText,
  ConcatReassembler,
  chooseEncoding,
  concatFromSar,
  concatReference,
  concatUdh,
  DataCoding,
  decodeGsm7,
  decodeText,
  decodeUcs2,
  encodeGsm7,
  encodeText,
  encodeUcs2,
  parseUdh,
  splitInboundBody,
  splitText,
} from '../../../src/features/carrier/encoding.js';

describe('alphabet choice', () => {
  it('keeps GSM-7 for the basic and extension tables', () => {
    expect(chooseEncoding('Hello @£$¥ èéùìò ΔΦΓΛΩΠΨΣΘΞ ÄÖÑÜ§¿ äöñüà\n\r')).toBe('GSM-7');
    expect(chooseEncoding('€ [ ] { } ~ | ^ \\ \f')).toBe('GSM-7');
  });

  it('falls back to UCS-2 for anything else', () => {
    expect(chooseEncoding('ç')).toBe('UCS-2'); // 0x09 is capital Ç only
    expect(chooseEncoding('naïve')).toBe('UCS-2');
    expect(chooseEncoding('Привет')).toBe('UCS-2');
    expect(chooseEncoding('ok 👍')).toBe('UCS-2');
    expect(chooseEncoding('\u001b')).toBe('UCS-2'); // ESC is not a character
    expect(chooseEncoding('`')).toBe('UCS-2');
  });
});

describe('segment counting', () => {
  it('GSM-7: 160 septets in one part, 161 in two', () => {
    expect(analyzeText('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(analyzeText('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
    expect(analyzeText('a'.repeat(306)).segments).toBe(2); // 2 × 153
    expect(analyzeText('a'.repeat(307)).segments).toBe(3);
    expect(analyzeText('').segments).toBe(1);
  });

  it('GSM-7 extension characters count as two septets', () => {
    for (const char of ['€', '[', ']', '{', '}', '~', '|', '^', '\\']) {
      expect(analyzeText(char).units).toBe(2);
    }
    expect(analyzeText('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(analyzeText('€'.repeat(81)).segments).toBe(2);
    expect(analyzeText('a'.repeat(159) + '€').segments).toBe(2); // 161 septets
  });

  it('never splits an escape sequence across parts', () => {
    // 152 septets, then "€" (2) would straddle the 153 boundary: it moves whole into part two.
    const text = 'a'.repeat(152) + '€' + 'b'.repeat(10);
    const parts = splitText(text);
    expect(parts).toEqual(['a'.repeat(152), '€' + 'b'.repeat(10)]);
    // So 306 septets can need three parts, where ceil(306/153) says two.
    const tight = ('a'.repeat(152) + '€').repeat(2);
    expect(analyzeText(tight)).toMatchObject({ units: 308, segments: 3 });
    const edge = 'a'.repeat(152) + '€'.repeat(76) + 'a';
    expect(analyzeText(edge).units).toBe(305);
    expect(splitText(edge)).toEqual(['a'.repeat(152), '€'.repeat(76) + 'a']);
  });

  it('UCS-2: 70 code units in one part, 71 in two, 67 per part', () => {
    expect(analyzeText('é'.repeat(0) + 'ж'.repeat(70))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(analyzeText('ж'.repeat(71)).segments).toBe(2);
    expect(analyzeText('ж'.repeat(134)).segments).toBe(2);
    expect(analyzeText('ж'.repeat(135)).segments).toBe(3);
  });

  it('counts an emoji as two UTF-16 code units and never splits the pair', () => {
    expect(analyzeText('👍')).toEqual({ encoding: 'UCS-2', segments: 1, units: 2 });
    expect(analyzeText('👍'.repeat(35)).segments).toBe(1); // 70 units
    expect(analyzeText('👍'.repeat(36)).segments).toBe(2);
    // 66 units, then a pair that would straddle the 67 boundary.
    const text = 'ж'.repeat(66) + '👍' + 'ж'.repeat(10);
    const parts = splitText(text);
    expect(parts).toEqual(['ж'.repeat(66), '👍' + 'ж'.repeat(10)]);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(67);
    for (const part of parts) expect(decodeUcs2(encodeUcs2(part))).toBe(part); // no lone surrogate
  });

  it('a 1600-character text fits the concatenation limit', () => {
    expect(analyzeText('ж'.repeat(1600)).segments).toBe(24);
    expect(analyzeText('a'.repeat(1600)).segments).toBe(11);
  });
});

describe('encoding for submit_sm', () => {
  it('GSM-7 as unpacked septets with data_coding 0x00', () => {
    const encoded = encodeText('Hi @ € {x}', { reference: 7 });
    expect(encoded.encoding).toBe('GSM-7');
    expect(encoded.dataCoding).toBe(DataCoding.SMSC_DEFAULT);
    expect(encoded.parts).toHaveLength(1);
    expect(encoded.parts[0]!.esmClass).toBe(0);
    expect([...encoded.parts[0]!.shortMessage]).toEqual([
      0x48, 0x69, 0x20, 0x00, 0x20, 0x1b, 0x65, 0x20, 0x1b, 0x28, 0x78, 0x1b, 0x29,
    ]);
    expect(decodeGsm7(encoded.parts[0]!.shortMessage)).toBe('Hi @ € {x}');
  });

  it('UCS-2 as UTF-16BE with data_coding 0x08', () => {
    const encoded = encodeText('Aж👍', { reference: 7 });
    expect(encoded.dataCoding).toBe(DataCoding.UCS2);
    expect(encoded.parts[0]!.shortMessage.toString('hex')).toBe('00410436d83ddc4d');
  });

  it('long texts get the 8-bit concatenation header and UDHI', () => {
    const text = 'x'.repeat(400);
    const encoded = encodeText(text, { reference: 0xab });
    expect(encoded.parts).toHaveLength(3);
    encoded.parts.forEach((part, index) => {
      expect(part.esmClass).toBe(0x40);
      expect([...part.shortMessage.subarray(0, 6)]).toEqual([0x05, 0x00, 0x03, 0xab, 3, index + 1]);
      expect(part.shortMessage.length).toBeLessThanOrEqual(6 + 153);
    });
    expect(encoded.parts.map((part) => part.text).join('')).toBe(text);
  });

  it('UCS-2 parts fit 140 octets', () => {
    const encoded = encodeText('ж'.repeat(200), { reference: 1 });
    for (const part of encoded.parts) expect(part.shortMessage.length).toBeLessThanOrEqual(140);
  });

  it('refuses more than 255 parts', () => {
    expect(() => encodeText('a'.repeat(153 * 256), { reference: 1 })).toThrow(RangeError);
  });

  it('derives a stable 8-bit reference from the message id', () => {
    const reference = concatReference('65f1c0ffee0000000000abcd');
    expect(reference).toBe(concatReference('65f1c0ffee0000000000abcd'));
    expect(reference).toBeGreaterThanOrEqual(0);
    expect(reference).toBeLessThanOrEqual(255);
  });

  it('replaces characters without a GSM-7 form when asked to encode them as GSM-7', () => {
    expect(encodeGsm7('açb').toString('latin1')).toBe('a?b');
  });
});

describe('decoding inbound bodies', () => {
  it('GSM-7 with the extension table; unknown escapes show the basic character', () => {
    expect(decodeGsm7(Buffer.from([0x1b, 0x65, 0x1b, 0x3c, 0x1b, 0x3e, 0x00, 0x02, 0x11]))).toBe('€[]@$_');
    expect(decodeGsm7(Buffer.from([0x1b, 0x41]))).toBe('A');
    expect(decodeGsm7(Buffer.from([0x1b, 0x1b, 0x41]))).toBe(' A');
    expect(decodeGsm7(Buffer.from([0x41, 0x1b]))).toBe('A');
    expect(decodeGsm7(Buffer.from([0x41, 0xc8]))).toBe('A\ufffd');
  });

  it('by data_coding: 0x00 GSM-7, 0x01 IA5, 0x03 Latin-1, 0x08 UCS-2', () => {
    expect(decodeText(Buffer.from([0x00, 0x11]), 0x00)).toBe('@_');
    expect(decodeText(Buffer.from('a@_$', 'ascii'), 0x01)).toBe('a@_$');
    expect(decodeText(Buffer.from('café', 'latin1'), 0x03)).toBe('café');
    expect(decodeText(Buffer.from('00410436d83ddc4d', 'hex'), 0x08)).toBe('Aж👍');
    expect(decodeText(Buffer.from('004100', 'hex'), 0x08)).toBe('A'); // an odd octet is dropped
    expect(decodeText(Buffer.from('Привет', 'utf16le').swap16(), 0x18)).toBe('Привет'); // GSM DCS: class, UCS-2
  });

  it('reads GSM data coding schemes above 0x0F', () => {
    expect(alphabetOf(0xf0)).toBe('gsm7');
    expect(alphabetOf(0xf4)).toBe('binary');
    expect(alphabetOf(0x08)).toBe('ucs2');
    expect(alphabetOf(0x10)).toBe('gsm7');
    expect(alphabetOf(0x04)).toBe('binary');
    expect(alphabetOf(0x30)).toBe('binary'); // compressed
  });
});

describe('user data header', () => {
  it('reads 8-bit and 16-bit concatenation references', () => {
    expect(parseUdh(Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x03, 0x02, 0x41]))).toMatchObject({
      length: 6,
      concat: { reference: 0x2a, referenceBits: 8, total: 3, seq: 2 },
    });
    expect(parseUdh(Buffer.from([0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01]))).toMatchObject({
      length: 7,
      concat: { reference: 0x1234, referenceBits: 16, total: 2, seq: 1 },
    });
    expect(concatUdh(0x1ff, 2, 1)).toEqual(Buffer.from([0x05, 0x00, 0x03, 0xff, 2, 1]));
  });

  it('skips other elements and rejects malformed headers', () => {
    // A port-addressing element (0x05) before the concatenation element.
    const withPorts = Buffer.from([0x0b, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0x00, 0x03, 0x07, 0x02, 0x01, 0x41]);
    expect(parseUdh(withPorts)?.concat).toEqual({ reference: 7, referenceBits: 8, total: 2, seq: 1 });
    expect(parseUdh(Buffer.from([0x09, 0x00]))).toBeUndefined(); // UDHL beyond the body
    expect(parseUdh(Buffer.from([0x03, 0x00, 0x05, 0x01]))).toBeUndefined(); // element beyond UDHL
    expect(parseUdh(Buffer.from([0x05, 0x00, 0x03, 0x01, 0x02, 0x03]))?.concat).toBeUndefined(); // seq > total
  });

  it('reads concatenation from sar_* TLVs and keeps a body with a broken header whole', () => {
    expect(concatFromSar({ sarMsgRefNum: 9, sarTotalSegments: 2, sarSegmentSeqnum: 2 })).toEqual({
      reference: 9,
      referenceBits: 16,
      total: 2,
      seq: 2,
    });
    expect(concatFromSar({ sarMsgRefNum: 9 })).toBeUndefined();
    const broken = Buffer.from([0x40, 0x41]);
    expect(splitInboundBody(broken, 0x40)).toEqual({ payload: broken, malformedUdh: true, concat: undefined });
  });
});

describe('ConcatReassembler', () => {
  it('returns the parts in order once all arrived, whatever the arrival order', () => {
    const expired: unknown[] = [];
    const reassembler = new ConcatReassembler<string>({ timeoutMs: 1000, onExpire: (...args) => expired.push(args) });
    const info = (seq: number) => ({ reference: 1, referenceBits: 8 as const, total: 3, seq });
    const key = ConcatReassembler.key('+1', '+2', info(1));
    expect(reassembler.add(key, info(3), 'c')).toBeUndefined();
    expect(reassembler.add(key, info(1), 'a')).toBeUndefined();
    expect(reassembler.add(key, info(1), 'a')).toBeUndefined(); // a duplicate changes nothing
    expect(reassembler.add(key, info(2), 'b')).toEqual(['a', 'b', 'c']);
    reassembler.remove(key);
    expect(reassembler.size).toBe(0);
    reassembler.clear();
    expect(expired).toEqual([]);
  });

  it('hands over an incomplete group after the timeout', async () => {
    const expired: [string, string[], number[]][] = [];
    const reassembler = new ConcatReassembler<string>({
      timeoutMs: 20,
      onExpire: (key, parts, missing) => expired.push([key, parts, missing]),
    });
    const info = { reference: 5, referenceBits: 8 as const, total: 3, seq: 2 };
    reassembler.add('k', info, 'b');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(expired).toEqual([['k', ['b'], [1, 3]]]);
    expect(reassembler.size).toBe(0);
  });

  it('evicts the oldest group beyond maxGroups', () => {
    const expired: string[] = [];
    const reassembler = new ConcatReassembler<string>({
      timeoutMs: 10_000,
      maxGroups: 2,
      onExpire: (key) => expired.push(key),
    });
    const info = { reference: 1, referenceBits: 8 as const, total: 2, seq: 1 };
    reassembler.add('a', info, 'x');
    reassembler.add('b', info, 'x');
    reassembler.add('c', info, 'x');
    expect(expired).toEqual(['a']);
    reassembler.clear();
  });
});
