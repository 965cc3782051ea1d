import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Phone numbers are answered in E.164 (CONTRACT.md §3). Input may be E.164 or national format, read with a
 * default region. Validation uses libphonenumber's full metadata, so +1 202 555 0143 (a fictional but
 * well-formed number) passes and +1 555 … (no such area code) does not.
 */
export function normalizePhoneNumber(input: string, defaultRegion: string): string | null {
  const trimmed = input.trim();
  if (trimmed === '' || trimmed.length > 32 || /[A-Za-z]/.test(trimmed)) return null;
  const parsed = parsePhoneNumberFromString(trimmed, defaultRegion as CountryCode);
  if (!parsed?.isValid()) return null;
  return parsed.number;
}
