import { describe, expect, it } from 'vitest';
import {
  formatReceiptText,
  isReceiptEsmClass,
  parseReceipt,
  parseReceiptText,
  statusForMessageState,
  statusForStat,
} from '../../../src/features/carrier/receipts.js';
import type { DeliverFields } from '../../../src/features/carrier/smpp-codec.js';

function fields(overrides: Partial<DeliverFields>): DeliverFields {
  return {
    command: 'deliver_sm',
    sourceAddr: '15550001111',
    sourceTon: 1,
    sourceNpi: 1,
    destinationAddr: '15550002222',
    destTon: 1,
    destNpi: 1,
    esmClass: 0x04,
    dataCoding: 0,
    body: Buffer.alloc(0),
    ...overrides,
  };
}

const TEXT =
  'id:0A1B2C3D4E sub:001 dlvrd:001 submit date:2601011200 done date:2601011201 stat:DELIVRD err:000 text:Hello there';

describe('receipt text (SMPP v3.4 Appendix B)', () => {
  it('parses every field', () => {
    expect(parseReceiptText(TEXT)).toEqual({
      id: '0A1B2C3D4E',
      sub: '001',
      dlvrd: '001',
      submitDate: '2601011200',
      doneDate: '2601011201',
      stat: 'DELIVRD',
      err: '000',
      text: 'Hello there',
    });
  });

  it('is lenient about case, order, missing fields and what the text contains', () => {
    expect(parseReceiptText('ID:77 Stat:UNDELIV Err:001 Text:stat:DELIVRD id:99')).toEqual({
      id: '77',
      stat: 'UNDELIV',
      err: '001',
      text: 'stat:DELIVRD id:99',
    });
    expect(parseReceiptText('stat:EXPIRED id:5')).toEqual({ stat: 'EXPIRED', id: '5' });
    expect(parseReceiptText('hello world')).toBeUndefined();
    expect(parseReceiptText('')).toBeUndefined();
  });
});

describe('status mapping', () => {
  it('maps final stats to delivered / undelivered / failed and leaves the rest open', () => {
    expect(statusForStat('DELIVRD')).toBe('delivered');
    expect(statusForStat('delivered')).toBe('delivered');
    expect(statusForStat('UNDELIV')).toBe('undelivered');
    expect(statusForStat('EXPIRED')).toBe('undelivered');
    expect(statusForStat('REJECTD')).toBe('failed');
    expect(statusForStat('DELETED')).toBe('failed');
    expect(statusForStat('UNKNOWN')).toBe('failed');
    expect(statusForStat('ENROUTE')).toBeNull();
    expect(statusForStat('ACCEPTD')).toBeNull();
    expect(statusForStat('BUFFRED')).toBeNull();
    expect(statusForMessageState(2)).toBe('delivered');
    expect(statusForMessageState(5)).toBe('undelivered');
    expect(statusForMessageState(8)).toBe('failed');
    expect(statusForMessageState(1)).toBeNull();
    expect(statusForMessageState(42)).toBeNull();
  });

  it('recognises receipts and intermediate notifications by esm_class', () => {
    expect(isReceiptEsmClass(0x04)).toBe(true);
    expect(isReceiptEsmClass(0x44)).toBe(true); // with UDHI
    expect(isReceiptEsmClass(0x20)).toBe(true);
    expect(isReceiptEsmClass(0x00)).toBe(false);
    expect(isReceiptEsmClass(0x40)).toBe(false);
    expect(isReceiptEsmClass(0x08)).toBe(false);
  });
});

describe('parseReceipt', () => {
  it('reads the text when there are no TLVs', () => {
    const receipt = parseReceipt(fields({ body: Buffer.from(TEXT, 'latin1') }));
    expect(receipt).toMatchObject({
      smscMessageId: '0A1B2C3D4E',
      stat: 'DELIVRD',
      messageState: 2,
      status: 'delivered',
      final: true,
      errorCode: '000',
      from: '+15550001111',
      to: '+15550002222',
      submitted: 1,
      delivered: 1,
      text: 'Hello there',
      intermediate: false,
    });
  });

  it('prefers receipted_message_id and message_state TLVs', () => {
    const receipt = parseReceipt(
      fields({
        body: Buffer.from('id:999 stat:DELIVRD err:000', 'latin1'),
        receiptedMessageId: 'ABC',
        messageState: 5,
      }),
    );
    expect(receipt).toMatchObject({ smscMessageId: 'ABC', status: 'undelivered', messageState: 5, stat: 'DELIVRD' });
  });

  it('works from TLVs alone, with the error from network_error_code', () => {
    const receipt = parseReceipt(
      fields({ receiptedMessageId: 'X1', messageState: 8, networkErrorCode: Buffer.from([0x03, 0x00, 0x0b]) }),
    );
    expect(receipt).toMatchObject({ smscMessageId: 'X1', stat: 'REJECTD', status: 'failed', errorCode: '011' });
  });

  it('is not final while en route, nor for an intermediate notification', () => {
    expect(parseReceipt(fields({ body: Buffer.from('id:1 stat:ENROUTE err:000') }))).toMatchObject({
      status: null,
      final: false,
    });
    expect(parseReceipt(fields({ esmClass: 0x20, body: Buffer.from('id:1 stat:DELIVRD') }))).toMatchObject({
      status: null,
      final: false,
      intermediate: true,
    });
  });

  it('reads a receipt sent as UCS-2 and gives up without an id', () => {
    const ucs2 = Buffer.from('id:U1 stat:UNDELIV err:005', 'utf16le').swap16();
    expect(parseReceipt(fields({ dataCoding: 0x08, body: ucs2 }))).toMatchObject({
      smscMessageId: 'U1',
      status: 'undelivered',
      errorCode: '005',
    });
    expect(parseReceipt(fields({ body: Buffer.from('stat:DELIVRD') }))).toBeUndefined();
    expect(parseReceipt(fields({ body: Buffer.from([0xff, 0x00, 0x13]) }))).toBeUndefined();
  });

  it('round-trips the text the simulator writes', () => {
    const text = formatReceiptText({
      id: 'F00',
      stat: 'EXPIRED',
      err: '003',
      submitDate: new Date(Date.UTC(2026, 0, 2, 3, 4)),
      doneDate: new Date(Date.UTC(2026, 0, 2, 3, 5)),
      text: 'A message longer than twenty characters',
      delivered: false,
    });
    expect(parseReceiptText(text)).toEqual({
      id: 'F00',
      sub: '001',
      dlvrd: '000',
      submitDate: '2601020304',
      doneDate: '2601020305',
      stat: 'EXPIRED',
      err: '003',
      text: 'A message longer tha',
    });
  });
});
