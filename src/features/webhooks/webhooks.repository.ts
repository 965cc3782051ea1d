import { sql, type Updateable } from 'kysely';
import type { Dialect, Executor } from '../../platform/db/database.js';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookSubscriptionsTable,
} from '../../platform/db/tables.js';
import { idUpperBound } from '../../platform/ids.js';

export type SubscriptionRow = WebhookSubscriptionsTable;
export type DeliveryRow = WebhookDeliveriesTable;
export type AttemptRow = WebhookAttemptsTable;
export type DeliveryState = DeliveryRow['state'];

/** What an attempt changes in its delivery. */
export type AttemptOutcome = Pick<
  DeliveryRow,
  | 'state'
  | 'attempts'
  | 'next_attempt_at'
  | 'last_attempt_at'
  | 'last_status_code'
  | 'last_error'
  | 'delivered_at'
  | 'updated_at'
>;

/** Which kinds of subscription a caller may see: those whose filters its scopes cover. */
export interface Visibility {
  message: boolean;
  contact: boolean;
}

/** The proof that a runner still holds a delivery: the claim's runner id and time (a fencing token). */
export interface DeliveryLock {
  id: string;
  runnerId: string;
  lockedAt: number;
}

export interface ClaimDeliveriesOptions {
  runnerId: string;
  now: number;
  /** Most deliveries to claim. */
  limit: number;
  /** Most deliveries of one subscription in one claim. */
  perSubscription: number;
  /** Lower caps for subscriptions that already have attempts in flight in this process. */
  allowance?: ReadonlyMap<string, number>;
  /** A lock older than this belongs to a dead runner; the delivery is claimable again. */
  lockTimeoutMs: number;
  /** Due rows looked at, in due order, before the per-subscription caps apply. */
  window: number;
  /**
   * Subscriptions at their in-flight limit in this process, skipped while reading the due rows. This costs a scan of
   * their backlog, so the runner passes them only when a plain claim found nothing else (see webhooks.runner.ts).
   */
  excludeSubscriptions?: readonly string[];
}

/** States a delivery does not leave on its own: only a manual retry makes it pending again. */
const FINISHED_STATES: DeliveryState[] = ['succeeded', 'failed', 'cancelled'];

/** Rows per INSERT: a delivery has 20 columns; both dialects take far more parameters than 500 × 20. */
const INSERT_CHUNK = 500;

/** SQL of webhook subscriptions, deliveries and attempts. Every API query names the organisation. */
export function createWebhooksRepository() {
  return {
    async insertSubscription(db: Executor, row: SubscriptionRow): Promise<void> {
      await db.insertInto('webhook_subscriptions').values(row).execute();
    },

    async updateSubscription(
      db: Executor,
      orgId: string,
      id: string,
      changes: Updateable<SubscriptionRow>,
    ): Promise<SubscriptionRow | undefined> {
      return db
        .updateTable('webhook_subscriptions')
        .set(changes)
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    },

    async findSubscription(db: Executor, orgId: string, id: string): Promise<SubscriptionRow | undefined> {
      return db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst();
    },

    async findSubscriptionByUri(db: Executor, orgId: string, uri: string): Promise<SubscriptionRow | undefined> {
      return db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('uri', '=', uri)
        .executeTakeFirst();
    },

    async pageSubscriptions(
      db: Executor,
      orgId: string,
      visibility: Visibility,
      limit: number,
      offset: number,
    ): Promise<{ rows: SubscriptionRow[]; total: number }> {
      const base = db
        .selectFrom('webhook_subscriptions')
        .where('org_id', '=', orgId)
        .$if(!visibility.message, (q) => q.where('has_message_filters', '=', 0))
        .$if(!visibility.contact, (q) => q.where('has_contact_filters', '=', 0));
      const [rows, count] = await Promise.all([
        base.selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.count) };
    },

    async deleteSubscription(db: Executor, orgId: string, id: string): Promise<SubscriptionRow | undefined> {
      return db
        .deleteFrom('webhook_subscriptions')
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    },

    /** ACTIVE, unexpired subscriptions of the organisations: the candidates of a fan-out. */
    async listActiveSubscriptionsOfOrgs(db: Executor, orgIds: string[], now: number): Promise<SubscriptionRow[]> {
      if (orgIds.length === 0) return [];
      return db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .where('org_id', 'in', orgIds)
        .where('status', '=', 'ACTIVE')
        .where((w) => w.or([w('expires_at', 'is', null), w('expires_at', '>', now)]))
        .orderBy('id')
        .execute();
    },

    async findSubscriptionsByIds(db: Executor, ids: string[]): Promise<SubscriptionRow[]> {
      if (ids.length === 0) return [];
      return db.selectFrom('webhook_subscriptions').selectAll().where('id', 'in', ids).execute();
    },

    /** Records a failed attempt in the subscription's failure streak; answers the streak's start and the status. */
    async markFailing(
      db: Executor,
      id: string,
      at: number,
    ): Promise<Pick<SubscriptionRow, 'failing_since' | 'status'> | undefined> {
      return db
        .updateTable('webhook_subscriptions')
        .set((eb) => ({ failing_since: eb.fn.coalesce('failing_since', eb.val(at)), last_failure_at: at }))
        .where('id', '=', id)
        .returning(['failing_since', 'status'])
        .executeTakeFirst();
    },

    /** ACTIVE → `status` with its reason; false when the subscription was no longer ACTIVE. */
    async deactivate(
      db: Executor,
      id: string,
      status: 'INACTIVE' | 'EXPIRED',
      reason: string,
      at: number,
    ): Promise<boolean> {
      const result = await db
        .updateTable('webhook_subscriptions')
        .set({ status, status_reason: reason, updated_at: at })
        .where('id', '=', id)
        .where('status', '=', 'ACTIVE')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** ACTIVE subscriptions whose expiration time has passed become EXPIRED; answers their ids. */
    async expireDue(db: Executor, now: number): Promise<string[]> {
      const rows = await db
        .updateTable('webhook_subscriptions')
        .set({ status: 'EXPIRED', status_reason: 'The expiration time passed', updated_at: now })
        .where('status', '=', 'ACTIVE')
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', now)
        .returning('id')
        .execute();
      return rows.map((row) => row.id);
    },

    /** Pending deliveries of the subscriptions that no runner holds become cancelled. */
    async cancelPendingDeliveries(db: Executor, subscriptionIds: string[], reason: string, at: number): Promise<void> {
      if (subscriptionIds.length === 0) return;
      await db
        .updateTable('webhook_deliveries')
        .set({ state: 'cancelled', next_attempt_at: null, last_error: reason, updated_at: at })
        .where('subscription_id', 'in', subscriptionIds)
        .where('state', '=', 'pending')
        .where('locked_by', 'is', null)
        .execute();
    },

    /**
     * Inserts deliveries, skipping any (subscription, event) pair that already has one: a fan-out that runs again
     * over the same events (its worker died after writing, or two dispatchers raced) adds nothing. Answers how
     * many rows were new.
     */
    async insertDeliveries(db: Executor, rows: DeliveryRow[]): Promise<number> {
      let inserted = 0;
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const result = await db
          .insertInto('webhook_deliveries')
          .values(rows.slice(start, start + INSERT_CHUNK))
          .onConflict((oc) => oc.columns(['subscription_id', 'event_id']).doNothing())
          .executeTakeFirst();
        inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      return inserted;
    },

    /**
     * Claims due deliveries for one runner: stamps locked_by/locked_at in one statement. Of the first `window` due
     * rows, at most `perSubscription` (or the subscription's `allowance`) of one subscription are taken (a window
     * function), so a backlog of one subscription cannot fill every slot.
     * The candidates are read without row locks (locking a window of rows FOR UPDATE would write every one of them
     * on PostgreSQL); instead the UPDATE re-checks that a row is still free, which PostgreSQL re-evaluates on the row's
     * newest version when a concurrent runner took it first (READ COMMITTED), so two runners never hold one delivery.
     * SQLite's single writer makes the statement atomic on its own (as in platform/jobs claimJobs).
     */
    async claimDeliveries(db: Executor, options: ClaimDeliveriesOptions): Promise<DeliveryRow[]> {
      const { runnerId, now, limit, perSubscription, lockTimeoutMs } = options;
      const excludeSubscriptions = options.excludeSubscriptions ?? [];
      if (limit <= 0) return [];
      const staleBefore = now - lockTimeoutMs;
      const exclude =
        excludeSubscriptions.length > 0 ? sql`and subscription_id not in (${sql.join(excludeSubscriptions)})` : sql``;
      const allowance = [...(options.allowance ?? new Map<string, number>())];
      const cap =
        allowance.length > 0
          ? sql`case subscription_id ${sql.join(
              allowance.map(([id, n]) => sql`when ${id} then cast(${n} as integer)`),
              sql` `,
            )} else cast(${perSubscription} as integer) end`
          : sql`cast(${perSubscription} as integer)`;
      const result = await sql<DeliveryRow>`
        update webhook_deliveries set locked_by = ${runnerId}, locked_at = ${now}
        where state = 'pending' and (locked_at is null or locked_at < ${staleBefore}) and id in (
          select id from (
            select id, next_attempt_at, ${cap} as cap,
              row_number() over (partition by subscription_id order by next_attempt_at, id) as rank_in_subscription
            from (
              select id, subscription_id, next_attempt_at from webhook_deliveries
              where state = 'pending' and next_attempt_at <= ${now}
                and (locked_at is null or locked_at < ${staleBefore}) ${exclude}
              order by next_attempt_at, id
              limit ${options.window}
            ) candidates
          ) ranked
          where rank_in_subscription <= cap
          order by next_attempt_at, id
          limit ${limit}
        )
        returning *`.execute(db);
      return result.rows.sort((a, b) => (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0) || cmp(a.id, b.id));
    },

    /**
     * Claims up to `limit` due deliveries of one subscription, oldest due first: the cheap refill of a subscription
     * whose attempts are finishing (an index range of its pending rows, no window function).
     */
    async claimDeliveriesOf(
      db: Executor,
      dialect: Dialect,
      options: { runnerId: string; now: number; subscriptionId: string; limit: number; lockTimeoutMs: number },
    ): Promise<DeliveryRow[]> {
      const { runnerId, now, subscriptionId, limit, lockTimeoutMs } = options;
      if (limit <= 0) return [];
      // A MATERIALIZED CTE, read once, so the claim never takes more than `limit` (see claimJobs).
      const rows = await db
        .with(
          (cte) => cte('claimable').materialized(),
          (qb) =>
            qb
              .selectFrom('webhook_deliveries')
              .select('id')
              .where('subscription_id', '=', subscriptionId)
              // A literal, not a parameter: SQLite uses a partial index only when the WHERE visibly implies it.
              .where('state', '=', sql<'pending'>`'pending'`)
              .where('next_attempt_at', '<=', now)
              .where((w) => w.or([w('locked_at', 'is', null), w('locked_at', '<', now - lockTimeoutMs)]))
              .orderBy('next_attempt_at')
              .orderBy('id')
              .limit(limit)
              .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
        )
        .updateTable('webhook_deliveries')
        .set({ locked_by: runnerId, locked_at: now })
        .where('id', 'in', (eb) => eb.selectFrom('claimable').select('claimable.id'))
        .returningAll()
        .execute();
      return rows.sort((a, b) => (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0) || cmp(a.id, b.id));
    },

    /** Gives a claimed delivery back without an attempt (its subscription is at its limit, or the runner stops). */
    async releaseDelivery(db: Executor, lock: DeliveryLock): Promise<void> {
      await db
        .updateTable('webhook_deliveries')
        .set({ locked_by: null, locked_at: null })
        .where('id', '=', lock.id)
        .where('locked_by', '=', lock.runnerId)
        .where('locked_at', '=', lock.lockedAt)
        .execute();
    },

    /**
     * Writes the outcome of an attempt and releases the lock, only if `lock` still holds: a runner whose lock
     * expired (and whose delivery another runner took) changes nothing. False in that case.
     */
    async finishDelivery(db: Executor, lock: DeliveryLock, changes: Updateable<DeliveryRow>): Promise<boolean> {
      const result = await db
        .updateTable('webhook_deliveries')
        .set({ ...changes, locked_by: null, locked_at: null })
        .where('id', '=', lock.id)
        .where('locked_by', '=', lock.runnerId)
        .where('locked_at', '=', lock.lockedAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * Writes the outcomes of several attempts and releases their locks in one statement (UPDATE … FROM a VALUES list,
     * which both dialects have), each only if its lock still holds. Answers the ids whose lock held.
     */
    async finishDeliveries(
      db: Executor,
      items: { lock: DeliveryLock; outcome: AttemptOutcome }[],
    ): Promise<Set<string>> {
      const finished = new Set<string>();
      for (let start = 0; start < items.length; start += 100) {
        const values = items.slice(start, start + 100).map(
          ({ lock, outcome: o }) =>
            sql`(cast(${lock.id} as text), cast(${lock.runnerId} as text), cast(${lock.lockedAt} as bigint),
              cast(${o.state} as text), cast(${o.attempts} as integer), cast(${o.next_attempt_at} as bigint),
              cast(${o.last_attempt_at} as bigint), cast(${o.last_status_code} as integer),
              cast(${o.last_error} as text), cast(${o.delivered_at} as bigint), cast(${o.updated_at} as bigint))`,
        );
        const result = await sql<{ id: string }>`
          with v(id, runner, locked_at, state, attempts, next_attempt_at, last_attempt_at, last_status_code,
                 last_error, delivered_at, updated_at) as (values ${sql.join(values)})
          update webhook_deliveries set
            state = v.state, attempts = v.attempts, next_attempt_at = v.next_attempt_at,
            last_attempt_at = v.last_attempt_at, last_status_code = v.last_status_code, last_error = v.last_error,
            delivered_at = coalesce(v.delivered_at, webhook_deliveries.delivered_at), updated_at = v.updated_at,
            locked_by = null, locked_at = null
          from v
          where webhook_deliveries.id = v.id and webhook_deliveries.locked_by = v.runner
            and webhook_deliveries.locked_at = v.locked_at
          returning webhook_deliveries.id`.execute(db);
        for (const row of result.rows) finished.add(row.id);
      }
      return finished;
    },

    async insertAttempts(db: Executor, rows: AttemptRow[]): Promise<void> {
      for (let start = 0; start < rows.length; start += 200) {
        await db
          .insertInto('webhook_attempts')
          .values(rows.slice(start, start + 200))
          .execute();
      }
    },

    /** Ends the failure streaks of the subscriptions; touches (and locks) only rows that have one. */
    async clearFailingOf(db: Executor, ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await db
        .updateTable('webhook_subscriptions')
        .set({ failing_since: null })
        .where('id', 'in', ids)
        .where('failing_since', 'is not', null)
        .execute();
    },

    async pageDeliveries(
      db: Executor,
      orgId: string,
      subscriptionId: string,
      state: DeliveryState | undefined,
      limit: number,
      offset: number,
    ): Promise<{ rows: DeliveryRow[]; total: number }> {
      const base = db
        .selectFrom('webhook_deliveries')
        .where('org_id', '=', orgId)
        .where('subscription_id', '=', subscriptionId)
        .$if(state !== undefined, (q) => q.where('state', '=', state!));
      const [rows, count] = await Promise.all([
        base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.count) };
    },

    async findDelivery(
      db: Executor,
      orgId: string,
      subscriptionId: string,
      deliveryId: string,
    ): Promise<DeliveryRow | undefined> {
      return db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('subscription_id', '=', subscriptionId)
        .where('id', '=', deliveryId)
        .executeTakeFirst();
    },

    /** Makes a delivery due now (a manual retry), unless an attempt of it is in flight. */
    async requeueDelivery(db: Executor, orgId: string, id: string, now: number): Promise<DeliveryRow | undefined> {
      return db
        .updateTable('webhook_deliveries')
        .set({ state: 'pending', next_attempt_at: now, updated_at: now })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('locked_by', 'is', null)
        .returningAll()
        .executeTakeFirst();
    },

    /**
     * Retention: deletes up to `limit` finished deliveries (succeeded, failed, cancelled) whose last change is before
     * `before`, oldest first, and their attempts with them (ON DELETE CASCADE); answers how many deliveries. Pending
     * deliveries are never deleted: the state is checked again by the DELETE itself, so a delivery a manual retry
     * made pending meanwhile stays (PostgreSQL re-evaluates the condition on the row's newest version, and skips
     * rows another transaction holds). The candidates are read by id range (ids sort by creation, and a delivery
     * changes only after it is created), so the scan stays within the old rows. They are a MATERIALIZED CTE, read
     * once: as an `IN (subquery … LIMIT … SKIP LOCKED)` the subquery may be rescanned per row of a nested loop, each
     * rescan skipping the rows this statement already deleted and taking `limit` more.
     */
    async deleteFinishedDeliveriesBefore(
      db: Executor,
      dialect: Dialect,
      before: number,
      limit: number,
    ): Promise<number> {
      const result = await db
        .with(
          (cte) => cte('batch').materialized(),
          (qb) =>
            qb
              .selectFrom('webhook_deliveries')
              .select('id')
              .where('id', '<', idUpperBound(before))
              .where('state', 'in', FINISHED_STATES)
              .where('updated_at', '<', before)
              .orderBy('id')
              .limit(limit)
              .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
        )
        .deleteFrom('webhook_deliveries')
        .where('state', 'in', FINISHED_STATES)
        .where('updated_at', '<', before)
        .where('id', 'in', (eb) => eb.selectFrom('batch').select('batch.id'))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async listAttempts(db: Executor, deliveryIds: string[]): Promise<AttemptRow[]> {
      if (deliveryIds.length === 0) return [];
      return db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('delivery_id', 'in', deliveryIds)
        .orderBy('delivery_id')
        .orderBy('attempt')
        .orderBy('id')
        .execute();
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
