import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Transaction } from 'kysely';
import { createBatcher } from '../../platform/batcher.js';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { Tables } from '../../platform/db/tables.js';
import { claimPendingEvents, markEventsDispatched, onEventsCommitted } from '../../platform/events/events.js';
import { newId } from '../../platform/ids.js';
import type { Worker } from '../../platform/jobs/worker.js';
import type { Logger } from '../../platform/logger.js';
import { createSleeper, settledWithin } from '../../platform/sleeper.js';
import { eventBody, matchingFilter, type ParsedFilter, parseFilter, subjectOfEvent } from './webhooks.filters.js';
import { OutboundError, type OutboundHttp, type OutboundResponse } from './webhooks.http.js';
import {
  type AttemptOutcome,
  type AttemptRow,
  createWebhooksRepository,
  type DeliveryLock,
  type DeliveryRow,
  type SubscriptionRow,
} from './webhooks.repository.js';
import type { WebhookSignals } from './webhooks.signals.js';
import { type SecretBox, webhookHeaders } from './webhooks.signing.js';

/**
 * The webhook engine of the worker role: a dispatcher that fans outbox events out into deliveries, and a delivery
 * loop that POSTs them, records every attempt and schedules retries. The `webhook_deliveries` table is its queue
 * (claimed with a lock and a fencing token, as platform/jobs does with `jobs`); it does not use the job queue so
 * that its concurrency, per-subscription limits and retry schedule are its own and a slow receiver never holds a
 * slot that sending texts needs. See README.md for the invariants.
 */

/** 5 days (CONTRACT.md §7): a subscription failing continuously this long becomes INACTIVE. */
export const DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;
/** Share of each scheduled delay added at random (0–20 %), so deliveries that failed together do not return together. */
export const DEFAULT_JITTER = 0.2;
/** Pause of the runner's loop after a failed iteration. */
const ERROR_PAUSE_MS = 1000;
/** Attempt outcomes written per transaction at most (group commit). */
const OUTCOME_BATCH = 100;
/** Events read per fan-out transaction. */
const DISPATCH_BATCH = 500;
/**
 * Fan-out runs this soon after events recorded in this process commit (instead of at the next poll): short enough
 * for a first attempt within milliseconds, long enough that a stream of commits under load shares one fan-out.
 */
export const EVENTS_WAKE_GAP_MS = 5;
/** How often (clock time) subscriptions past their expiration time are marked EXPIRED. */
const EXPIRY_SWEEP_INTERVAL_MS = 1000;
/** A lock older than the request timeout plus this is taken to belong to a dead runner. */
const LOCK_MARGIN_MS = 60_000;

export interface WebhookRunnerOptions {
  database: Database;
  clock: Clock;
  logger: Logger;
  http: OutboundHttp;
  secretBox: SecretBox;
  signals?: WebhookSignals;
  /** Delays (ms) before retry 1, 2, …: WEBHOOK_RETRY_SCHEDULE. After the last one fails the delivery is failed. */
  retrySchedule: readonly number[];
  /** Deadline of one attempt (WEBHOOK_TIMEOUT_MS): a 2xx within it is a success. */
  timeoutMs: number;
  /** Attempts in flight in this process (WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** Attempts in flight per subscription in this process (WEBHOOK_MAX_IN_FLIGHT_PER_SUBSCRIPTION). */
  perSubscription: number;
  /** How often an idle runner looks for new events and due retries (WEBHOOK_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  /** How long stop() waits for attempts in flight (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs?: number;
  /** DISABLE_AFTER_MS when absent. */
  disableAfterMs?: number;
  /** DEFAULT_JITTER when absent. */
  jitter?: number;
  /** Source of jitter in [0, 1); Math.random when absent. */
  random?: () => number;
  /** Unique among live runners; `<host>/<pid>/webhooks/<random>` when absent. */
  runnerId?: string;
  /** For tests: called inside the fan-out transaction after the deliveries are written, before the events are marked. */
  afterFanOutWrite?: () => Promise<void> | void;
}

export interface WebhookRunner {
  readonly runnerId: string;
  start(): void;
  /** Claims nothing more, waits up to `timeoutMs` for attempts in flight, then abandons them (not counted). */
  stop(timeoutMs?: number): Promise<void>;
  /** Fans out every pending event, then runs the due deliveries it can claim and waits for them; answers how many. */
  runOnce(): Promise<number>;
  /** runOnce until nothing is left that is due now. */
  drain(): Promise<number>;
  nudge(): void;
  /** Fans out one batch of pending events; answers how many events it took. */
  dispatchOnce(): Promise<number>;
}

/** One attempt's outcome, waiting for its batch's transaction. */
interface Outcome {
  lock: DeliveryLock;
  subscriptionId: string;
  succeeded: boolean;
  gone: boolean;
  /** The subscription had a failure streak when the delivery was claimed. */
  streakSeen: boolean;
  change: AttemptOutcome;
  attempt: AttemptRow;
}

interface Running {
  row: DeliveryRow;
  controller: AbortController;
  done: Promise<void>;
}

export function createWebhookRunner(options: WebhookRunnerOptions): WebhookRunner {
  const { database, clock, http, secretBox, retrySchedule, timeoutMs, concurrency, perSubscription } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError('concurrency must be a positive integer');
  if (!Number.isInteger(perSubscription) || perSubscription < 1) {
    throw new TypeError('perSubscription must be a positive integer');
  }
  const repository = createWebhooksRepository();
  const runnerId = options.runnerId ?? `${hostname()}/${process.pid}/webhooks/${randomBytes(3).toString('hex')}`;
  const logger = options.logger.child({ runnerId });
  const disableAfterMs = options.disableAfterMs ?? DISABLE_AFTER_MS;
  const jitter = options.jitter ?? DEFAULT_JITTER;
  const random = options.random ?? Math.random;
  const lockTimeoutMs = timeoutMs + LOCK_MARGIN_MS;
  const defaultStopTimeoutMs = options.shutdownTimeoutMs ?? 15_000;

  const running = new Set<Running>();
  const inFlight = new Map<string, number>();
  const filterCache = new Map<string, ParsedFilter | null>();
  let loop: Promise<void> | undefined;
  let stopping = false;
  let unsubscribe: (() => void) | undefined;
  let lastSweep = Number.NEGATIVE_INFINITY;
  let lastDispatch = Number.NEGATIVE_INFINITY;
  let moreEvents = false;
  /** Events recorded in this process committed since the last fan-out (onEventsCommitted). */
  let eventsWaiting = false;
  /** When the next fan-out is due: soon after local events committed, else at the next poll. */
  const nextDispatchAt = () => lastDispatch + (eventsWaiting ? EVENTS_WAKE_GAP_MS : pollIntervalMs);
  let lastWideClaim = Number.NEGATIVE_INFINITY;
  let wideClaimFound = false;
  /** The last general claim was cut by the free slots: more was due than this runner could take. */
  let globalBacklog = false;
  /** Subscriptions whose attempts finished down to half their limit: refilled from their own queue. */
  const refill = new Set<string>();
  const { pollIntervalMs } = options;
  /** Free slots worth a general claim: refilling one slot at a time would cost a claim per attempt. */
  const refillSlots = Math.max(1, Math.floor(concurrency / 4));
  const refillPerSubscription = Math.floor(perSubscription / 2);

  const sleeper = createSleeper();
  const { wake } = sleeper;
  const idle = (ms: number) => sleeper.idle(ms);

  function filtersOf(subscription: SubscriptionRow): ParsedFilter[] {
    const filters: ParsedFilter[] = [];
    for (const text of JSON.parse(subscription.event_filters) as string[]) {
      let parsed = filterCache.get(text);
      if (parsed === undefined) {
        const result = parseFilter(text);
        parsed = result.ok ? result.filter : null;
        if (filterCache.size > 10_000) filterCache.clear();
        filterCache.set(text, parsed);
      }
      if (parsed) filters.push(parsed);
    }
    return filters;
  }

  /**
   * One fan-out transaction: pending events (locked SKIP LOCKED on PostgreSQL), one delivery per matching ACTIVE
   * subscription (inserted ON CONFLICT DO NOTHING on (subscription, event)), and the events marked dispatched.
   * A crash anywhere rolls all of it back; a second run over the same events inserts nothing new.
   */
  async function dispatchOnce(): Promise<number> {
    const now = clock.now();
    return database.transaction(async (trx) => {
      const events = await claimPendingEvents(trx, database.dialect, DISPATCH_BATCH);
      if (events.length === 0) return 0;
      const orgIds = [...new Set(events.map((event) => event.orgId))];
      const subscriptions = await repository.listActiveSubscriptionsOfOrgs(trx, orgIds, now);
      const byOrg = new Map<string, { row: SubscriptionRow; filters: ParsedFilter[] }[]>();
      for (const row of subscriptions) {
        const list = byOrg.get(row.org_id) ?? [];
        list.push({ row, filters: filtersOf(row) });
        byOrg.set(row.org_id, list);
      }
      const deliveries: DeliveryRow[] = [];
      for (const event of events) {
        const subject = subjectOfEvent(event);
        if (!subject) continue;
        for (const { row, filters } of byOrg.get(event.orgId) ?? []) {
          const filter = matchingFilter(filters, subject);
          if (!filter) continue;
          const uuid = randomUUID();
          deliveries.push({
            id: newId(now),
            webhook_id: uuid,
            org_id: event.orgId,
            subscription_id: row.id,
            event_id: event.id,
            event_type: event.type,
            event_at: event.createdAt,
            filter: filter.text,
            payload: JSON.stringify(eventBody(event, { uuid, subscriptionId: row.id, filter: filter.text })),
            state: 'pending',
            attempts: 0,
            next_attempt_at: now,
            locked_by: null,
            locked_at: null,
            last_attempt_at: null,
            last_status_code: null,
            last_error: null,
            delivered_at: null,
            created_at: now,
            updated_at: now,
          });
        }
      }
      await repository.insertDeliveries(trx, deliveries);
      await options.afterFanOutWrite?.();
      await markEventsDispatched(
        trx,
        events.map((event) => event.id),
        now,
      );
      return events.length;
    });
  }

  /** ACTIVE subscriptions past their expiration time become EXPIRED, and their pending deliveries cancelled. */
  async function sweepExpired(force: boolean): Promise<void> {
    const now = clock.now();
    if (!force && now - lastSweep < EXPIRY_SWEEP_INTERVAL_MS) return;
    lastSweep = now;
    await database.transaction(async (trx) => {
      const expired = await repository.expireDue(trx, now);
      await repository.cancelPendingDeliveries(trx, expired, 'The subscription expired', now);
    });
  }

  /**
   * Group commit: the outcomes of attempts that finish together are written by one transaction of a few set-based
   * statements (one UPDATE of the deliveries, one INSERT of the attempts, …) instead of a transaction each. If a
   * batch fails, each outcome is written on its own, so one bad write cannot lose the others'.
   */
  const outcomes = createBatcher(
    async (batch: Outcome[]) => {
      await database.transaction((trx) => writeOutcomes(trx, batch));
      return batch.map(() => undefined);
    },
    { maxBatch: OUTCOME_BATCH, concurrency: database.dialect === 'postgres' ? 4 : 1, retryAlone: true },
  );
  const record = (outcome: Outcome): Promise<void> => outcomes.submit(outcome);

  /** The deliveries (fenced by their locks), the attempt log, and the health of the subscriptions. */
  async function writeOutcomes(trx: Transaction<Tables>, batch: Outcome[]): Promise<void> {
    const finished = await repository.finishDeliveries(
      trx,
      batch.map(({ lock, change }) => ({ lock, outcome: change })),
    );
    const kept = batch.filter((item) => finished.has(item.lock.id));
    for (const item of batch) {
      if (!finished.has(item.lock.id)) {
        logger.warn({ deliveryId: item.lock.id }, 'webhook attempt finished after its lock had expired; not recorded');
      }
    }
    await repository.insertAttempts(
      trx,
      kept.map((item) => item.attempt),
    );
    // Only a streak seen at claim time is cleared: a write per success would serialise them on the row.
    const healed = kept.filter((item) => item.succeeded && item.streakSeen).map((item) => item.subscriptionId);
    await repository.clearFailingOf(trx, [...new Set(healed)]);

    const failures = new Map<string, Outcome[]>();
    for (const item of kept) {
      if (item.succeeded) continue;
      const list = failures.get(item.subscriptionId) ?? [];
      list.push(item);
      failures.set(item.subscriptionId, list);
    }
    for (const [subscriptionId, items] of failures) {
      const startedAt = Math.min(...items.map((item) => item.attempt.attempted_at));
      const lastAt = Math.max(...items.map((item) => item.attempt.attempted_at));
      const now = Math.max(...items.map((item) => item.change.updated_at));
      const streak = await repository.markFailing(trx, subscriptionId, startedAt);
      let reason: string | null = null;
      if (items.some((item) => item.gone)) reason = 'The receiver answered 410 Gone';
      else if (streak?.failing_since != null && lastAt - streak.failing_since >= disableAfterMs) {
        reason = `Deliveries failed continuously for ${Math.round(disableAfterMs / 3_600_000)} hours`;
      }
      if (reason && (await repository.deactivate(trx, subscriptionId, 'INACTIVE', reason, now))) {
        logger.warn({ subscriptionId, reason }, 'webhook subscription deactivated');
      }
      // Stopped now, or by an attempt that finished while this one was in flight: nothing of it stays pending.
      if (reason || (streak && streak.status !== 'ACTIVE')) {
        await repository.cancelPendingDeliveries(trx, [subscriptionId], 'The subscription is not ACTIVE', now);
      }
    }
  }

  function delayAfter(attempt: number): number {
    const base = retrySchedule[attempt - 1]!;
    return Math.round(base * (1 + jitter * random()));
  }

  /**
   * Claims what the free slots and the per-subscription limits allow, and starts the attempts. The plain claim
   * reads the first due rows in order; when they all belong to subscriptions at their limit (a slow receiver's
   * backlog ahead of everyone), a wide claim skips those subscriptions, at the cost of scanning their backlog, so
   * the others still get through. The wide claim repeats at once while it finds work, else once per poll interval.
   */
  async function claimAndLaunch(): Promise<Running[]> {
    const free = concurrency - running.size;
    if (free <= 0) return [];
    const saturated: string[] = [];
    const allowance = new Map<string, number>();
    for (const [subscriptionId, count] of inFlight) {
      const left = Math.max(0, perSubscription - count);
      allowance.set(subscriptionId, left);
      if (left === 0) saturated.push(subscriptionId);
    }
    const claim = (excludeSubscriptions?: string[]) =>
      repository.claimDeliveries(database.db, {
        runnerId,
        now: clock.now(),
        limit: free,
        window: Math.min(1000, Math.max(64, free * 4)),
        perSubscription,
        allowance,
        lockTimeoutMs,
        ...(excludeSubscriptions ? { excludeSubscriptions } : {}),
      });
    let rows = await claim();
    if (rows.length === 0 && saturated.length > 0 && (wideClaimFound || Date.now() - lastWideClaim >= pollIntervalMs)) {
      lastWideClaim = Date.now();
      rows = await claim(saturated);
      wideClaimFound = rows.length > 0;
    }
    globalBacklog = rows.length >= free;
    return launchRows(rows);
  }

  /** Refills one subscription's free slots from its own due deliveries. */
  async function claimFor(subscriptionId: string): Promise<Running[]> {
    const limit = Math.min(perSubscription - (inFlight.get(subscriptionId) ?? 0), concurrency - running.size);
    if (limit <= 0) return [];
    const rows = await repository.claimDeliveriesOf(database.db, database.dialect, {
      runnerId,
      now: clock.now(),
      subscriptionId,
      limit,
      lockTimeoutMs,
    });
    return launchRows(rows);
  }

  async function launchRows(rows: DeliveryRow[]): Promise<Running[]> {
    if (rows.length === 0) return [];
    const subscriptions = new Map(
      (await repository.findSubscriptionsByIds(database.db, [...new Set(rows.map((row) => row.subscription_id))])).map(
        (row) => [row.id, row],
      ),
    );
    const launched: Running[] = [];
    for (const row of rows) {
      const count = inFlight.get(row.subscription_id) ?? 0;
      if (count >= perSubscription || stopping) {
        await repository.releaseDelivery(database.db, lockOf(row));
        continue;
      }
      inFlight.set(row.subscription_id, count + 1);
      launched.push(launch(row, subscriptions.get(row.subscription_id)));
    }
    return launched;
  }

  function lockOf(row: DeliveryRow): DeliveryLock {
    return { id: row.id, runnerId, lockedAt: row.locked_at! };
  }

  function launch(row: DeliveryRow, subscription: SubscriptionRow | undefined): Running {
    const entry: Running = { row, controller: new AbortController(), done: Promise.resolve() };
    running.add(entry);
    entry.done = attempt(row, subscription, entry.controller.signal)
      .catch((error: unknown) => {
        // The lock stays; the delivery is attempted again once it expires (at least once).
        logger.error({ deliveryId: row.id, err: error }, 'could not record a webhook attempt');
      })
      .finally(() => {
        running.delete(entry);
        const count = (inFlight.get(row.subscription_id) ?? 1) - 1;
        if (count <= 0) inFlight.delete(row.subscription_id);
        else inFlight.set(row.subscription_id, count);
        // Claim again once a batch of slots is free, not after every attempt: this subscription's half (from its
        // own queue), or a quarter of all slots when more was due than the runner could take.
        if (count <= refillPerSubscription) {
          refill.add(row.subscription_id);
          wake();
        } else if (globalBacklog && concurrency - running.size >= refillSlots) {
          wake();
        }
      });
    return entry;
  }

  /** One attempt of one delivery: POST, then its outcome, the attempt log and the subscription's health, together. */
  async function attempt(row: DeliveryRow, subscription: SubscriptionRow | undefined, signal: AbortSignal) {
    const lock = lockOf(row);
    if (!subscription) return; // deleted meanwhile: its deliveries went with it (ON DELETE CASCADE)
    const startedAt = clock.now();
    if (
      subscription.status !== 'ACTIVE' ||
      (subscription.expires_at !== null && subscription.expires_at <= startedAt)
    ) {
      await repository.finishDelivery(database.db, lock, {
        state: 'cancelled',
        next_attempt_at: null,
        last_error: `The subscription is ${subscription.status === 'ACTIVE' ? 'EXPIRED' : subscription.status}`,
        updated_at: startedAt,
      });
      return;
    }

    const secrets = [secretBox.open(subscription.secret_sealed)];
    if (
      subscription.previous_secret_sealed &&
      subscription.previous_secret_expires_at !== null &&
      subscription.previous_secret_expires_at > startedAt
    ) {
      secrets.push(secretBox.open(subscription.previous_secret_sealed));
    }
    const headers = {
      'content-type': 'application/json',
      ...webhookHeaders(secrets, row.webhook_id, Math.floor(startedAt / 1000), row.payload),
    };

    const t0 = performance.now();
    let response: OutboundResponse | undefined;
    let failure: string | null = null;
    try {
      response = await http.send({
        method: 'POST',
        url: new URL(subscription.uri),
        headers,
        body: row.payload,
        timeoutMs,
        signal,
      });
    } catch (error) {
      if (error instanceof OutboundError && error.kind === 'aborted') {
        // The runner is stopping: give the delivery back uncounted; another runner (or this one later) sends it.
        await repository.releaseDelivery(database.db, lock);
        return;
      }
      failure = error instanceof OutboundError ? error.message : 'the request failed';
    }
    const durationMs = Math.round(performance.now() - t0);
    const status = response?.status ?? null;
    const succeeded = status !== null && status >= 200 && status <= 299;
    const gone = status === 410;
    if (response && !succeeded) failure = describeAnswer(response);

    const attemptNumber = row.attempts + 1;
    const now = clock.now();
    const retryAt =
      succeeded || gone || attemptNumber > retrySchedule.length ? null : startedAt + delayAfter(attemptNumber);

    await record({
      lock,
      subscriptionId: row.subscription_id,
      succeeded,
      gone,
      streakSeen: subscription.failing_since !== null,
      change: {
        state: succeeded ? 'succeeded' : retryAt !== null ? 'pending' : 'failed',
        attempts: attemptNumber,
        next_attempt_at: retryAt,
        last_attempt_at: startedAt,
        last_status_code: status,
        last_error: failure,
        delivered_at: succeeded ? now : null,
        updated_at: now,
      },
      attempt: {
        id: newId(startedAt),
        delivery_id: row.id,
        subscription_id: row.subscription_id,
        attempt: attemptNumber,
        attempted_at: startedAt,
        duration_ms: durationMs,
        status_code: status,
        response_body: response ? response.body : null,
        error: failure,
        succeeded: succeeded ? 1 : 0,
      },
    });
    logger.debug({ deliveryId: row.id, attempt: attemptNumber, status, durationMs, succeeded }, 'webhook attempt');
  }

  async function claimLoop(): Promise<void> {
    while (!stopping) {
      let busy = false;
      try {
        // New events and due retries are looked for once per poll interval, soon after events of this process
        // committed, or at once while a fan-out left more events behind or the last claim was cut short by the
        // free slots.
        let general = globalBacklog && concurrency - running.size >= refillSlots;
        if (moreEvents || Date.now() >= nextDispatchAt()) {
          lastDispatch = Date.now();
          eventsWaiting = false;
          moreEvents = (await dispatchOnce()) >= DISPATCH_BATCH;
          await sweepExpired(false);
          general = true;
        }
        for (const subscriptionId of [...refill]) {
          refill.delete(subscriptionId);
          await claimFor(subscriptionId);
        }
        if (general) await claimAndLaunch();
        busy = moreEvents || (globalBacklog && concurrency - running.size >= refillSlots);
      } catch (error) {
        // The database is away, most likely: wait a second, not a poll interval, before trying again.
        logger.error({ err: error }, 'webhook runner iteration failed; trying again in a second');
        await idle(Math.max(pollIntervalMs, ERROR_PAUSE_MS));
        continue;
      }
      // Idle until the next look for events, unless finishing attempts free slots first.
      if (!busy && refill.size === 0) await idle(Math.max(1, nextDispatchAt() - Date.now()));
    }
  }

  async function runOnce(): Promise<number> {
    let total = 0;
    for (let n = await dispatchOnce(); n > 0; n = await dispatchOnce()) total += n;
    await sweepExpired(true);
    const launched = await claimAndLaunch();
    await Promise.all(launched.map((entry) => entry.done));
    return total + launched.length;
  }

  return {
    runnerId,
    dispatchOnce,

    start() {
      if (loop) return;
      stopping = false;
      const fromSignals = options.signals?.subscribe(wake);
      const fromEvents = onEventsCommitted(() => {
        eventsWaiting = true;
        wake();
      });
      unsubscribe = () => {
        fromSignals?.();
        fromEvents();
      };
      loop = claimLoop();
      logger.info({ concurrency, perSubscription, pollIntervalMs }, 'webhook runner started');
    },

    async stop(timeoutMs = defaultStopTimeoutMs) {
      stopping = true;
      unsubscribe?.();
      unsubscribe = undefined;
      wake();
      await loop;
      loop = undefined;
      sleeper.reset();
      const pending = [...running];
      if (pending.length > 0) {
        const finished = await settledWithin(
          pending.map((entry) => entry.done),
          timeoutMs,
        );
        if (!finished) {
          for (const entry of running) entry.controller.abort();
          await Promise.all([...running].map((entry) => entry.done));
        }
      }
      logger.info('webhook runner stopped');
    },

    runOnce,

    async drain() {
      let total = 0;
      for (let n = await runOnce(); n > 0; n = await runOnce()) total += n;
      return total;
    },

    nudge: wake,
  };
}

/**
 * The job worker and the webhook runner as one Worker, so the worker role (`serve --role worker|all`) and tests
 * that drain "the worker" run both. drain() alternates until neither has anything due: a job may record events
 * (a message sent) that the runner then delivers.
 */
export function withWebhookRunner(worker: Worker, runner: WebhookRunner): Worker {
  return {
    workerId: worker.workerId,
    start() {
      worker.start();
      runner.start();
    },
    async stop(timeoutMs) {
      await Promise.all([worker.stop(timeoutMs), runner.stop(timeoutMs)]);
    },
    async runOnce() {
      return (await worker.runOnce()) + (await runner.runOnce());
    },
    async drain() {
      let total = 0;
      for (;;) {
        const ran = (await worker.drain()) + (await runner.drain());
        if (ran === 0) return total;
        total += ran;
      }
    },
    nudge() {
      worker.nudge();
      runner.nudge();
    },
  };
}

/** What an attempt's `error` says about an answer that was not a success. */
function describeAnswer(response: OutboundResponse): string {
  const { status } = response;
  if (status === 410) return 'The receiver answered 410 Gone: the subscription was stopped';
  if (status >= 300 && status <= 399) {
    const location = response.headers.location;
    return `The receiver answered ${status}${location ? ` (to ${location.slice(0, 200)})` : ''}; redirects are not followed`;
  }
  return `The receiver answered ${status}`;
}
