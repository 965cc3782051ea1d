import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { isId, newId } from '../../platform/ids.js';
import { fail, type Outcome, ok } from '../../platform/outcome.js';
import type { ScopeName } from '../oauth/scopes.js';
import type { SitesService } from '../sites/sites.service.js';
import type { WebhookErrorCode } from './webhooks.errors.js';
import { type DisabledFilter, type ParsedFilter, parseFilter, scopeOfFilter } from './webhooks.filters.js';
import { OutboundError, type OutboundHttp, parseWebhookUri } from './webhooks.http.js';
import {
  type AttemptRow,
  createWebhooksRepository,
  type DeliveryRow,
  type DeliveryState,
  type SubscriptionRow,
  type Visibility,
} from './webhooks.repository.js';
import type { WebhookSignals } from './webhooks.signals.js';
import { generateSigningSecret, type SecretBox } from './webhooks.signing.js';

export interface WebhooksServiceDeps {
  database: Database;
  clock: Clock;
  sites: SitesService;
  http: OutboundHttp;
  secretBox: SecretBox;
  signals: WebhookSignals;
  /** Deadline of the validation handshake (WEBHOOK_VALIDATION_TIMEOUT_MS). */
  validationTimeoutMs: number;
  /** How long the previous secret keeps signing after a rotation (DEFAULT_SECRET_OVERLAP_MS). */
  secretOverlapMs?: number;
}

/** 24 hours: time for a receiver to deploy the new secret while both sign. */
export const DEFAULT_SECRET_OVERLAP_MS = 24 * 3600 * 1000;

/** Who is asking: the token's organisation and scopes (short names). */
export interface Caller {
  orgId: string;
  scopes: readonly ScopeName[];
}

export type SubscriptionStatus = SubscriptionRow['status'];

export interface SubscriptionView {
  id: string;
  orgId: string;
  uri: string;
  eventFilters: string[];
  disabledFilters: DisabledFilter[];
  /** ACTIVE, INACTIVE or EXPIRED as of `asOf` (a passed expiration time reads EXPIRED before the sweep runs). */
  status: SubscriptionStatus;
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** When the view was taken, for `expiresIn`. */
  asOf: number;
}

export interface UpsertSubscriptionInput {
  /** An existing subscription to update. */
  id?: string;
  uri: string;
  eventFilters: string[];
  /** Epoch ms; absent keeps the current one (none on create: the subscription never expires). */
  expiresDateInMillies?: number;
}

export interface UpsertOutcome {
  subscription: SubscriptionView;
  created: boolean;
  /** Only when created: shown once. */
  signingSecret?: string;
}

export interface AttemptView {
  attempt: number;
  attemptedAt: number;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
  succeeded: boolean;
}

export interface DeliveryView {
  id: string;
  webhookId: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  filter: string;
  state: DeliveryState;
  attemptCount: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: number | null;
  createdAt: number;
  updatedAt: number;
  payload: unknown;
  attempts: AttemptView[];
}

type WebhookOutcome<T> = Outcome<T, WebhookErrorCode | 'auth.forbidden'>;

/** Webhook subscriptions of an organisation (CONTRACT.md §7). See README.md for the rules. */
export function createWebhooksService(deps: WebhooksServiceDeps) {
  const { database, clock, sites, http, secretBox, signals } = deps;
  const repository = createWebhooksRepository();
  const overlapMs = deps.secretOverlapMs ?? DEFAULT_SECRET_OVERLAP_MS;

  function view(row: SubscriptionRow, now = clock.now()): SubscriptionView {
    const expired = row.status === 'ACTIVE' && row.expires_at !== null && row.expires_at <= now;
    return {
      id: row.id,
      orgId: row.org_id,
      uri: row.uri,
      eventFilters: JSON.parse(row.event_filters) as string[],
      disabledFilters: JSON.parse(row.disabled_filters) as DisabledFilter[],
      status: expired ? 'EXPIRED' : row.status,
      expiresAt: row.expires_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      asOf: now,
    };
  }

  /** A subscription needs the scope of each of its filters (CONTRACT.md §2); so does reading or changing it. */
  function covers(caller: Caller, row: Pick<SubscriptionRow, 'has_message_filters' | 'has_contact_filters'>) {
    return (
      (row.has_message_filters === 0 || caller.scopes.includes('SendMessage')) &&
      (row.has_contact_filters === 0 || caller.scopes.includes('ReadContact'))
    );
  }

  /** The caller's subscription `id`, or why not: not_found for another organisation's, forbidden for a scope gap. */
  async function owned(caller: Caller, id: string): Promise<WebhookOutcome<SubscriptionRow>> {
    const row = isId(id) ? await repository.findSubscription(database.db, caller.orgId, id) : undefined;
    if (!row) return fail('webhooks.not_found');
    if (!covers(caller, row)) return fail('auth.forbidden');
    return ok(row);
  }

  /**
   * Parses and checks the filters: well-formed filters need the caller's scope (a gap refuses the whole request,
   * 403); a malformed filter, another organisation's, or an unknown department or site is disabled with its reason.
   */
  async function checkFilters(
    caller: Caller,
    raw: string[],
  ): Promise<WebhookOutcome<{ enabled: ParsedFilter[]; disabled: DisabledFilter[] }>> {
    const enabled: ParsedFilter[] = [];
    const disabled: DisabledFilter[] = [];
    const seen = new Set<string>();
    const parsed = raw.map(parseFilter);
    for (const result of parsed) {
      if (result.ok && !caller.scopes.includes(scopeOfFilter(result.filter))) {
        // The gateway's plain 403 (CONTRACT.md §2), as for any route whose scope the token lacks.
        return fail('auth.forbidden');
      }
    }
    for (const result of parsed) {
      if (!result.ok) {
        disabled.push(result.disabled);
        continue;
      }
      const filter = result.filter;
      if (seen.has(filter.text)) continue;
      seen.add(filter.text);
      if (filter.orgId !== caller.orgId) {
        disabled.push({
          filter: filter.text,
          reason: 'ORG_MISMATCH',
          message: 'The filter names another organisation',
        });
      } else if (filter.level === 'department' && !(await departmentExists(caller.orgId, filter.targetId))) {
        disabled.push({
          filter: filter.text,
          reason: 'UNKNOWN_DEPARTMENT',
          message: `The organisation has no department ${filter.targetId}`,
        });
      } else if (filter.level === 'site' && !(await siteExists(caller.orgId, filter.targetId))) {
        disabled.push({
          filter: filter.text,
          reason: 'UNKNOWN_SITE',
          message: `The organisation has no site ${filter.targetId}`,
        });
      } else {
        enabled.push(filter);
      }
    }
    return ok({ enabled, disabled });
  }

  async function departmentExists(orgId: string, id: string): Promise<boolean> {
    return isId(id) && (await sites.findDepartment(orgId, id)) !== undefined;
  }

  async function siteExists(orgId: string, id: string): Promise<boolean> {
    return isId(id) && (await sites.getSite(orgId, id)).ok;
  }

  /**
   * The validation handshake (CONTRACT.md §7): `GET uri` with a fresh `validation-token` header; the receiver
   * must answer 2xx echoing it in a `validation-token` response header. No redirect is followed.
   */
  async function handshake(url: URL): Promise<WebhookOutcome<void>> {
    const token = randomBytes(24).toString('base64url');
    let response: Awaited<ReturnType<OutboundHttp['send']>>;
    try {
      response = await http.send({
        method: 'GET',
        url,
        headers: { 'validation-token': token },
        timeoutMs: deps.validationTimeoutMs,
      });
    } catch (error) {
      if (error instanceof OutboundError && error.kind === 'not_allowed') {
        return fail('webhooks.uri_not_allowed', error.message);
      }
      const reason = error instanceof OutboundError ? error.message : 'the request failed';
      return fail('webhooks.validation_failed', `The validation request to the uri got no answer: ${reason}`);
    }
    if (response.status < 200 || response.status > 299) {
      return fail(
        'webhooks.validation_failed',
        `The uri answered the validation request with ${response.status}; expected a 2xx echoing the validation-token header`,
      );
    }
    if (response.headers['validation-token'] !== token) {
      return fail('webhooks.validation_failed', 'The uri did not echo the validation-token header');
    }
    return ok(undefined);
  }

  function deliveryView(row: DeliveryRow, attempts: AttemptRow[]): DeliveryView {
    return {
      id: row.id,
      webhookId: row.webhook_id,
      subscriptionId: row.subscription_id,
      eventId: row.event_id,
      eventType: row.event_type,
      filter: row.filter,
      state: row.state,
      attemptCount: row.attempts,
      nextAttemptAt: row.next_attempt_at,
      lastAttemptAt: row.last_attempt_at,
      lastStatusCode: row.last_status_code,
      lastError: row.last_error,
      deliveredAt: row.delivered_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      payload: JSON.parse(row.payload) as unknown,
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        attemptedAt: a.attempted_at,
        durationMs: a.duration_ms,
        statusCode: a.status_code,
        responseBody: a.response_body,
        error: a.error,
        succeeded: a.succeeded === 1,
      })),
    };
  }

  const service = {
    /**
     * Creates or updates (POST /webhooksubscription). An `id`, or an existing subscription of the organisation with
     * the same uri, makes it an update. The handshake runs before anything is written, for a new subscription, a
     * changed uri, or a subscription that is not ACTIVE (re-activation); a failed handshake writes nothing.
     */
    async upsert(caller: Caller, input: UpsertSubscriptionInput): Promise<WebhookOutcome<UpsertOutcome>> {
      const uri = input.uri.trim();
      const parsedUri = parseWebhookUri(uri);
      if (!parsedUri.ok) return fail('webhooks.invalid_uri', parsedUri.reason);

      const filters = await checkFilters(caller, input.eventFilters);
      if (!filters.ok) return filters;
      const { enabled, disabled } = filters.value;
      if (enabled.length === 0) {
        return fail('webhooks.invalid_filters', undefined, { disabledFilters: disabled });
      }

      const now = clock.now();
      const expiresAt = input.expiresDateInMillies;
      if (expiresAt !== undefined && expiresAt <= now) {
        return fail('webhooks.invalid_expiration', 'expiresDateInMillies must be a time in the future');
      }

      let existing: SubscriptionRow | undefined;
      if (input.id !== undefined) {
        const found = await owned(caller, input.id);
        if (!found.ok) return found;
        existing = found.value;
      } else {
        existing = await repository.findSubscriptionByUri(database.db, caller.orgId, uri);
        if (existing && !covers(caller, existing)) return fail('auth.forbidden');
      }
      if (existing && expiresAt === undefined && existing.expires_at !== null && existing.expires_at <= now) {
        return fail('webhooks.invalid_expiration', 'The subscription has expired: send a new expiresDateInMillies');
      }

      if (!existing || existing.uri !== uri || existing.status !== 'ACTIVE') {
        const validated = await handshake(parsedUri.url);
        if (!validated.ok) return validated;
      }

      const fields = {
        uri,
        event_filters: JSON.stringify(enabled.map((f) => f.text)),
        disabled_filters: JSON.stringify(disabled),
        has_message_filters: enabled.some((f) => f.kind === 'message') ? 1 : 0,
        has_contact_filters: enabled.some((f) => f.kind === 'contact') ? 1 : 0,
        status: 'ACTIVE' as const,
        status_reason: null,
        updated_at: clock.now(),
      };

      try {
        if (existing) {
          const reactivated = existing.status !== 'ACTIVE';
          const row = await repository.updateSubscription(database.db, caller.orgId, existing.id, {
            ...fields,
            ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
            ...(reactivated || existing.uri !== uri ? { failing_since: null, last_failure_at: null } : {}),
          });
          if (!row) return fail('webhooks.not_found');
          return ok({ subscription: view(row), created: false });
        }
        const signingSecret = generateSigningSecret();
        const row: SubscriptionRow = {
          ...fields,
          id: newId(now),
          org_id: caller.orgId,
          expires_at: expiresAt ?? null,
          secret_sealed: secretBox.seal(signingSecret),
          previous_secret_sealed: null,
          previous_secret_expires_at: null,
          failing_since: null,
          last_failure_at: null,
          created_at: fields.updated_at,
        };
        await repository.insertSubscription(database.db, row);
        return ok({ subscription: view(row), created: true, signingSecret });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // A concurrent request created the uri first (create), or the new uri is another subscription's (update).
        if (existing) return fail('webhooks.uri_taken');
        const winner = await repository.findSubscriptionByUri(database.db, caller.orgId, uri);
        if (!winner) throw error;
        return service.upsert(caller, { ...input, id: winner.id });
      }
    },

    /** A page of the subscriptions the caller's scopes cover; 403 with neither SendMessage nor ReadContact. */
    async page(
      caller: Caller,
      limit: number,
      offset: number,
    ): Promise<WebhookOutcome<{ subscriptions: SubscriptionView[]; total: number }>> {
      const visibility: Visibility = {
        message: caller.scopes.includes('SendMessage'),
        contact: caller.scopes.includes('ReadContact'),
      };
      if (!visibility.message && !visibility.contact) return fail('auth.forbidden');
      const { rows, total } = await repository.pageSubscriptions(database.db, caller.orgId, visibility, limit, offset);
      const now = clock.now();
      return ok({ subscriptions: rows.map((row) => view(row, now)), total });
    },

    async get(caller: Caller, id: string): Promise<WebhookOutcome<SubscriptionView>> {
      const row = await owned(caller, id);
      return row.ok ? ok(view(row.value)) : row;
    },

    /** Deletes the subscription with its deliveries and attempts; answers it as it was. */
    async delete(caller: Caller, id: string): Promise<WebhookOutcome<SubscriptionView>> {
      const row = await owned(caller, id);
      if (!row.ok) return row;
      const deleted = await repository.deleteSubscription(database.db, caller.orgId, id);
      return deleted ? ok(view(deleted)) : fail('webhooks.not_found');
    },

    /** A page of the subscription's deliveries, newest first, each with every attempt. */
    async deliveries(
      caller: Caller,
      id: string,
      state: DeliveryState | undefined,
      limit: number,
      offset: number,
    ): Promise<WebhookOutcome<{ deliveries: DeliveryView[]; total: number }>> {
      const row = await owned(caller, id);
      if (!row.ok) return row;
      const { rows, total } = await repository.pageDeliveries(database.db, caller.orgId, id, state, limit, offset);
      const attempts = await repository.listAttempts(
        database.db,
        rows.map((d) => d.id),
      );
      return ok({
        deliveries: rows.map((d) =>
          deliveryView(
            d,
            attempts.filter((a) => a.delivery_id === d.id),
          ),
        ),
        total,
      });
    },

    /**
     * Makes a delivery due now, whatever its state (a manual retry): one more attempt, which follows the
     * retry schedule from where the delivery is. Refused while the subscription is not ACTIVE, and while an
     * attempt of the delivery is in flight.
     */
    async retryDelivery(caller: Caller, id: string, deliveryId: string): Promise<WebhookOutcome<DeliveryView>> {
      const row = await owned(caller, id);
      if (!row.ok) return row;
      if (view(row.value).status !== 'ACTIVE') return fail('webhooks.subscription_not_active');
      const delivery = isId(deliveryId)
        ? await repository.findDelivery(database.db, caller.orgId, id, deliveryId)
        : undefined;
      if (!delivery) return fail('webhooks.delivery_not_found');
      const requeued = await repository.requeueDelivery(database.db, caller.orgId, delivery.id, clock.now());
      if (!requeued) return fail('webhooks.delivery_in_progress');
      signals.notify();
      return ok(deliveryView(requeued, await repository.listAttempts(database.db, [requeued.id])));
    },

    /**
     * A new signing secret (shown once). The previous one keeps signing beside it for the overlap (24 h), so a
     * receiver can switch without rejecting anything; a second rotation within the overlap drops the oldest.
     */
    async rotateSecret(
      caller: Caller,
      id: string,
    ): Promise<WebhookOutcome<{ signingSecret: string; previousSecretExpiresAt: number }>> {
      const row = await owned(caller, id);
      if (!row.ok) return row;
      const now = clock.now();
      const signingSecret = generateSigningSecret();
      const previousSecretExpiresAt = now + overlapMs;
      const updated = await repository.updateSubscription(database.db, caller.orgId, id, {
        secret_sealed: secretBox.seal(signingSecret),
        previous_secret_sealed: row.value.secret_sealed,
        previous_secret_expires_at: previousSecretExpiresAt,
        updated_at: now,
      });
      if (!updated) return fail('webhooks.not_found');
      return ok({ signingSecret, previousSecretExpiresAt });
    },
  };
  return service;
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
