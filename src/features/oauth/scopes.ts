/**
 * The Connect API's scopes (CONTRACT.md §2): full strings are `{SCOPE_PREFIX}{name}`.
 * Messages need SendMessage; contact, consent and site reads ReadContact; contact and consent writes WriteContact.
 */
export const SCOPE_NAMES = ['SendMessage', 'ReadContact', 'WriteContact'] as const;
export type ScopeName = (typeof SCOPE_NAMES)[number];

export const SCOPE_DESCRIPTIONS: Record<ScopeName, string> = {
  SendMessage: 'Send text messages and read messages',
  ReadContact: 'Read contacts, consents, sites and departments',
  WriteContact: 'Create and change contacts and consents',
};

export function fullScope(prefix: string, name: ScopeName): string {
  return `${prefix}${name}`;
}

export function allScopes(prefix: string): string[] {
  return SCOPE_NAMES.map((name) => fullScope(prefix, name));
}

/** The short name of a full scope string, or null when it is not one of ours. */
export function scopeName(prefix: string, scope: string): ScopeName | null {
  if (!scope.startsWith(prefix)) return null;
  const name = scope.slice(prefix.length);
  return (SCOPE_NAMES as readonly string[]).includes(name) ? (name as ScopeName) : null;
}
