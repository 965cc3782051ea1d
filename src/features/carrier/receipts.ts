import { fromSmppAddress } from './addresses.js';
import { alphabetOf, decodeUcs2 } from './encoding.js';
import { type DeliverFields, EsmClass } from './smpp-codec.js';

/**
 * Delivery receipts (DLRs): a deliver_sm whose esm_class message type is "SMSC Delivery Receipt" (SMPP v3.4
 * §5.2.12, bits 5–2 = 0001, i.e. 0x04) or "Intermediate Delivery Notification" (1000, 0x20).
 *
 * The receipted message is named by the receipted_message_id TLV (§5.3.2.12) and its state by message_state
 * (§5.3.2.35) when the SMSC sends them (v3.4 SMSCs should); otherwise, and for the carrier's error code,
 * by the de-facto text format of SMPP v3.4 Appendix B:
 *   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…
 */

/** Our final outbound statuses a receipt can set (CONTRACT §4). */
export type ReceiptStatus = 'delivered' | 'undelivered' | 'failed';

export interface DeliveryReceipt {
  /** The SMSC's id of the receipted message: what submit_sm_resp returned for that part. */
  smscMessageId: string;
  /** The receipt's state as its 7-letter stat (DELIVRD, UNDELIV, …); from message_state when the text has none. */
  stat: string | null;
  /** The message_state TLV, or the state the stat names (§5.2.28). */
  messageState: number | null;
  /** The status it sets; null while not final (ENROUTE, ACCEPTD, an unknown stat). */
  status: ReceiptStatus | null;
  final: boolean;
  /** The carrier's error code: the text's `err:` field as sent (e.g. "000", "0x0B"), else the network_error_code TLV's code. */
  errorCode: string | null;
  /** deliver_sm source: the handset the message went to. */
  from: string;
  /** deliver_sm destination: our sender address. */
  to: string;
  /** An intermediate notification (esm_class 0x20) rather than a final receipt. */
  intermediate: boolean;
  submitted: number | null;
  delivered: number | null;
  /** Raw YYMMDDhhmm[ss] in the SMSC's local time (the format carries no zone). */
  submitDate: string | null;
  doneDate: string | null;
  /** The first characters of the original message, when the SMSC echoes them. */
  text: string | null;
}

/** message_state values (SMPP v3.4 §5.2.28; 0 and 9 are SMPP v5.0 additions seen in practice). */
export const MessageState = {
  SCHEDULED: 0,
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  ACCEPTED: 6,
  UNKNOWN: 7,
  REJECTED: 8,
  SKIPPED: 9,
} as const;

const STAT_BY_STATE: Record<number, string> = {
  0: 'SCHEDUL',
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
  9: 'SKIPPED',
};

const STATE_BY_STAT: Record<string, number> = Object.fromEntries(
  Object.entries(STAT_BY_STATE).map(([state, stat]) => [stat, Number(state)]),
);

/** Spelled-out forms some SMSCs send instead of the 7-letter abbreviations. */
const STAT_ALIASES: Record<string, string> = {
  DELIVERED: 'DELIVRD',
  UNDELIVERABLE: 'UNDELIV',
  UNDELIVERED: 'UNDELIV',
  REJECTED: 'REJECTD',
  ACCEPTED: 'ACCEPTD',
  SCHEDULED: 'SCHEDUL',
};

/**
 * Our decision for each final state:
 * - delivered   ← DELIVRD: the handset has it.
 * - undelivered ← UNDELIV, EXPIRED: the network took the message and tried, but could not reach the handset
 *   (unreachable, validity period ran out). Twilio's meaning of "undelivered", the contract's vocabulary.
 * - failed      ← REJECTD, DELETED, UNKNOWN, SKIPPED: the carrier refused or dropped the message without a
 *   delivery attempt we can rely on (content/number blocked, deleted by the SMSC, lost track of it).
 * ENROUTE, ACCEPTD, SCHEDUL (and any stat we do not know) are not final: the message stays `sent`. SMPP v3.4
 * lists ACCEPTD as a final state ("accepted on behalf of the subscriber"), but carriers send it as "taken in
 * by the SMSC", an intermediate report, so we do not treat it as delivery.
 */
const STATUS_BY_STAT: Record<string, ReceiptStatus> = {
  DELIVRD: 'delivered',
  UNDELIV: 'undelivered',
  EXPIRED: 'undelivered',
  REJECTD: 'failed',
  DELETED: 'failed',
  UNKNOWN: 'failed',
  SKIPPED: 'failed',
};

export function normalizeStat(stat: string): string {
  const upper = stat.trim().toUpperCase();
  return STAT_ALIASES[upper] ?? upper;
}

/** The status a stat sets, or null when it is not final. */
export function statusForStat(stat: string): ReceiptStatus | null {
  return STATUS_BY_STAT[normalizeStat(stat)] ?? null;
}

export function statusForMessageState(state: number): ReceiptStatus | null {
  const stat = STAT_BY_STATE[state];
  return stat ? (STATUS_BY_STAT[stat] ?? null) : null;
}

/** Whether a deliver_sm's esm_class marks a receipt (0x04) or an intermediate notification (0x20). */
export function isReceiptEsmClass(esmClass: number): boolean {
  const type = esmClass & EsmClass.MESSAGE_TYPE_MASK;
  return type === EsmClass.SMSC_DELIVERY_RECEIPT || type === EsmClass.INTERMEDIATE_NOTIFICATION;
}

export interface ReceiptTextFields {
  id?: string;
  sub?: string;
  dlvrd?: string;
  submitDate?: string;
  doneDate?: string;
  stat?: string;
  err?: string;
  text?: string;
}

const FIELD_KEYS: Record<string, keyof ReceiptTextFields> = {
  id: 'id',
  sub: 'sub',
  dlvrd: 'dlvrd',
  'submit date': 'submitDate',
  submit_date: 'submitDate',
  'done date': 'doneDate',
  done_date: 'doneDate',
  stat: 'stat',
  err: 'err',
};

/**
 * Parses the Appendix B receipt text. Keys are matched case-insensitively (SMSCs vary: "Text:", "text:");
 * `text:` is last and free-form, so everything after it is the text and never parsed for keys. Fields may be
 * missing or reordered. Undefined when the text carries neither an id nor a stat.
 */
export function parseReceiptText(raw: string): ReceiptTextFields | undefined {
  const fields: ReceiptTextFields = {};
  let head = raw;
  const textAt = raw.search(/(?:^|\s)text:/i);
  if (textAt >= 0) {
    const colon = raw.indexOf(':', textAt);
    fields.text = raw.slice(colon + 1).trim();
    head = raw.slice(0, textAt);
  }
  const keyPattern = /(?:^|\s)(id|sub|dlvrd|submit[ _]date|done[ _]date|stat|err):/gi;
  const matches = [...head.matchAll(keyPattern)];
  for (let i = 0; i < matches.length; i++) {
    const match = matches[i]!;
    const start = match.index + match[0].length;
    const end = i + 1 < matches.length ? matches[i + 1]!.index : head.length;
    const key = FIELD_KEYS[match[1]!.toLowerCase()];
    if (key) fields[key] = head.slice(start, end).trim();
  }
  if (!fields.id && !fields.stat) return undefined;
  return fields;
}

const count = (value: string | undefined): number | null => (value && /^\d+$/.test(value) ? Number(value) : null);

/**
 * Reads a receipt from a deliver_sm already known to be one (isReceiptEsmClass). Undefined when no message id
 * can be found in it: the caller acknowledges and drops it.
 */
export function parseReceipt(fields: DeliverFields): DeliveryReceipt | undefined {
  // The receipt text is an ASCII format (Appendix B) whatever the data_coding says, except when an SMSC sends it
  // as UCS-2. Reading it as GSM-7 would turn "_" and "@" into other characters.
  const rawText = alphabetOf(fields.dataCoding) === 'ucs2' ? decodeUcs2(fields.body) : fields.body.toString('latin1');
  const parsed = parseReceiptText(rawText);
  const smscMessageId = fields.receiptedMessageId ?? parsed?.id;
  if (!smscMessageId) return undefined;

  const stat = parsed?.stat ? normalizeStat(parsed.stat) : undefined;
  const tlvState =
    fields.messageState !== undefined && STAT_BY_STATE[fields.messageState] ? fields.messageState : undefined;
  // The typed TLV wins over the text when both are present.
  const messageState = tlvState ?? (stat !== undefined ? STATE_BY_STAT[stat] : undefined);
  const status =
    tlvState !== undefined ? statusForMessageState(tlvState) : stat !== undefined ? statusForStat(stat) : null;

  let errorCode: string | null = parsed?.err ? parsed.err : null;
  if (errorCode === null && fields.networkErrorCode && fields.networkErrorCode.length >= 3) {
    // network_error_code (§5.3.2.31): network type (1 octet), then the error code (2 octets).
    errorCode = String(fields.networkErrorCode.readUInt16BE(1)).padStart(3, '0');
  }

  const intermediate = (fields.esmClass & EsmClass.MESSAGE_TYPE_MASK) === EsmClass.INTERMEDIATE_NOTIFICATION;
  return {
    smscMessageId,
    stat: stat ?? (messageState !== undefined ? (STAT_BY_STATE[messageState] ?? null) : null),
    messageState: messageState ?? null,
    status: intermediate ? null : status,
    final: !intermediate && status !== null,
    errorCode,
    from: fromSmppAddress(fields.sourceAddr, fields.sourceTon),
    to: fromSmppAddress(fields.destinationAddr, fields.destTon),
    intermediate,
    submitted: count(parsed?.sub),
    delivered: count(parsed?.dlvrd),
    submitDate: parsed?.submitDate || null,
    doneDate: parsed?.doneDate || null,
    text: parsed?.text ?? null,
  };
}

/** Builds the Appendix B text, for the simulator. */
export function formatReceiptText(input: {
  id: string;
  stat: string;
  err: string;
  submitDate: Date;
  doneDate: Date;
  text: string;
  delivered: boolean;
}): string {
  const date = (d: Date): string =>
    [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()]
      .map((n) => String(n).padStart(2, '0'))
      .join('');
  return (
    `id:${input.id} sub:001 dlvrd:${input.delivered ? '001' : '000'} submit date:${date(input.submitDate)} ` +
    `done date:${date(input.doneDate)} stat:${input.stat} err:${input.err} text:${input.text.slice(0, 20)}`
  );
}

export function stateForStat(stat: string): number | undefined {
  return STATE_BY_STAT[normalizeStat(stat)];
}
