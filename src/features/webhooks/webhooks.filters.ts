import type { Event } from '../../platform/events/events.js';
import type { ScopeName } from '../oauth/scopes.js';

/**
 * Event filters of webhook subscriptions (CONTRACT.md §7) and the events they match. Pure functions: which
 * departments and sites exist is checked by the service, not here.
 *
 *   /orgId/{orgId}/department/{departmentId}/message[?direction=inbound|outbound]   [known form]
 *   /orgId/{orgId}/site/{siteId}/message[?direction=…]                                [ours]
 *   /orgId/{orgId}/message[?direction=…]                                              [ours]
 *   /orgId/{orgId}/contact                                                            [ours]
 *
 * No `direction` means both. `direction` is accepted on the site and organisation forms too [ours], with the same
 * meaning. A trailing slash before the query is tolerated and the direction value is read case-insensitively; the
 * filter is kept and answered in its canonical form (no trailing slash, lower-case direction).
 */
export type Direction = 'inbound' | 'outbound';

export type ParsedFilter =
  | { kind: 'message'; level: 'department'; orgId: string; targetId: string; direction: Direction | null; text: string }
  | { kind: 'message'; level: 'site'; orgId: string; targetId: string; direction: Direction | null; text: string }
  | { kind: 'message'; level: 'org'; orgId: string; targetId: null; direction: Direction | null; text: string }
  | { kind: 'contact'; level: 'org'; orgId: string; targetId: null; direction: null; text: string };

/** Why a filter was not enabled; answered in `disabledFilters[].reason`. */
export type DisabledReason = 'INVALID_FILTER' | 'ORG_MISMATCH' | 'UNKNOWN_DEPARTMENT' | 'UNKNOWN_SITE';

export interface DisabledFilter {
  filter: string;
  reason: DisabledReason;
  message: string;
}

/** The scope a filter needs (CONTRACT.md §2): message filters SendMessage, contact filters ReadContact. */
export function scopeOfFilter(filter: ParsedFilter): ScopeName {
  return filter.kind === 'message' ? 'SendMessage' : 'ReadContact';
}

const SEGMENT = '([^/?#]+)';
const DEPARTMENT_FORM = new RegExp(`^/orgId/${SEGMENT}/department/${SEGMENT}/message/?(?:\\?(.*))?$`);
const SITE_FORM = new RegExp(`^/orgId/${SEGMENT}/site/${SEGMENT}/message/?(?:\\?(.*))?$`);
const ORG_MESSAGE_FORM = new RegExp(`^/orgId/${SEGMENT}/message/?(?:\\?(.*))?$`);
const CONTACT_FORM = new RegExp(`^/orgId/${SEGMENT}/contact/?$`);

export type ParseResult = { ok: true; filter: ParsedFilter } | { ok: false; disabled: DisabledFilter };

function invalid(filter: string, message: string): { ok: false; disabled: DisabledFilter } {
  return { ok: false, disabled: { filter, reason: 'INVALID_FILTER', message } };
}

/** Reads the query of a message filter: only `direction`, once, inbound or outbound. */
type DirectionResult = { ok: true; direction: Direction | null } | { ok: false; disabled: DisabledFilter };

function directionOf(raw: string, query: string | undefined): DirectionResult {
  if (query === undefined || query === '') return { ok: true, direction: null };
  const params = new URLSearchParams(query);
  const keys = [...params.keys()];
  const unknown = keys.filter((key) => key !== 'direction');
  if (unknown.length > 0) return invalid(raw, `Unknown filter parameter: ${unknown.join(', ')}`);
  const values = params.getAll('direction');
  if (values.length > 1) return invalid(raw, 'direction may be given once');
  const value = values[0]?.toLowerCase();
  if (value !== 'inbound' && value !== 'outbound') return invalid(raw, 'direction must be inbound or outbound');
  return { ok: true, direction: value };
}

function withDirection(path: string, direction: Direction | null): string {
  return direction ? `${path}?direction=${direction}` : path;
}

/** Parses one filter string; the result is either the canonical filter or why it is invalid. */
export function parseFilter(raw: string): ParseResult {
  const text = raw.trim();
  let match = DEPARTMENT_FORM.exec(text);
  if (match) {
    const [, orgId, departmentId, query] = match as unknown as [string, string, string, string | undefined];
    const direction = directionOf(raw, query);
    if (!direction.ok) return direction;
    const canonical = withDirection(`/orgId/${orgId}/department/${departmentId}/message`, direction.direction);
    return {
      ok: true,
      filter: {
        kind: 'message',
        level: 'department',
        orgId,
        targetId: departmentId,
        direction: direction.direction,
        text: canonical,
      },
    };
  }
  match = SITE_FORM.exec(text);
  if (match) {
    const [, orgId, siteId, query] = match as unknown as [string, string, string, string | undefined];
    const direction = directionOf(raw, query);
    if (!direction.ok) return direction;
    const canonical = withDirection(`/orgId/${orgId}/site/${siteId}/message`, direction.direction);
    return {
      ok: true,
      filter: {
        kind: 'message',
        level: 'site',
        orgId,
        targetId: siteId,
        direction: direction.direction,
        text: canonical,
      },
    };
  }
  match = ORG_MESSAGE_FORM.exec(text);
  if (match) {
    const [, orgId, query] = match as unknown as [string, string, string | undefined];
    const direction = directionOf(raw, query);
    if (!direction.ok) return direction;
    const canonical = withDirection(`/orgId/${orgId}/message`, direction.direction);
    return {
      ok: true,
      filter: { kind: 'message', level: 'org', orgId, targetId: null, direction: direction.direction, text: canonical },
    };
  }
  match = CONTACT_FORM.exec(text);
  if (match) {
    const orgId = match[1]!;
    return {
      ok: true,
      filter: {
        kind: 'contact',
        level: 'org',
        orgId,
        targetId: null,
        direction: null,
        text: `/orgId/${orgId}/contact`,
      },
    };
  }
  return invalid(
    raw,
    'Not a known filter form: /orgId/{orgId}/department/{departmentId}/message?direction=inbound|outbound, ' +
      '/orgId/{orgId}/site/{siteId}/message, /orgId/{orgId}/message or /orgId/{orgId}/contact',
  );
}

/** What an outbox event is about, as far as filters care. */
export type EventSubject =
  | { kind: 'message'; orgId: string; departmentId: string | null; siteId: string | null; direction: string | null }
  | { kind: 'contact'; orgId: string };

/** Message events are `message.*`, contact events `contact.created|updated|deleted`; anything else matches nothing. */
export function subjectOfEvent(event: Event): EventSubject | null {
  const payload = event.payload;
  if (event.type.startsWith('message.')) {
    return {
      kind: 'message',
      orgId: event.orgId,
      departmentId: stringOrNull(payload.departmentId),
      siteId: stringOrNull(payload.siteId),
      direction: stringOrNull(payload.direction),
    };
  }
  if (Object.hasOwn(CONTACT_ACTIONS, event.type)) return { kind: 'contact', orgId: event.orgId };
  return null;
}

const LEVEL_RANK = { department: 3, site: 2, org: 1 } as const;

/**
 * The filter of `filters` that matches the event, or null. An event matching several filters of one subscription is
 * delivered once; its `event` field names the most specific one (department, then site, then organisation), and
 * among equals the first listed.
 */
export function matchingFilter(filters: readonly ParsedFilter[], subject: EventSubject): ParsedFilter | null {
  let best: ParsedFilter | null = null;
  for (const filter of filters) {
    if (filter.orgId !== subject.orgId || filter.kind !== subject.kind) continue;
    if (subject.kind === 'message') {
      if (filter.direction !== null && filter.direction !== subject.direction) continue;
      if (filter.level === 'department' && filter.targetId !== subject.departmentId) continue;
      if (filter.level === 'site' && filter.targetId !== subject.siteId) continue;
    }
    if (!best || LEVEL_RANK[filter.level] > LEVEL_RANK[best.level]) best = filter;
  }
  return best;
}

const CONTACT_ACTIONS: Record<string, 'CREATED' | 'UPDATED' | 'DELETED'> = {
  'contact.created': 'CREATED',
  'contact.updated': 'UPDATED',
  'contact.deleted': 'DELETED',
};

/**
 * The JSON body POSTed to a subscriber (CONTRACT.md §7). `uuid` is the delivery's id, the same as its
 * `webhook-id` header, stable across retries; `timestamp` is when the event happened (ISO-8601 UTC).
 */
export function eventBody(
  event: Event,
  delivery: { uuid: string; subscriptionId: string; filter: string },
): Record<string, unknown> {
  const payload = event.payload;
  const base = {
    uuid: delivery.uuid,
    timestamp: new Date(event.createdAt).toISOString(),
    event: delivery.filter,
    subscriptionId: delivery.subscriptionId,
    orgId: event.orgId,
  };
  if (event.type.startsWith('message.')) {
    return {
      ...base,
      messageInfo: {
        messageId: stringOrNull(payload.messageId) ?? event.subjectId,
        direction: stringOrNull(payload.direction),
        status: stringOrNull(payload.status),
        from: stringOrNull(payload.from),
        to: stringOrNull(payload.to),
        siteId: stringOrNull(payload.siteId),
        departmentId: stringOrNull(payload.departmentId),
        lastUpdated: numberOr(payload.lastUpdated, event.createdAt),
      },
    };
  }
  return {
    ...base,
    contactInfo: {
      contactId: stringOrNull(payload.contactId) ?? event.subjectId,
      action: CONTACT_ACTIONS[event.type] ?? 'UPDATED',
      mobileNumber: stringOrNull(payload.mobileNumber),
      lastUpdated: numberOr(payload.lastUpdated, event.createdAt),
    },
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
