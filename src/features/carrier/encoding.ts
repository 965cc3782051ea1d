/**
 * Text ↔ SMS octets: alphabet choice, segment counting, splitting, the concatenation user data header, and
 * decoding of inbound bodies by data_coding, with reassembly of concatenated parts.
 *
 * Sources: 3GPP TS 23.038 (GSM 7-bit default alphabet and its extension table, data coding scheme),
 * 3GPP TS 23.040 §9.2.3.24 (user data header, concatenated short messages), SMPP v3.4 §5.2.12 (esm_class),
 * §5.2.19 (data_coding), §5.3.2.22–24 (sar_* TLVs).
 */

export type TextEncoding = 'GSM-7' | 'UCS-2';

/** data_coding values (SMPP v3.4 §5.2.19). */
export const DataCoding = {
  /** "SMSC default alphabet". We send GSM-7 as unpacked septets, one per octet: the common SMSC default. */
  SMSC_DEFAULT: 0x00,
  IA5: 0x01,
  OCTET_UNSPECIFIED_2: 0x02,
  LATIN1: 0x03,
  OCTET_UNSPECIFIED: 0x04,
  CYRILLIC: 0x06,
  HEBREW: 0x07,
  UCS2: 0x08,
  ISO_2022_JP: 0x0a,
  KS_C_5601: 0x0e,
} as const;

/** esm_class bit 6, UDHI: the body starts with a user data header (SMPP v3.4 §5.2.12). */
export const ESM_CLASS_UDHI = 0x40;

/**
 * One SMS carries 140 octets of user data (TS 23.040 §9.2.3.16): 160 septets, or 70 UCS-2 code units.
 * A concatenated part spends 6 octets on its header (UDHL + the 5-octet 8-bit-reference element). For GSM-7
 * the header is padded to a septet boundary, 7 septets, leaving 153; for UCS-2, 134 octets = 67 code units.
 */
export const SEGMENT_LIMITS = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
} as const;

/** The concatenation header counts parts in one octet (TS 23.040 §9.2.3.24.1). */
export const MAX_PARTS = 255;

// ── GSM 7-bit default alphabet (TS 23.038 §6.2.1) ──────────────────────────────────────────────────────────
// Index = septet value. 0x1B is the escape to the extension table, never a character of its own.
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const ESC = 0x1b;

// Extension table (TS 23.038 §6.2.1.1): ESC followed by these septets. Each such character costs two septets.
const GSM7_EXTENSION: ReadonlyArray<readonly [string, number]> = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

const BASIC_ENCODE = new Map<string, number>();
for (let i = 0; i < GSM7_BASIC.length; i++) if (i !== ESC) BASIC_ENCODE.set(GSM7_BASIC[i]!, i);
const EXTENSION_ENCODE = new Map<string, number>(GSM7_EXTENSION);
const EXTENSION_DECODE = new Map<number, string>(GSM7_EXTENSION.map(([char, code]) => [code, char]));

/** Septets a character costs in GSM-7: 1 (basic table), 2 (extension table), 0 when it has no GSM-7 form. */
export function gsm7Septets(char: string): 0 | 1 | 2 {
  if (BASIC_ENCODE.has(char)) return 1;
  if (EXTENSION_ENCODE.has(char)) return 2;
  return 0;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (gsm7Septets(char) === 0) return false;
  return true;
}

/** GSM-7 when every character has a GSM-7 form, else UCS-2. */
export function chooseEncoding(text: string): TextEncoding {
  return isGsm7(text) ? 'GSM-7' : 'UCS-2';
}

/** What a character costs in its encoding: septets for GSM-7, UTF-16 code units for UCS-2. */
function unitCost(char: string, encoding: TextEncoding): number {
  return encoding === 'GSM-7' ? gsm7Septets(char) : char.length;
}

/**
 * Splits text into the chunks each part carries. Iterating by code point means a surrogate pair (an emoji)
 * and an escape sequence (an extension character) are each one indivisible unit: when one would straddle a
 * part boundary it moves whole into the next part. So the count can exceed ceil(units / 153).
 */
export function splitText(text: string, encoding: TextEncoding = chooseEncoding(text)): string[] {
  const limits = SEGMENT_LIMITS[encoding];
  let total = 0;
  for (const char of text) total += unitCost(char, encoding);
  if (total <= limits.single) return [text];
  const chunks: string[] = [];
  let current = '';
  let used = 0;
  for (const char of text) {
    const cost = unitCost(char, encoding);
    if (used + cost > limits.part) {
      chunks.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += cost;
  }
  chunks.push(current);
  return chunks;
}

export interface TextAnalysis {
  encoding: TextEncoding;
  /** Number of SMS parts the text is sent as (an empty text still takes one). */
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text. */
  units: number;
}

/** The answer's `encoding` and `segments` (CONTRACT §4). */
export function analyzeText(text: string): TextAnalysis {
  const encoding = chooseEncoding(text);
  let units = 0;
  for (const char of text) units += unitCost(char, encoding);
  return { encoding, segments: splitText(text, encoding).length, units };
}

/** GSM-7 as unpacked septets, one per octet (SMPP data_coding 0x00). A character without a GSM-7 form becomes '?'. */
export function encodeGsm7(text: string): Buffer {
  const out: number[] = [];
  for (const char of text) {
    const basic = BASIC_ENCODE.get(char);
    if (basic !== undefined) {
      out.push(basic);
      continue;
    }
    const extension = EXTENSION_ENCODE.get(char);
    if (extension !== undefined) out.push(ESC, extension);
    else out.push(0x3f);
  }
  return Buffer.from(out);
}

/**
 * Unpacked GSM-7 septets → text. ESC + a code outside the extension table shows the basic-table character
 * (TS 23.038 §6.2.1.1); ESC ESC (reserved for a further table) shows a space; an octet above 0x7F is not a
 * septet and becomes U+FFFD.
 */
export function decodeGsm7(octets: Uint8Array): string {
  let text = '';
  for (let i = 0; i < octets.length; i++) {
    const septet = octets[i]!;
    if (septet > 0x7f) {
      text += '\ufffd';
    } else if (septet === ESC) {
      const next = octets[i + 1];
      if (next === undefined) break;
      i++;
      if (next === ESC) text += ' ';
      else text += EXTENSION_DECODE.get(next) ?? (next > 0x7f ? '\ufffd' : GSM7_BASIC[next]!);
    } else {
      text += GSM7_BASIC[septet]!;
    }
  }
  return text;
}

/** UCS-2 as UTF-16BE (data_coding 0x08). Characters beyond the BMP travel as surrogate pairs, as handsets expect. */
export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

export function decodeUcs2(octets: Uint8Array): string {
  const even = octets.length - (octets.length % 2);
  return Buffer.from(octets.subarray(0, even)).swap16().toString('utf16le');
}

/**
 * The concatenation information element with an 8-bit reference (TS 23.040 §9.2.3.24.1), preceded by UDHL:
 * 05 00 03 ref total seq.
 */
export function concatUdh(reference: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, seq]);
}

/**
 * A stable 8-bit concatenation reference for a message id (FNV-1a). A retry of the same message reuses the
 * same reference, so a handset that already holds some parts can still join them.
 */
export function concatReference(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash ^ (hash >>> 8) ^ (hash >>> 16) ^ (hash >>> 24)) & 0xff;
}

export interface EncodedPart {
  /** The short_message octets: user data header (when concatenated) + body. */
  shortMessage: Buffer;
  /** 0x40 (UDHI) when the part carries a header, else 0. */
  esmClass: number;
  dataCoding: number;
  /** The text this part carries. */
  text: string;
}

export interface EncodedText {
  encoding: TextEncoding;
  dataCoding: number;
  parts: EncodedPart[];
}

/** Encodes a text for submit_sm: alphabet, split, and a concatenation header on each part of a long text. */
export function encodeText(text: string, options: { reference: number }): EncodedText {
  const encoding = chooseEncoding(text);
  const dataCoding = encoding === 'GSM-7' ? DataCoding.SMSC_DEFAULT : DataCoding.UCS2;
  const encode = encoding === 'GSM-7' ? encodeGsm7 : encodeUcs2;
  const chunks = splitText(text, encoding);
  if (chunks.length > MAX_PARTS) throw new RangeError(`Text needs ${chunks.length} parts; at most ${MAX_PARTS}`);
  if (chunks.length === 1) {
    return { encoding, dataCoding, parts: [{ shortMessage: encode(text), esmClass: 0, dataCoding, text }] };
  }
  const parts = chunks.map((chunk, index) => ({
    shortMessage: Buffer.concat([concatUdh(options.reference, chunks.length, index + 1), encode(chunk)]),
    esmClass: ESM_CLASS_UDHI,
    dataCoding,
    text: chunk,
  }));
  return { encoding, dataCoding, parts };
}

// ── Inbound ────────────────────────────────────────────────────────────────────────────────────────────────

export type Alphabet =
  | 'gsm7'
  | 'ia5'
  | 'latin1'
  | 'ucs2'
  | 'cyrillic'
  | 'hebrew'
  | 'iso-2022-jp'
  | 'ks_c_5601'
  | 'binary';

/**
 * The alphabet a data_coding names. 0x00–0x0F follow SMPP v3.4 §5.2.19; higher values are GSM data coding
 * schemes (TS 23.038 §4), whose alphabet sits in bits 3–2 (general groups) or bit 2 (group 0xF).
 */
export function alphabetOf(dataCoding: number): Alphabet {
  const dc = dataCoding & 0xff;
  if (dc <= 0x0f) {
    switch (dc) {
      case 0x00:
        return 'gsm7';
      case 0x01:
        return 'ia5';
      case 0x03:
        return 'latin1';
      case 0x06:
        return 'cyrillic';
      case 0x07:
        return 'hebrew';
      case 0x08:
        return 'ucs2';
      case 0x0a:
        return 'iso-2022-jp';
      case 0x0e:
        return 'ks_c_5601';
      default:
        return 'binary';
    }
  }
  const group = dc >> 4;
  if (group <= 0x07) {
    // General data coding (00xx) and automatic deletion (01xx) groups; bit 5 set = compressed, which we cannot read.
    if (dc & 0x20) return 'binary';
    const bits = (dc >> 2) & 0x03;
    return bits === 0 ? 'gsm7' : bits === 2 ? 'ucs2' : 'binary';
  }
  if (group === 0x0c || group === 0x0d) return 'gsm7'; // message waiting indication, GSM-7
  if (group === 0x0e) return 'ucs2'; // message waiting indication, UCS-2
  if (group === 0x0f) return dc & 0x04 ? 'binary' : 'gsm7';
  return 'binary';
}

const LEGACY_DECODERS: Partial<Record<Alphabet, string>> = {
  cyrillic: 'iso-8859-5',
  hebrew: 'iso-8859-8',
  'iso-2022-jp': 'iso-2022-jp',
  ks_c_5601: 'euc-kr',
};

/** Inbound body octets (without header) → text, by data_coding. Binary and unreadable bodies are read as Latin-1. */
export function decodeText(body: Uint8Array, dataCoding: number): string {
  const alphabet = alphabetOf(dataCoding);
  switch (alphabet) {
    case 'gsm7':
      return decodeGsm7(body);
    case 'ia5': {
      // IA5 (ITU-T T.50) is 7-bit ASCII; the 8th bit carries nothing.
      let text = '';
      for (const octet of body) text += String.fromCharCode(octet & 0x7f);
      return text;
    }
    case 'ucs2':
      return decodeUcs2(body);
    case 'latin1':
    case 'binary':
      return Buffer.from(body).toString('latin1');
    default: {
      const label = LEGACY_DECODERS[alphabet];
      try {
        if (label) return new TextDecoder(label).decode(body);
      } catch {
        // A Node built without full ICU lacks the legacy decoders: fall back to Latin-1 below.
      }
      return Buffer.from(body).toString('latin1');
    }
  }
}

export interface ConcatInfo {
  reference: number;
  referenceBits: 8 | 16;
  total: number;
  /** 1-based. */
  seq: number;
}

export interface UserDataHeader {
  /** Octets the header occupies, UDHL included: the body starts here. */
  length: number;
  elements: { iei: number; data: Buffer }[];
  concat?: ConcatInfo;
}

/**
 * Reads the user data header at the start of a body whose esm_class has UDHI (TS 23.040 §9.2.3.24).
 * Undefined when it is malformed (an element runs past UDHL or past the body). A concatenation element with
 * total 0 or seq outside 1..total is ignored, as §9.2.3.24.1 says.
 */
export function parseUdh(body: Uint8Array): UserDataHeader | undefined {
  if (body.length < 1) return undefined;
  const udhl = body[0]!;
  const end = 1 + udhl;
  if (end > body.length) return undefined;
  const elements: { iei: number; data: Buffer }[] = [];
  let concat: ConcatInfo | undefined;
  let i = 1;
  while (i < end) {
    const iei = body[i]!;
    const length = body[i + 1];
    if (length === undefined || i + 2 + length > end) return undefined;
    const data = Buffer.from(body.subarray(i + 2, i + 2 + length));
    elements.push({ iei, data });
    if (iei === 0x00 && length === 3) {
      concat = { reference: data[0]!, referenceBits: 8, total: data[1]!, seq: data[2]! };
    } else if (iei === 0x08 && length === 4) {
      concat = { reference: data.readUInt16BE(0), referenceBits: 16, total: data[2]!, seq: data[3]! };
    }
    i += 2 + length;
  }
  if (concat && (concat.total === 0 || concat.seq === 0 || concat.seq > concat.total)) concat = undefined;
  return { length: end, elements, concat };
}

/** Concatenation from the sar_* TLVs (SMPP v3.4 §5.3.2.22–24), the alternative to a UDH. */
export function concatFromSar(sar: {
  sarMsgRefNum?: number;
  sarTotalSegments?: number;
  sarSegmentSeqnum?: number;
}): ConcatInfo | undefined {
  const { sarMsgRefNum: reference, sarTotalSegments: total, sarSegmentSeqnum: seq } = sar;
  if (reference === undefined || total === undefined || seq === undefined) return undefined;
  if (total === 0 || seq === 0 || seq > total) return undefined;
  return { reference, referenceBits: 16, total, seq };
}

/** Splits an inbound body into its concatenation info (from UDH or sar_* TLVs) and the body after the header. */
export function splitInboundBody(
  body: Buffer,
  esmClass: number,
  sar: { sarMsgRefNum?: number; sarTotalSegments?: number; sarSegmentSeqnum?: number } = {},
): { payload: Buffer; concat?: ConcatInfo; malformedUdh: boolean } {
  if (esmClass & ESM_CLASS_UDHI) {
    const udh = parseUdh(body);
    // A header we cannot read: keep the whole body rather than lose the message.
    if (!udh) return { payload: body, malformedUdh: true, concat: concatFromSar(sar) };
    return { payload: body.subarray(udh.length), concat: udh.concat ?? concatFromSar(sar), malformedUdh: false };
  }
  return { payload: body, concat: concatFromSar(sar), malformedUdh: false };
}

export interface ReassemblerOptions<T> {
  /** How long an incomplete group waits for its missing parts. */
  timeoutMs: number;
  /** Called with the parts present (in order) and the missing sequence numbers when a group times out or is evicted. */
  onExpire: (key: string, parts: T[], missing: number[]) => void;
  /** Groups kept at most; the oldest is expired first (bounds memory against a peer that never completes). */
  maxGroups?: number;
}

interface Group<T> {
  total: number;
  parts: Map<number, T>;
  timer: NodeJS.Timeout;
}

/**
 * Joins the parts of concatenated messages, keyed by the caller (sender, recipient, reference, total).
 * A completed group is returned but kept until remove() — so a consumer that fails can drop just the part it
 * must see again (removePart) and the group completes once more when the peer re-sends it.
 * Held in memory: parts acknowledged to the peer and lost by a crash before the group completes are gone.
 */
export class ConcatReassembler<T> {
  private readonly groups = new Map<string, Group<T>>();
  private readonly maxGroups: number;

  constructor(private readonly options: ReassemblerOptions<T>) {
    this.maxGroups = options.maxGroups ?? 10_000;
  }

  static key(from: string, to: string, concat: ConcatInfo): string {
    return `${from}\u0000${to}\u0000${concat.referenceBits}:${concat.reference}\u0000${concat.total}`;
  }

  /** Adds a part; returns all parts in order once every one is present. */
  add(key: string, concat: ConcatInfo, data: T): T[] | undefined {
    let group = this.groups.get(key);
    if (!group) {
      if (this.groups.size >= this.maxGroups) {
        const oldest = this.groups.keys().next().value;
        if (oldest !== undefined) this.expire(oldest);
      }
      group = { total: concat.total, parts: new Map(), timer: this.startTimer(key) };
      this.groups.set(key, group);
    } else {
      clearTimeout(group.timer);
      group.timer = this.startTimer(key);
    }
    group.parts.set(concat.seq, data);
    if (group.parts.size < group.total) return undefined;
    const ordered: T[] = [];
    for (let seq = 1; seq <= group.total; seq++) ordered.push(group.parts.get(seq)!);
    return ordered;
  }

  remove(key: string): void {
    const group = this.groups.get(key);
    if (!group) return;
    clearTimeout(group.timer);
    this.groups.delete(key);
  }

  removePart(key: string, seq: number): void {
    this.groups.get(key)?.parts.delete(seq);
  }

  get size(): number {
    return this.groups.size;
  }

  clear(): void {
    for (const group of this.groups.values()) clearTimeout(group.timer);
    this.groups.clear();
  }

  private startTimer(key: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.expire(key), this.options.timeoutMs);
    timer.unref();
    return timer;
  }

  private expire(key: string): void {
    const group = this.groups.get(key);
    if (!group) return;
    this.remove(key);
    const parts: T[] = [];
    const missing: number[] = [];
    for (let seq = 1; seq <= group.total; seq++) {
      const part = group.parts.get(seq);
      if (part === undefined) missing.push(seq);
      else parts.push(part);
    }
    this.options.onExpire(key, parts, missing);
  }
}
