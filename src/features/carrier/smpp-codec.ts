import smpp from 'smpp';

/**
 * Our seam over the `smpp` package's PDU codec: command status names, PDU construction, and reading the
 * fields of inbound deliver_sm / data_sm into a plain, fully-typed object.
 */

/**
 * The package decodes `short_message` and the `message_payload` TLV itself, by its own charset rules, and
 * that decoding loses information we need: data_coding 0x01 (IA5) is read as GSM-7; unknown octets
 * become spaces; each UCS-2 part is decoded alone, so a surrogate pair split across parts is broken;
 * the raw user data header is not kept whole. We remove those filters so every message body stays the
 * raw octets of the wire, and encode/decode text ourselves (encoding.ts). Encoding is unaffected: we
 * always hand the package a Buffer, which its encoder passes through untouched.
 *
 * The change is process-wide, because the package keeps its codec tables in module state. Only this
 * feature uses the package (ARCHITECTURE.md: "`smpp` … wrapped by our own session layer").
 */
function useRawMessageBodies(): void {
  for (const command of ['submit_sm', 'deliver_sm', 'replace_sm', 'submit_multi']) {
    const param = smpp.commands[command]?.params?.['short_message'];
    if (param) delete param.filter;
  }
  const payload = smpp.tlvs['message_payload'];
  if (payload) delete payload.filter;
}
useRawMessageBodies();

/** The command_status values (SMPP v3.4 §5.1.3) this feature acts on. */
export const CommandStatus = {
  ESME_ROK: 0x00000000,
  ESME_RINVMSGLEN: 0x00000001,
  ESME_RINVCMDID: 0x00000003,
  ESME_RINVBNDSTS: 0x00000004,
  ESME_RALYBND: 0x00000005,
  ESME_RSYSERR: 0x00000008,
  ESME_RINVDSTADR: 0x0000000b,
  ESME_RBINDFAIL: 0x0000000d,
  ESME_RINVPASWD: 0x0000000e,
  ESME_RINVSYSID: 0x0000000f,
  ESME_RMSGQFUL: 0x00000014,
  ESME_RSUBMITFAIL: 0x00000045,
  ESME_RTHROTTLED: 0x00000058,
  ESME_RX_T_APPN: 0x00000064,
} as const;

/** ESM class bits (SMPP v3.4 §5.2.12). */
export const EsmClass = {
  /** Bits 5–2, the message type: 0 for an ordinary short message. */
  MESSAGE_TYPE_MASK: 0x3c,
  SMSC_DELIVERY_RECEIPT: 0x04,
  SME_DELIVERY_ACK: 0x08,
  SME_MANUAL_ACK: 0x10,
  CONVERSATION_ABORT: 0x18,
  INTERMEDIATE_NOTIFICATION: 0x20,
  /** Bit 6, UDHI: short_message starts with a user data header (3GPP TS 23.040 §9.2.3.24). */
  UDHI: 0x40,
} as const;

/**
 * The error code we store for an SMPP command_status: 8 hex digits as the SMPP tables print them,
 * e.g. "0x0000000B" for ESME_RINVDSTADR. A string, so it sits beside carrier DLR `err:` codes in one column.
 */
export function formatCommandStatus(status: number): string {
  return '0x' + (status >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

let statusNames: Map<number, string> | undefined;

/** The SMPP name of a command_status (e.g. "ESME_RTHROTTLED"), when the package knows it. */
export function commandStatusName(status: number): string | undefined {
  if (!statusNames) {
    statusNames = new Map();
    for (const [name, value] of Object.entries(smpp.errors)) if (!statusNames.has(value)) statusNames.set(value, name);
  }
  return statusNames.get(status);
}

export type Pdu = smpp.PDU;

export function createPdu(command: string, fields: Record<string, unknown> = {}): Pdu {
  return new smpp.PDU(command, fields);
}

/** The fields of an inbound deliver_sm (SMPP v3.4 §4.6.1) or data_sm (§4.7.1), read defensively. */
export interface DeliverFields {
  command: string;
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destinationAddr: string;
  destTon: number;
  destNpi: number;
  esmClass: number;
  dataCoding: number;
  /** short_message, or the message_payload TLV when short_message is empty (§5.3.2.32). Raw octets. */
  body: Buffer;
  /** TLVs (§5.3.2) when present. */
  receiptedMessageId?: string;
  messageState?: number;
  networkErrorCode?: Buffer;
  sarMsgRefNum?: number;
  sarTotalSegments?: number;
  sarSegmentSeqnum?: number;
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const optNum = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/**
 * A PDU read from a peer may lack any field (the package stops reading at command_length), so every field is
 * checked here and defaulted; nothing downstream sees `unknown`.
 */
export function readDeliverFields(pdu: Pdu): DeliverFields {
  const shortMessage = Buffer.isBuffer(pdu['short_message']) ? pdu['short_message'] : Buffer.alloc(0);
  const payload = Buffer.isBuffer(pdu['message_payload']) ? pdu['message_payload'] : undefined;
  const receipted = pdu['receipted_message_id'];
  const networkError = pdu['network_error_code'];
  return {
    command: pdu.command,
    sourceAddr: str(pdu['source_addr']),
    sourceTon: num(pdu['source_addr_ton']),
    sourceNpi: num(pdu['source_addr_npi']),
    destinationAddr: str(pdu['destination_addr']),
    destTon: num(pdu['dest_addr_ton']),
    destNpi: num(pdu['dest_addr_npi']),
    esmClass: num(pdu['esm_class']),
    dataCoding: num(pdu['data_coding']),
    body: shortMessage.length === 0 && payload ? payload : shortMessage,
    receiptedMessageId: typeof receipted === 'string' && receipted !== '' ? receipted : undefined,
    messageState: optNum(pdu['message_state']),
    networkErrorCode: Buffer.isBuffer(networkError) ? networkError : undefined,
    sarMsgRefNum: optNum(pdu['sar_msg_ref_num']),
    sarTotalSegments: optNum(pdu['sar_total_segments']),
    sarSegmentSeqnum: optNum(pdu['sar_segment_seqnum']),
  };
}
