import type { Insertable, Selectable } from 'kysely';
import type { Dialect, Executor } from '../../platform/db/database.js';
import type {
  MessageDirection,
  MessagePartsTable,
  MessageStatus,
  MessagesTable,
  UnmatchedReceiptsTable,
} from '../../platform/db/tables.js';

export type MessageRow = Selectable<MessagesTable>;
export type MessagePartRow = Selectable<MessagePartsTable>;
export type UnmatchedReceiptRow = Selectable<UnmatchedReceiptsTable>;
export type FinalPartStatus = Exclude<MessagePartRow['status'], 'sent'>;

/** Outbound statuses a send may still move on from; `sent` and the final ones are past the submit. */
export const SENDABLE_STATUSES: readonly MessageStatus[] = ['queued', 'sending'];
/** Outbound statuses a receipt may still change. */
export const OPEN_STATUSES: readonly MessageStatus[] = ['queued', 'sending', 'sent'];

export interface MessageFilter {
  departmentId?: string;
  siteId?: string;
  contactNumber?: string;
  direction?: MessageDirection;
  status?: MessageStatus;
  since?: number;
  until?: number;
}

export interface MessageSort {
  field: 'created_at' | 'updated_at';
  direction: 'asc' | 'desc';
}

/** Media keys looked up by one statement at most (referencedMediaKeys). */
const MEDIA_KEYS_PER_QUERY = 100;

/** How a media key appears in `messages.media` (JSON.stringify of the message's media items). */
function mediaKeyText(key: string): string {
  return `"key":${JSON.stringify(key)}`;
}

/** SQL of messages, their parts and unmatched receipts, named by intent. Every function takes the executor. */
export function createMessagesRepository(dialect: Dialect) {
  function filtered(db: Executor, orgId: string, filter: MessageFilter) {
    return db
      .selectFrom('messages')
      .where('org_id', '=', orgId)
      .$if(filter.departmentId !== undefined, (q) => q.where('department_id', '=', filter.departmentId!))
      .$if(filter.siteId !== undefined, (q) => q.where('site_id', '=', filter.siteId!))
      .$if(filter.contactNumber !== undefined, (q) => q.where('contact_number', '=', filter.contactNumber!))
      .$if(filter.direction !== undefined, (q) => q.where('direction', '=', filter.direction!))
      .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
      .$if(filter.since !== undefined, (q) => q.where('created_at', '>=', filter.since!))
      .$if(filter.until !== undefined, (q) => q.where('created_at', '<', filter.until!));
  }

  return {
    /** Inserts messages in one statement. */
    async insertMessages(db: Executor, rows: readonly Insertable<MessagesTable>[]): Promise<void> {
      if (rows.length === 0) return;
      await db.insertInto('messages').values(rows).execute();
    },

    async findMessage(db: Executor, orgId: string, id: string): Promise<MessageRow | undefined> {
      return db.selectFrom('messages').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
    },

    /** For workers, which act on a message named by a job or a receipt, whatever its organisation. */
    async findMessageById(db: Executor, id: string): Promise<MessageRow | undefined> {
      return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async pageMessages(
      db: Executor,
      orgId: string,
      filter: MessageFilter,
      sort: MessageSort,
      limit: number,
      offset: number,
    ): Promise<MessageRow[]> {
      return filtered(db, orgId, filter)
        .selectAll()
        .orderBy(sort.field, sort.direction)
        .orderBy('id', sort.direction)
        .limit(limit)
        .offset(offset)
        .execute();
    },

    async countMessages(db: Executor, orgId: string, filter: MessageFilter): Promise<number> {
      const row = await filtered(db, orgId, filter)
        .select((eb) => eb.fn.countAll().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /**
     * markSending for a batch of messages: the rows whose attempt started, with `changed` as in markSending. Two
     * statements at most: queued → sending for the batch, then another attempt for those left sending.
     */
    async markSendingMany(
      db: Executor,
      ids: readonly string[],
      now: number,
    ): Promise<{ row: MessageRow; changed: boolean }[]> {
      const started: { row: MessageRow; changed: boolean }[] = [];
      let rest = [...new Set(ids)];
      for (const from of ['queued', 'sending'] as const) {
        if (rest.length === 0) break;
        const rows = await db
          .updateTable('messages')
          .set((eb) => ({ status: 'sending', submit_attempts: eb('submit_attempts', '+', 1), updated_at: now }))
          .where('id', 'in', rest)
          .where('direction', '=', 'outbound')
          .where('status', '=', from)
          .returningAll()
          .execute();
        for (const row of rows) started.push({ row, changed: from === 'queued' });
        const done = new Set(rows.map((row) => row.id));
        rest = rest.filter((id) => !done.has(id));
      }
      return started;
    },

    /** markSent for a batch of messages acknowledged on one route: the rows that moved to sent. */
    async markSentMany(db: Executor, ids: readonly string[], routeId: string, now: number): Promise<MessageRow[]> {
      if (ids.length === 0) return [];
      return db
        .updateTable('messages')
        .set({ status: 'sent', route_id: routeId, updated_at: now })
        .where('id', 'in', ids)
        .where('status', 'in', SENDABLE_STATUSES)
        .returningAll()
        .execute();
    },

    /** Open outbound messages → one final outcome (a batch of receipts, or a refusal): the rows that moved to it. */
    async markFinalMany(
      db: Executor,
      ids: readonly string[],
      change: { status: MessageStatus; errorCode: string | null; errorMessage: string | null; now: number },
    ): Promise<MessageRow[]> {
      if (ids.length === 0) return [];
      return db
        .updateTable('messages')
        .set({
          status: change.status,
          error_code: change.errorCode,
          error_message: change.errorMessage,
          updated_at: change.now,
        })
        .where('id', 'in', ids)
        .where('status', 'in', OPEN_STATUSES)
        .returningAll()
        .execute();
    },

    /**
     * The messages, locked until the transaction ends (PostgreSQL), in id order so that two batches locking
     * overlapping sets cannot deadlock. Receipts of one message are serialised on its row.
     */
    async lockMessages(db: Executor, ids: readonly string[]): Promise<MessageRow[]> {
      if (ids.length === 0) return [];
      return db
        .selectFrom('messages')
        .selectAll()
        .where('id', 'in', ids)
        .orderBy('id')
        .$if(dialect === 'postgres', (q) => q.forUpdate())
        .execute();
    },

    /** The parts of a route with these SMSC message ids. */
    async findPartsBySmscIds(
      db: Executor,
      routeId: string,
      smscMessageIds: readonly string[],
    ): Promise<MessagePartRow[]> {
      if (smscMessageIds.length === 0) return [];
      return db
        .selectFrom('message_parts')
        .selectAll()
        .where('smsc_message_id', 'in', smscMessageIds)
        .where('route_id', '=', routeId)
        .execute();
    },

    /** The parts of these messages, by message then seq. */
    async listPartsOf(db: Executor, messageIds: readonly string[]): Promise<MessagePartRow[]> {
      if (messageIds.length === 0) return [];
      return db
        .selectFrom('message_parts')
        .selectAll()
        .where('message_id', 'in', messageIds)
        .orderBy('message_id')
        .orderBy('seq')
        .execute();
    },

    /**
     * finishPart for parts with the same outcome: sent → final. Answers the parts it finished; a part missing from
     * the answer was final already (a repeated receipt).
     */
    async finishParts(
      db: Executor,
      parts: readonly { messageId: string; seq: number }[],
      change: { status: FinalPartStatus; errorCode: string | null; now: number },
    ): Promise<{ message_id: string; seq: number }[]> {
      if (parts.length === 0) return [];
      return db
        .updateTable('message_parts')
        .set({ status: change.status, error_code: change.errorCode, updated_at: change.now })
        .where('status', '=', 'sent')
        .where((eb) =>
          eb.or(parts.map((part) => eb.and([eb('message_id', '=', part.messageId), eb('seq', '=', part.seq)]))),
        )
        .returning(['message_id', 'seq'])
        .execute();
    },

    /** Writes the parts of an acknowledged submit; a re-send replaces the ids of an earlier one. */
    async upsertParts(db: Executor, rows: MessagePartRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db
        .insertInto('message_parts')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['message_id', 'seq']).doUpdateSet((eb) => ({
            route_id: eb.ref('excluded.route_id'),
            smsc_message_id: eb.ref('excluded.smsc_message_id'),
            status: eb.ref('excluded.status'),
            error_code: eb.ref('excluded.error_code'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    },

    async insertUnmatchedReceipts(db: Executor, rows: readonly UnmatchedReceiptRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db.insertInto('unmatched_receipts').values(rows).execute();
    },

    /** Which of these SMSC ids of a route have a parked (unmatched) receipt. */
    async findUnmatchedReceiptIds(db: Executor, routeId: string, smscMessageIds: readonly string[]): Promise<string[]> {
      if (smscMessageIds.length === 0) return [];
      const rows = await db
        .selectFrom('unmatched_receipts')
        .select('smsc_message_id')
        .where('smsc_message_id', 'in', smscMessageIds)
        .where('route_id', '=', routeId)
        .execute();
      return rows.map((row) => row.smsc_message_id);
    },

    /** Deletes and returns the unmatched receipts of these ids: whoever deletes a row applies it, exactly once. */
    async takeUnmatchedReceipts(
      db: Executor,
      routeId: string,
      smscMessageIds: string[],
    ): Promise<UnmatchedReceiptRow[]> {
      if (smscMessageIds.length === 0) return [];
      return db
        .deleteFrom('unmatched_receipts')
        .where('smsc_message_id', 'in', smscMessageIds)
        .where('route_id', '=', routeId)
        .returningAll()
        .execute();
    },

    async deleteUnmatchedReceiptsBefore(db: Executor, before: number): Promise<number> {
      const result = await db.deleteFrom('unmatched_receipts').where('received_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /**
     * Which of these media keys a message references. `media` is JSON text (`[{"key":"…",…}]`); a key has 128
     * random bits, so a LIKE on `"key":"<key>"` finds its message (an `_` of the key, a LIKE wildcard, can only
     * widen the match: the rows found are checked for the exact text). No index serves it: the sweep asks only
     * about the few keys of stale pending markers, up to MEDIA_KEYS_PER_QUERY per statement (SQLite bounds the
     * depth of an expression).
     */
    async referencedMediaKeys(db: Executor, keys: readonly string[]): Promise<Set<string>> {
      const referenced = new Set<string>();
      for (let start = 0; start < keys.length; start += MEDIA_KEYS_PER_QUERY) {
        const chunk = keys.slice(start, start + MEDIA_KEYS_PER_QUERY);
        const rows = await db
          .selectFrom('messages')
          .select('media')
          .where((eb) => eb.or(chunk.map((key) => eb('media', 'like', `%${mediaKeyText(key)}%`))))
          .execute();
        for (const key of chunk) {
          if (rows.some((row) => row.media.includes(mediaKeyText(key)))) referenced.add(key);
        }
      }
      return referenced;
    },
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;
