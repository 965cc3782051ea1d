/**
 * Keyword recognition of the opt-out engine (CONTRACT.md §6). A message is a keyword when the WHOLE message, reduced
 * to its matching form, equals one: "Stop.", " stop ", "STOP ALL", "opt-out" and "S.T.O.P" all match, while
 * "please stop texting me" does not (it goes to the inbox, where a person reads it).
 *
 * The families follow the CTIA Messaging Principles and Best Practices (§5.1.2, opt-out keywords) and the carriers'
 * standard STOP/HELP handling: every STOP-family word opts the number out of the whole organisation.
 */
export const STOP_FAMILY = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
export const START_FAMILY = ['START', 'UNSTOP', 'YES'] as const;
export const HELP_FAMILY = ['HELP', 'INFO'] as const;

export type KeywordFamily = 'stop' | 'start' | 'help';

const FAMILIES = new Map<string, KeywordFamily>([
  ...STOP_FAMILY.map((k) => [k, 'stop'] as const),
  ...START_FAMILY.map((k) => [k, 'start'] as const),
  ...HELP_FAMILY.map((k) => [k, 'help'] as const),
]);

/** Messages longer than this (before reduction) are never keywords; spares reducing long texts. */
const MAX_KEYWORD_MESSAGE_LENGTH = 64;
/** Longest matching form a custom keyword may have. */
export const MAX_KEYWORD_KEY_LENGTH = 30;

/**
 * The matching form of a keyword or a message: Unicode-compatibility folded (NFKC, so full-width "ＳＴＯＰ" is STOP),
 * upper case, letters and digits only. Punctuation, spaces and emoji are dropped.
 */
export function keywordKey(text: string): string {
  return text
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** The matching form of a message, or null when it cannot be a keyword (too long, or nothing left). */
export function messageKey(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_KEYWORD_MESSAGE_LENGTH) return null;
  const key = keywordKey(trimmed);
  return key === '' ? null : key;
}

/** The reserved family of a matching form, or null for any other word. */
export function reservedFamily(key: string): KeywordFamily | null {
  return FAMILIES.get(key) ?? null;
}
