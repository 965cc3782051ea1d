import { afterCommit, type Dialect, type Executor } from '../db/database.js';
import type { EventsTable } from '../db/tables.js';
import { idUpperBound, newId } from '../ids.js';

/**
 * The events outbox: a fact about a change ("contact 42 was updated") written with the caller's executor, so it
 * commits or rolls back together with the change it describes (the transactional outbox of ARCHITECTURE.md).
 * No business rules live here: features decide which events exist and what their payloads hold.
 *
 * Consumers (the webhook feature): do NOT page through events with a cursor such as `id > lastSeen`. Ids are
 * time-ordered, but transactions commit in a different order than they started, so an event with a smaller id can
 * become visible after one with a larger id and a cursor would skip it. Instead, read the *pending* events
 * (`dispatched_at is null`, listPendingEvents, oldest id first), fan each out (e.g. enqueue one delivery job per
 * matching subscription in the same transaction) and mark them dispatched (markEventsDispatched) in that same
 * transaction. On PostgreSQL run the dispatcher as a single job (job key) or add `FOR UPDATE SKIP LOCKED`, so two
 * dispatchers never fan out one event twice; delivery is at least once anyway, deduplicated by the event id.
 */
export type EventRow = EventsTable;

export interface NewEvent {
  orgId: string;
  /** Dotted name: `contact.created`, `contact.updated`, `contact.deleted`, later `message.*`. */
  type: string;
  /** Id of the thing the event is about. */
  subjectId: string;
  /** JSON-serialisable facts of the event; prefer ids and small values to copies of whole records. */
  payload: Record<string, unknown>;
  /** Epoch ms, from the caller's clock. */
  at: number;
}

export interface Event {
  id: string;
  orgId: string;
  type: string;
  subjectId: string;
  payload: Record<string, unknown>;
  createdAt: number;
  dispatchedAt: number | null;
}

/** Listeners of this process told that new events were committed (the webhook runner, so it need not poll). */
const committedListeners = new Set<() => void>();

function notifyCommitted(): void {
  for (const listener of committedListeners) listener();
}

/**
 * Calls `listener` whenever events recorded in this process have committed (once per transaction); returns the
 * unsubscribe function. Events committed by other processes are not announced: their consumers find them by polling.
 */
export function onEventsCommitted(listener: () => void): () => void {
  committedListeners.add(listener);
  return () => committedListeners.delete(listener);
}

/** Writes one event with `db`: pass the transaction of the change it describes. */
export async function recordEvent(db: Executor, event: NewEvent): Promise<Event> {
  const row = toRow(event);
  await db.insertInto('events').values(row).execute();
  afterCommit(db, notifyCommitted);
  return toEvent(row);
}

/** Writes many events in one statement (a batch of changes committed together). */
export async function recordEvents(db: Executor, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto('events').values(events.map(toRow)).execute();
  afterCommit(db, notifyCommitted);
}

function toRow(event: NewEvent): EventRow {
  return {
    id: newId(event.at),
    org_id: event.orgId,
    type: event.type,
    subject_id: event.subjectId,
    payload: JSON.stringify(event.payload),
    created_at: event.at,
    dispatched_at: null,
  };
}

/** Events not yet dispatched, oldest id first. */
export async function listPendingEvents(db: Executor, limit: number): Promise<Event[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('dispatched_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}

/**
 * Pending events, oldest id first, for a dispatcher that marks them dispatched in the same transaction `trx`.
 * On PostgreSQL the rows are locked `FOR UPDATE SKIP LOCKED`, so concurrent dispatchers take disjoint events
 * instead of waiting for each other; SQLite has one writer at a time and needs no lock clause.
 */
export async function claimPendingEvents(trx: Executor, dialect: Dialect, limit: number): Promise<Event[]> {
  const rows = await trx
    .selectFrom('events')
    .selectAll()
    .where('dispatched_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked())
    .execute();
  return rows.map(toEvent);
}

/** Marks events dispatched; returns how many were still pending (0 for an event already dispatched). */
export async function markEventsDispatched(db: Executor, ids: string[], at: number): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('events')
    .set({ dispatched_at: at })
    .where('id', 'in', ids)
    .where('dispatched_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Deletes up to `limit` events dispatched before `before`, oldest first; answers how many. Pending events are never
 * deleted. Events are read by id range (ids sort by creation time, and an event is dispatched after it is created),
 * so the scan stays within the old rows; on PostgreSQL rows another transaction holds are skipped, not waited for.
 * The batch is a MATERIALIZED CTE, read once: as an `IN (subquery … LIMIT … SKIP LOCKED)` the subquery may be
 * rescanned per row of a nested loop, each rescan skipping the rows this statement already deleted and taking more.
 */
export async function deleteDispatchedEventsBefore(
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
          .selectFrom('events')
          .select('id')
          .where('id', '<', idUpperBound(before))
          .where('dispatched_at', '<', before)
          .orderBy('id')
          .limit(limit)
          .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
    )
    .deleteFrom('events')
    .where('dispatched_at', '<', before)
    .where('id', 'in', (eb) => eb.selectFrom('batch').select('batch.id'))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The events of one subject in an organisation, oldest id first (for inspection and tests). */
export async function listEventsOfSubject(db: Executor, orgId: string, subjectId: string): Promise<Event[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('subject_id', '=', subjectId)
    .orderBy('id')
    .execute();
  return rows.map(toEvent);
}

function toEvent(row: EventRow): Event {
  return {
    id: row.id,
    orgId: row.org_id,
    type: row.type,
    subjectId: row.subject_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: row.created_at,
    dispatchedAt: row.dispatched_at,
  };
}
