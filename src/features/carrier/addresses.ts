/**
 * Phone numbers and sender names ↔ SMPP addresses: type of number (TON, SMPP v3.4 §5.2.5) and numbering plan
 * indicator (NPI, §5.2.6).
 */

export const Ton = {
  UNKNOWN: 0x00,
  INTERNATIONAL: 0x01,
  NATIONAL: 0x02,
  NETWORK_SPECIFIC: 0x03,
  ALPHANUMERIC: 0x05,
} as const;
export const Npi = { UNKNOWN: 0x00, ISDN: 0x01 } as const;

export interface SmppAddress {
  addr: string;
  ton: number;
  npi: number;
}

/**
 * - E.164 "+15551234567" → TON international, NPI ISDN (E.163/E.164), digits without the "+" (§5.2.5: the
 *   international prefix is implied by the TON).
 * - digits only (a short code, a national number) → TON unknown, NPI ISDN: the SMSC interprets it.
 * - anything with a letter → an alphanumeric sender: TON alphanumeric, NPI unknown.
 */
export function toSmppAddress(value: string): SmppAddress {
  const trimmed = value.trim();
  if (/^\+\d+$/.test(trimmed)) return { addr: trimmed.slice(1), ton: Ton.INTERNATIONAL, npi: Npi.ISDN };
  if (/^\d+$/.test(trimmed)) return { addr: trimmed, ton: Ton.UNKNOWN, npi: Npi.ISDN };
  return { addr: trimmed, ton: Ton.ALPHANUMERIC, npi: Npi.UNKNOWN };
}

/**
 * An SMPP address → our form: an international number gets its "+" back. Others are returned as they came;
 * the messages service normalises numbers with the organisation's default region.
 */
export function fromSmppAddress(addr: string, ton: number): string {
  if (ton === Ton.INTERNATIONAL && /^\d+$/.test(addr)) return '+' + addr;
  return addr;
}

/** The address fields of a PDU from `source` to `destination` (submit_sm, deliver_sm: SMPP 3.4 §4.4.1, §4.6.1). */
export function addressFields(source: string, destination: string) {
  const from = toSmppAddress(source);
  const to = toSmppAddress(destination);
  return {
    source_addr_ton: from.ton,
    source_addr_npi: from.npi,
    source_addr: from.addr,
    dest_addr_ton: to.ton,
    dest_addr_npi: to.npi,
    destination_addr: to.addr,
  };
}
