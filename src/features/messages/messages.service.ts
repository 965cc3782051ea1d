import { createBatcher } from '../../platform/batcher.js';
import type { Clock } from '../../platform/clock.js';
import { groupBy } from '../../platform/collections.js';
import type { Database, Executor } from '../../platform/db/database.js';
import type { MessageDirection, MessageStatus } from '../../platform/db/tables.js';
import { recordEvent, recordEvents } from '../../platform/events/events.js';
import {
  claimIdempotencyKey,
  deleteExpiredIdempotencyKeys,
  type IdempotencyScope,
  lookupIdempotencyKey,
} from '../../platform/http/idempotency.js';
import { isId, newId } from '../../platform/ids.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import type { Logger } from '../../platform/logger.js';
import { fail, type Outcome, ok } from '../../platform/outcome.js';
import { normalizePhoneNumber } from '../../platform/phone.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { analyzeText, type TextEncoding } from '../carrier/encoding.js';
import type { DeliveryReceipt, ReceiptStatus } from '../carrier/receipts.js';
import type { InboundSms } from '../carrier/smpp-session.js';
import type { OptOutEngine } from '../consents/consents.engine.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { DepartmentRow } from '../sites/sites.repository.js';
import type { SitesService } from '../sites/sites.service.js';
import { fetchMedia, MEDIA_LIMITS, MEDIA_PENDING_GRACE_MS, MediaError, type MediaStore, mediaTypeOf } from './media.js';
import type { MessageErrorCode } from './messages.errors.js';
import {
  createMessagesRepository,
  type FinalPartStatus,
  type MessageFilter,
  type MessagePartRow,
  type MessageRow,
  type MessageSort,
  type UnmatchedReceiptRow,
} from './messages.repository.js';

/** The jobs of this feature and their payloads (platform/jobs README: a feature declares its task map). */
export interface MessagesTasks {
  /**
   * Submit an outbound message on its carrier route. `optOutExempt`: an auto-reply of the opt-out engine (a STOP
   * confirmation goes to a number that just opted out); other messages are not sent to a number that opted out
   * after they were accepted.
   */
  'messages.send': {
    messageId: string;
    optOutExempt?: true;
    /**
     * The sender number and department, which pick the carrier route: a worker that does not hold an exclusive
     * route's bind defers the job without touching the message. Absent from jobs written before they existed.
     */
    from?: string;
    departmentId?: string;
  };
  /** Run a stored inbound message through the opt-out engine and queue its auto-reply. */
  'messages.inbound': { messageId: string };
}

/** CONTRACT.md §4: 1–1600 characters (Unicode code points, as JSON Schema's maxLength counts them). */
export const MAX_TEXT_LENGTH = 1600;
/** errorCode of a message not sent because its recipient opted out after it was accepted. */
export const OPTED_OUT_ERROR_CODE = 'recipient_opted_out';
/** A receipt whose part is not known is kept this long for its part to appear, then dropped with a log line. */
export const UNMATCHED_RECEIPT_TTL_MS = 10 * 60 * 1000;
/** Sender number → department look-ups are trusted this long in memory (the accept path's hot read). */
const DEPARTMENT_CACHE_TTL_MS = 5000;
const DEPARTMENT_CACHE_MAX = 10_000;
/** Accepted requests written by one transaction at most. */
const ACCEPT_BATCH_MAX = 64;
/** Accept batches committing at once on PostgreSQL (each on its own pooled connection). */
const ACCEPT_BATCHES_POSTGRES = 2;
/** Worker writes of one kind (attempts started, submits acknowledged, receipts) per transaction at most. */
const WORKER_BATCH_MAX = 100;

export interface MediaItem {
  /** Storage key; the public URL is built from it. */
  key: string;
  url: string;
  contentType: string;
  size: number;
}

/** The accept answer's facts (CONTRACT.md §4), also what an Idempotency-Key replays. */
export interface Accepted {
  id: string;
  status: 'queued';
  segments: number;
  encoding: TextEncoding;
}

export interface SendResult {
  accepted: Accepted;
  /** True when this is the remembered answer to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

export interface SendInput {
  orgId: string;
  from: string;
  to: string;
  text: string;
  /** The agentEmail path variant: send as this user of the organisation. */
  agentEmail?: string;
  idempotency?: Omit<IdempotencyScope, 'orgId'>;
}

export interface Upload {
  bytes: Buffer;
  /** The content type the client declared; the bytes decide when they are recognisable. */
  declaredType?: string;
}

export interface MmsInput extends Omit<SendInput, 'text'> {
  text?: string;
  mediaUrls: string[];
  uploads: Upload[];
}

export interface MessageView extends Omit<MessageRow, 'media'> {
  media: MediaItem[];
}

export interface MessagesServiceDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  jobs: JobQueue;
  sites: SitesService;
  accounts: AccountsService;
  contacts: ContactsService;
  optOut: OptOutEngine;
  media: MediaStore;
  defaultRegion: string;
  publicUrl: string;
  /** Let mediaUrl reach private and loopback addresses (tests, a demo on one machine). */
  allowPrivateMediaUrls?: boolean;
  mediaFetchTimeoutMs?: number;
}

/** How an MMS goes out on a route that cannot carry media (every SMPP route): its text plus links to its media. */
export const MEDIA_FALLBACK_LINKS = 'links';

/** The text that goes on the air: an MMS on SMPP is its text followed by one link per media item. */
export function outgoingText(text: string, media: readonly { url: string }[]): string {
  if (media.length === 0) return text;
  return [text, ...media.map((item) => item.url)].filter((line) => line !== '').join('\n');
}

type Fail = ReturnType<typeof fail<MessageErrorCode>>;

/** A final delivery receipt waiting for its batch's transaction. */
interface ReceiptItem {
  routeId: string;
  smscMessageId: string;
  status: FinalPartStatus;
  errorCode: string | null;
}

type ReceiptOutcome = 'applied' | 'duplicate' | 'parked' | 'unknown';

/** One of the worker's writes waiting for its batch's transaction. */
type WorkerWrite =
  | { kind: 'start'; start: SendStart }
  | { kind: 'sent'; sent: SentItem }
  | { kind: 'receipt'; receipt: ReceiptItem };

/** A send job's attempt waiting for its batch's transaction. */
interface SendStart {
  id: string;
  optOutExempt: boolean;
}

/** An acknowledged submit waiting for its batch's transaction. */
interface SentItem {
  id: string;
  routeId: string;
  smscMessageIds: string[];
}

function receiptKey(routeId: string, smscMessageId: string): string {
  return `${routeId}\u0000${smscMessageId}`;
}

function partKey(part: { message_id: string; seq: number }): string {
  return `${part.message_id}/${part.seq}`;
}

/** One checked request waiting for its batch's transaction. */
interface AcceptRequest {
  prepared: Prepared;
  text: string;
  media: MediaItem[];
  idempotency: IdempotencyScope | undefined;
}

interface Prepared {
  orgId: string;
  from: string;
  to: string;
  department: DepartmentRow;
  agent: { id: string; email: string } | null;
}

/** Messages: the accept path of the API, the send pipeline's state changes, receipts and inbound texts. See README.md. */
export function createMessagesService(deps: MessagesServiceDeps) {
  const { database, clock, jobs } = deps;
  const log = deps.logger.child({ component: 'messages' });
  const repository = createMessagesRepository(database.dialect);
  const departments = new Map<string, { department: DepartmentRow; at: number }>();
  /**
   * The worker's writes (sending, sent, receipts) are small and many: those of concurrent jobs and links are written
   * together, one transaction and a few multi-row statements per batch (flushWorkerWrites), one batch at a time.
   * More batches at once on PostgreSQL would be safe (a receipt and its part meet through the parked-receipt
   * protocol, each side looking for the other after its own commit, and receipts of one message are serialised on
   * its row) but measured slower: the send path is CPU-bound on round trips, and one at a time makes batches larger.
   */
  const workerWrites = createBatcher(flushWorkerWrites, { maxBatch: WORKER_BATCH_MAX, retryAlone: true });
  /**
   * Accepts of concurrent HTTP requests are written together: one transaction and a few multi-row statements per
   * batch (writeAccepts), committed before any of them is answered; local workers are woken once it commits
   * (the queue's afterCommit hook). Accepts are independent of one another, so on PostgreSQL a few batches run
   * at once on separate connections.
   */
  const acceptBatches = createBatcher(
    (requests: AcceptRequest[]) => database.transaction((trx) => writeAccepts(trx, requests)),
    {
      maxBatch: ACCEPT_BATCH_MAX,
      concurrency: database.dialect === 'postgres' ? ACCEPT_BATCHES_POSTGRES : 1,
      retryAlone: true,
    },
  );

  async function departmentOf(number: string): Promise<DepartmentRow | undefined> {
    const now = clock.now();
    const cached = departments.get(number);
    if (cached && now - cached.at < DEPARTMENT_CACHE_TTL_MS) return cached.department;
    const department = await deps.sites.findDepartmentByNumber(number);
    // Only owners are cached: a number assigned a moment ago is found at once.
    if (department) {
      if (departments.size >= DEPARTMENT_CACHE_MAX) departments.clear();
      departments.set(number, { department, at: now });
    } else departments.delete(number);
    return department;
  }

  function number(raw: string, field: string): Outcome<string, MessageErrorCode> {
    const value = normalizePhoneNumber(raw, deps.defaultRegion);
    return value ? ok(value) : fail('messages.invalid_number', `${field} is not a valid phone number`);
  }

  function checkText(text: string, required: boolean): Fail | undefined {
    const length = codePoints(text);
    if ((required && length < 1) || length > MAX_TEXT_LENGTH) return fail('messages.invalid_text');
    return undefined;
  }

  /** Everything that can refuse a send, cheapest first; nothing is written. */
  async function prepare(input: Omit<SendInput, 'text'>): Promise<Outcome<Prepared, MessageErrorCode>> {
    const from = number(input.from, 'from');
    if (!from.ok) return from;
    const to = number(input.to, 'to');
    if (!to.ok) return to;
    const department = await departmentOf(from.value);
    if (!department || department.org_id !== input.orgId) return fail('messages.sender_not_in_org');
    let agent: Prepared['agent'] = null;
    if (input.agentEmail !== undefined) {
      const user = await deps.accounts.findUserByEmailInOrg(input.orgId, input.agentEmail);
      if (user?.active !== 1) return fail('messages.agent_not_found');
      agent = { id: user.id, email: user.email };
    }
    // The opt-out check is the accept transaction's (writeAccepts): one read for the batch, in the transaction.
    return ok({ orgId: input.orgId, from: from.value, to: to.value, department, agent });
  }

  function eventOf(row: MessageRow) {
    return {
      orgId: row.org_id,
      type: `message.${row.status}`,
      subjectId: row.id,
      // The webhook's messageInfo (CONTRACT.md §7), so the dispatcher needs no read of the message.
      payload: {
        messageId: row.id,
        direction: row.direction,
        status: row.status,
        from: row.from_number,
        to: row.to_number,
        siteId: row.site_id,
        departmentId: row.department_id,
        lastUpdated: row.updated_at,
      },
      at: row.updated_at,
    };
  }

  /** The row of a new outbound message, `queued`. */
  function outboundRow(fields: {
    id: string;
    prepared: Prepared;
    text: string;
    media: MediaItem[];
    contactId: string | null;
    now: number;
  }): MessageRow {
    const { prepared, now } = fields;
    const analysis = analyzeText(outgoingText(fields.text, fields.media));
    return {
      id: fields.id,
      org_id: prepared.orgId,
      site_id: prepared.department.site_id,
      department_id: prepared.department.id,
      direction: 'outbound',
      from_number: prepared.from,
      to_number: prepared.to,
      contact_number: prepared.to,
      text: fields.text,
      media: JSON.stringify(fields.media),
      media_fallback: fields.media.length > 0 ? MEDIA_FALLBACK_LINKS : null,
      status: 'queued',
      segments: analysis.segments,
      encoding: analysis.encoding,
      error_code: null,
      error_message: null,
      agent_user_id: prepared.agent?.id ?? null,
      agent_email: prepared.agent?.email ?? null,
      contact_id: fields.contactId,
      route_id: null,
      submit_attempts: 0,
      created_at: now,
      updated_at: now,
    };
  }

  /** Inserts outbound messages, their send jobs and their `message.queued` events with `trx`, a statement each. */
  async function insertOutbound(trx: Executor, rows: MessageRow[], optOutExempt = false): Promise<void> {
    await repository.insertMessages(trx, rows);
    await jobs.enqueueMany(
      trx,
      rows.map((row) => {
        const route = { from: row.from_number, departmentId: row.department_id };
        return {
          task: 'messages.send' as const,
          payload: optOutExempt
            ? { messageId: row.id, optOutExempt: true as const, ...route }
            : { messageId: row.id, ...route },
        };
      }),
    );
    await recordEvents(trx, rows.map(eventOf));
  }

  /**
   * The accept transaction of a batch of requests: idempotency keys, contacts, messages, jobs and events commit
   * together, or nothing does. A recipient who opted out (read in this transaction), a replayed or a mismatched
   * Idempotency-Key write nothing for their request.
   */
  async function writeAccepts(trx: Executor, requests: AcceptRequest[]): Promise<Outcome<SendResult, string>[]> {
    const now = clock.now();
    const results: Outcome<SendResult, string>[] = [];
    const fresh: { request: AcceptRequest; accepted: Accepted }[] = [];
    const optedOut = new Map<string, Set<string>>();
    for (const [orgId, group] of groupBy(requests, (request) => request.prepared.orgId)) {
      const numbers = group.map((request) => request.prepared.to);
      optedOut.set(orgId, await deps.optOut.optedOutAmong(trx, orgId, numbers));
    }
    for (const request of requests) {
      if (optedOut.get(request.prepared.orgId)?.has(request.prepared.to)) {
        results.push(fail('messages.recipient_opted_out'));
        continue;
      }
      const analysis = analyzeText(outgoingText(request.text, request.media));
      const accepted: Accepted = {
        id: newId(now),
        status: 'queued',
        segments: analysis.segments,
        encoding: analysis.encoding,
      };
      const claim = request.idempotency && (await claimIdempotencyKey(trx, request.idempotency, accepted, now));
      if (claim?.state === 'replay') results.push(ok({ accepted: claim.response, replayed: true }));
      else if (claim?.state === 'mismatch') results.push(fail('request.idempotency_mismatch'));
      else {
        results.push(ok({ accepted, replayed: false }));
        fresh.push({ request, accepted });
      }
    }
    const contactIds = new Map<string, Map<string, string>>();
    for (const [orgId, group] of groupBy(fresh, ({ request }) => request.prepared.orgId)) {
      const numbers = group.map(({ request }) => request.prepared.to);
      contactIds.set(orgId, await deps.contacts.ensureContacts(trx, orgId, numbers));
    }
    await insertOutbound(
      trx,
      fresh.map(({ request, accepted }) =>
        outboundRow({
          id: accepted.id,
          prepared: request.prepared,
          text: request.text,
          media: request.media,
          contactId: contactIds.get(request.prepared.orgId)?.get(request.prepared.to) ?? null,
          now,
        }),
      ),
    );
    return results;
  }

  /** Accepts a checked request: answered once its batch's transaction committed. */
  function accept(
    prepared: Prepared,
    text: string,
    media: MediaItem[],
    idempotency: IdempotencyScope | undefined,
  ): Promise<Outcome<SendResult, string>> {
    return acceptBatches.submit({ prepared, text, media, idempotency });
  }

  /** A remembered answer for the key, a 422, or undefined to go on. */
  async function replayed(
    orgId: string,
    idempotency: SendInput['idempotency'],
  ): Promise<Outcome<SendResult, string> | undefined> {
    if (!idempotency) return undefined;
    const found = await lookupIdempotencyKey<Accepted>(database.db, { orgId, ...idempotency }, clock.now());
    if (found.state === 'replay') return ok({ accepted: found.response, replayed: true });
    if (found.state === 'mismatch') return fail('request.idempotency_mismatch');
    return undefined;
  }

  /** The media of an MMS, fetched and stored (pending); when one item is refused or fails, those stored go again. */
  async function storeMedia(input: MmsInput): Promise<Outcome<MediaItem[], MessageErrorCode>> {
    const items: MediaItem[] = [];
    try {
      const refused = await storeEach(input, items);
      if (!refused) return ok(items);
      await discardMedia(items);
      return refused;
    } catch (error) {
      await discardMedia(items);
      if (error instanceof MediaError) return fail(error.code, error.message);
      throw error;
    }
  }

  /** Stores the uploads, then the URLs' media, into `items`; the refusal of an item, or undefined. */
  async function storeEach(input: MmsInput, items: MediaItem[]): Promise<Fail | undefined> {
    let budget: number = MEDIA_LIMITS.maxTotalBytes;
    for (const upload of input.uploads) {
      if (upload.bytes.length > budget) return fail('messages.media_too_large');
      const contentType = mediaTypeOf(upload.bytes, upload.declaredType);
      if (!contentType) return fail('messages.unsupported_media_type');
      budget -= upload.bytes.length;
      items.push(await stored(upload.bytes, contentType));
    }
    for (const url of input.mediaUrls) {
      const fetched = await fetchMedia(url, {
        maxBytes: budget,
        allowPrivate: deps.allowPrivateMediaUrls === true,
        ...(deps.mediaFetchTimeoutMs ? { timeoutMs: deps.mediaFetchTimeoutMs } : {}),
      });
      budget -= fetched.bytes.length;
      items.push(await stored(fetched.bytes, fetched.contentType));
    }
    return undefined;
  }

  async function stored(bytes: Buffer, contentType: string): Promise<MediaItem> {
    const item = await deps.media.put(bytes, contentType);
    return { key: item.key, url: `${deps.publicUrl}/m/${item.key}`, contentType, size: item.size };
  }

  /**
   * Media of a send that made no message are deleted at once. A failure here does not change the answer: the
   * pending marker stays, and the sweep deletes them after MEDIA_PENDING_GRACE_MS.
   */
  async function discardMedia(items: readonly MediaItem[]): Promise<void> {
    for (const { key } of items) {
      await deps.media.delete(key).catch((error: unknown) => log.warn({ err: error, key }, 'media not deleted'));
    }
  }

  /** Media of a committed message lose their pending marker; a failure leaves it for the sweep, which keeps them. */
  async function keepMedia(items: readonly MediaItem[]): Promise<void> {
    for (const { key } of items) {
      await deps.media
        .keep(key)
        .catch((error: unknown) => log.warn({ err: error, key }, 'pending marker of kept media not removed'));
    }
  }

  /**
   * Pending markers older than MEDIA_PENDING_GRACE_MS: sends that died between storing and committing, or whose
   * clean-up failed. Their media are deleted unless a message references them (the commit happened); then only the
   * marker goes.
   */
  async function sweepPendingMedia(now: number): Promise<{ removedMedia: number; keptMedia: number }> {
    const stale = (await deps.media.pending())
      .filter((item) => item.storedAt <= now - MEDIA_PENDING_GRACE_MS)
      .map((item) => item.key);
    if (stale.length === 0) return { removedMedia: 0, keptMedia: 0 };
    const referenced = await repository.referencedMediaKeys(database.db, stale);
    for (const key of stale) {
      if (referenced.has(key)) await deps.media.keep(key);
      else await deps.media.delete(key);
    }
    const counts = { removedMedia: stale.length - referenced.size, keptMedia: referenced.size };
    log.warn(counts, 'media left pending by sends that never finished: unreferenced removed, referenced kept');
    return counts;
  }

  // ── Receipts ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Applies final receipts to their parts, and to each message once every part is final, in `trx`: a few
   * statements for the whole batch. The first receipt of a part wins, within the batch as across batches; later
   * ones are duplicates. A receipt whose part is not known is parked in unmatched_receipts when `parkIfUnknown`.
   */
  async function applyToParts(trx: Executor, items: readonly ReceiptItem[], parkIfUnknown: boolean) {
    const now = clock.now();
    const results: ReceiptOutcome[] = items.map(() => 'unknown');
    const partByReceipt = new Map<string, MessagePartRow>();
    for (const [routeId, group] of groupBy(items, (item) => item.routeId)) {
      const ids = group.map((item) => item.smscMessageId);
      for (const part of await repository.findPartsBySmscIds(trx, routeId, ids)) {
        partByReceipt.set(receiptKey(routeId, part.smsc_message_id), part);
      }
    }
    const firstReceipt = new Map<string, { index: number; part: MessagePartRow }>();
    const parked: UnmatchedReceiptRow[] = [];
    for (const [index, item] of items.entries()) {
      const part = partByReceipt.get(receiptKey(item.routeId, item.smscMessageId));
      if (!part) {
        if (!parkIfUnknown) continue;
        parked.push({
          id: newId(now),
          route_id: item.routeId,
          smsc_message_id: item.smscMessageId,
          status: item.status,
          error_code: item.errorCode,
          received_at: now,
        });
        results[index] = 'parked';
      } else if (firstReceipt.has(partKey(part))) results[index] = 'duplicate';
      else firstReceipt.set(partKey(part), { index, part });
    }
    await repository.insertUnmatchedReceipts(trx, parked);
    if (firstReceipt.size === 0) return results;

    // Receipts of one message are serialised on its row, so the last part to finish sees every part final
    // (READ COMMITTED re-reads after the lock).
    const messageIds = [...new Set([...firstReceipt.values()].map(({ part }) => part.message_id))];
    const messages = new Map((await repository.lockMessages(trx, messageIds)).map((row) => [row.id, row]));
    const receipted = [...firstReceipt.values()]
      .filter(({ part }) => messages.has(part.message_id))
      .map(({ index, part }) => ({ item: items[index]!, part }));
    const finished = new Set<string>();
    // One UPDATE per outcome (status and error code): nearly every receipt of a batch says `delivered`.
    for (const group of groupBy(receipted, ({ item }) => `${item.status}\u0000${item.errorCode ?? ''}`).values()) {
      const { status, errorCode } = group[0]!.item;
      const parts = group.map(({ part }) => ({ messageId: part.message_id, seq: part.seq }));
      for (const row of await repository.finishParts(trx, parts, { status, errorCode, now }))
        finished.add(partKey(row));
    }
    const touched = new Map<string, MessagePartRow[]>();
    for (const { index, part } of firstReceipt.values()) {
      if (!messages.has(part.message_id)) continue;
      if (!finished.has(partKey(part))) {
        results[index] = 'duplicate';
        continue;
      }
      results[index] = 'applied';
      const item = items[index]!;
      // A one-part message (most are) is final with its part: no need to read the others.
      touched.set(part.message_id, [{ ...part, status: item.status, error_code: item.errorCode }]);
    }
    const multipart = [...touched.keys()].filter((id) => messages.get(id)!.segments !== 1);
    for (const id of multipart) touched.set(id, []);
    for (const part of await repository.listPartsOf(trx, multipart)) touched.get(part.message_id)!.push(part);

    const finals = [...touched]
      .filter(([, parts]) => parts.every((part) => part.status !== 'sent'))
      .map(([id, parts]) => ({ id, outcome: combineParts(parts) }));
    const changed: MessageRow[] = [];
    for (const group of groupBy(finals, ({ outcome }) => JSON.stringify(outcome)).values()) {
      const ids = group.map(({ id }) => id);
      changed.push(...(await repository.markFinalMany(trx, ids, { ...group[0]!.outcome, now })));
    }
    await recordEvents(trx, changed.map(eventOf));
    return results;
  }

  /**
   * Applies the receipts that arrived before their parts were written; each is taken (deleted) by one applier, in
   * the transaction that applies it, so a crash between the two loses nothing.
   */
  async function applyUnmatched(receipts: readonly { routeId: string; smscMessageId: string }[]): Promise<void> {
    const named = receipts.filter((receipt) => receipt.smscMessageId !== '');
    // Most submits have no parked receipt: one plain read says so, and only those found are taken and applied.
    const wanted: typeof named = [];
    for (const [routeId, group] of groupBy(named, (receipt) => receipt.routeId)) {
      const ids = group.map((receipt) => receipt.smscMessageId);
      const parked = await repository.findUnmatchedReceiptIds(database.db, routeId, ids);
      wanted.push(...parked.map((smscMessageId) => ({ routeId, smscMessageId })));
    }
    if (wanted.length === 0) return;
    await database.transaction(async (trx) => {
      const taken: ReceiptItem[] = [];
      for (const [routeId, group] of groupBy(wanted, (receipt) => receipt.routeId)) {
        const ids = group.map((receipt) => receipt.smscMessageId);
        for (const row of await repository.takeUnmatchedReceipts(trx, routeId, ids)) {
          taken.push({ routeId, smscMessageId: row.smsc_message_id, status: row.status, errorCode: row.error_code });
        }
      }
      await applyToParts(trx, taken, false);
    });
  }

  /**
   * Starts the attempts of send jobs (beginSend). A message whose recipient opted out since it was accepted is
   * failed instead (`recipient_opted_out`), unless it is an auto-reply of the opt-out engine. The rows started.
   */
  async function writeStarts(trx: Executor, starts: SendStart[]): Promise<Map<string, MessageRow>> {
    if (starts.length === 0) return new Map();
    const now = clock.now();
    const rows = await repository.markSendingMany(
      trx,
      starts.map((start) => start.id),
      now,
    );
    const exempt = new Set(starts.filter((start) => start.optOutExempt).map((start) => start.id));
    const refused = new Set<string>();
    for (const [orgId, group] of groupBy(rows, ({ row }) => row.org_id)) {
      const checked = group.filter(({ row }) => !exempt.has(row.id));
      if (checked.length === 0) continue;
      const optedOut = await deps.optOut.optedOutAmong(
        trx,
        orgId,
        checked.map(({ row }) => row.to_number),
      );
      for (const { row } of checked) if (optedOut.has(row.to_number)) refused.add(row.id);
    }
    const failed = await repository.markFinalMany(trx, [...refused], {
      status: 'failed',
      errorCode: OPTED_OUT_ERROR_CODE,
      errorMessage: 'The recipient opted out after the message was accepted; it was not sent',
      now,
    });
    const events = rows.filter(({ row, changed }) => changed && !refused.has(row.id)).map(({ row }) => row);
    await recordEvents(trx, [...events, ...failed].map(eventOf));
    return new Map(rows.filter(({ row }) => !refused.has(row.id)).map(({ row }) => [row.id, row]));
  }

  /** Records acknowledged submits (completeSend): sent, with their parts. The ids of the messages that moved. */
  async function writeSent(trx: Executor, items: SentItem[]): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const now = clock.now();
    const rows: MessageRow[] = [];
    for (const [routeId, group] of groupBy(items, (item) => item.routeId)) {
      const ids = group.map((item) => item.id);
      rows.push(...(await repository.markSentMany(trx, ids, routeId, now)));
    }
    const moved = new Set(rows.map((row) => row.id));
    const parts: MessagePartRow[] = [];
    for (const item of items) {
      // Once per message, should two attempts of one message finish in the same batch.
      if (!moved.delete(item.id)) continue;
      parts.push(
        ...item.smscMessageIds.map((smscMessageId, index) => ({
          message_id: item.id,
          seq: index + 1,
          route_id: item.routeId,
          smsc_message_id: smscMessageId,
          status: 'sent' as const,
          error_code: null,
          created_at: now,
          updated_at: now,
        })),
      );
    }
    await repository.upsertParts(trx, parts);
    await recordEvents(trx, rows.map(eventOf));
    return new Set(rows.map((row) => row.id));
  }

  /**
   * The worker's writes of one batch, whatever their kind, in one transaction: acknowledgements first, so a
   * receipt that arrives in the same batch as its part's acknowledgement finds the part; then receipts; then the
   * attempts that start. After the commit, each side of a receipt that overtook its acknowledgement looks for the
   * other (applyReceipt).
   */
  async function flushWorkerWrites(writes: WorkerWrite[]): Promise<unknown[]> {
    const starts = writes.flatMap((write) => (write.kind === 'start' ? [write.start] : []));
    const sents = writes.flatMap((write) => (write.kind === 'sent' ? [write.sent] : []));
    const receipts = writes.flatMap((write) => (write.kind === 'receipt' ? [write.receipt] : []));
    const { started, sent, receiptResults } = await database.transaction(async (trx) => {
      const sent = await writeSent(trx, sents);
      const receiptResults = await applyToParts(trx, receipts, true);
      const started = await writeStarts(trx, starts);
      return { started, sent, receiptResults };
    });

    // After our commit: a receipt parked before it is ours to apply (see applyReceipt for the other side).
    const ours = sents.filter((item) => sent.has(item.id));
    const overtaken = ours.flatMap((item) =>
      item.smscMessageIds.map((smscMessageId) => ({ routeId: item.routeId, smscMessageId })),
    );
    const parked = receipts.filter((_, index) => receiptResults[index] === 'parked');
    if (parked.length > 0) {
      log.debug({ count: parked.length }, 'receipts for ids not (yet) known; kept for matching');
      // The part may have been committed after our look-up, before our commit; an acknowledgement looks for
      // receipts after its commit and this looks for the parts after ours, so one of the two sees the other.
      for (const [routeId, group] of groupBy(parked, (item) => item.routeId)) {
        const ids = group.map((item) => item.smscMessageId);
        const parts = await repository.findPartsBySmscIds(database.db, routeId, ids);
        overtaken.push(...parts.map((part) => ({ routeId, smscMessageId: part.smsc_message_id })));
      }
    }
    await applyUnmatched(overtaken);

    let receiptIndex = 0;
    return writes.map((write) => {
      if (write.kind === 'start') return started.get(write.start.id);
      if (write.kind === 'sent') return sent.has(write.sent.id);
      return receiptResults[receiptIndex++];
    });
  }

  return {
    /** Accepts a text (POST /message/sendsms): checks, then one transaction with the message and its send job. */
    async send(input: SendInput): Promise<Outcome<SendResult, string>> {
      const replay = await replayed(input.orgId, input.idempotency);
      if (replay) return replay;
      const invalid = checkText(input.text, true);
      if (invalid) return invalid;
      const prepared = await prepare(input);
      if (!prepared.ok) return prepared;
      return accept(prepared.value, input.text, [], input.idempotency && { orgId: input.orgId, ...input.idempotency });
    },

    /** Accepts an MMS (POST /message/sendmms): the send checks, then the media fetched and stored, then accept. */
    async sendMms(input: MmsInput): Promise<Outcome<SendResult, string>> {
      const replay = await replayed(input.orgId, input.idempotency);
      if (replay) return replay;
      const text = input.text ?? '';
      const invalid = checkText(text, false);
      if (invalid) return invalid;
      const count = input.mediaUrls.length + input.uploads.length;
      if (count === 0) return fail('messages.media_required');
      if (count > MEDIA_LIMITS.maxItems) return fail('messages.too_many_media');
      const prepared = await prepare(input);
      if (!prepared.ok) return prepared;
      const media = await storeMedia(input);
      if (!media.ok) return media;
      // A thrown error leaves the media pending: the transaction may have committed with its answer lost (a dropped
      // connection during COMMIT), so only the sweep, which looks for a referencing message first, may delete them.
      const result = await accept(
        prepared.value,
        text,
        media.value,
        input.idempotency && { orgId: input.orgId, ...input.idempotency },
      );
      // Only a new message references the media: a refusal or a replayed answer (whose message has its own) does not.
      if (result.ok && !result.value.replayed) await keepMedia(media.value);
      else await discardMedia(media.value);
      return result;
    },

    async get(orgId: string, id: string): Promise<Outcome<MessageView, MessageErrorCode>> {
      const row = isId(id) ? await repository.findMessage(database.db, orgId, id) : undefined;
      return row ? ok(view(row)) : fail('messages.not_found');
    },

    async page(
      orgId: string,
      filter: MessageFilter,
      sort: MessageSort,
      limit: number,
      offset: number,
    ): Promise<Outcome<{ messages: MessageView[]; total: number }, MessageErrorCode>> {
      let contactNumber: string | undefined;
      if (filter.contactNumber !== undefined) {
        const normalized = number(filter.contactNumber, 'contact');
        if (!normalized.ok) return normalized;
        contactNumber = normalized.value;
      }
      const effective = { ...filter, ...(contactNumber ? { contactNumber } : {}) };
      const [rows, total] = await Promise.all([
        repository.pageMessages(database.db, orgId, effective, sort, limit, offset),
        repository.countMessages(database.db, orgId, effective),
      ]);
      return ok({ messages: rows.map(view), total });
    },

    // ── The send pipeline (messages.jobs.ts) ──────────────────────────────────────────────────────────────

    /**
     * Starts an attempt: queued → sending (with its event), or another attempt of a message left sending.
     * Undefined when the message is past sending (a job run again after success) or gone.
     */
    async beginSend(id: string, options: { optOutExempt?: boolean } = {}): Promise<MessageRow | undefined> {
      const start = { id, optOutExempt: options.optOutExempt === true };
      return (await workerWrites.submit({ kind: 'start', start })) as MessageRow | undefined;
    },

    /** The SMSC acknowledged every part: sent, with the parts, then any receipt that overtook the response. */
    async completeSend(id: string, routeId: string, smscMessageIds: string[]): Promise<void> {
      await workerWrites.submit({ kind: 'sent', sent: { id, routeId, smscMessageIds } });
    },

    /** The carrier refused the message, or retrying is over: failed, with the code. */
    async failSend(id: string, errorCode: string, errorMessage: string): Promise<void> {
      await database.transaction(async (trx) => {
        const rows = await repository.markFinalMany(trx, [id], {
          status: 'failed',
          errorCode,
          errorMessage,
          now: clock.now(),
        });
        await recordEvents(trx, rows.map(eventOf));
      });
    },

    /**
     * A delivery receipt from `routeId` (awaited before deliver_sm_resp, so a failure here makes the SMSC send it
     * again). Not-final receipts are ignored. A receipt whose part is unknown is kept in unmatched_receipts: its
     * submit_sm_resp may not have been processed yet. Kept receipts are dropped by sweep() after a while.
     */
    async applyReceipt(routeId: string, receipt: DeliveryReceipt): Promise<void> {
      if (!receipt.final || receipt.status === null) return;
      const status: ReceiptStatus = receipt.status;
      await workerWrites.submit({
        kind: 'receipt',
        receipt: { routeId, smscMessageId: receipt.smscMessageId, status, errorCode: receipt.errorCode },
      });
    },

    /**
     * An inbound text from `routeId` (awaited before deliver_sm_resp). To a number no department owns: logged and
     * acknowledged. Else the contact, the `received` message, its event and a `messages.inbound` job (the opt-out
     * engine and auto-replies) commit together.
     */
    async receiveInbound(routeId: string, sms: InboundSms): Promise<MessageRow | undefined> {
      const to = normalizePhoneNumber(sms.to, deps.defaultRegion);
      const department = to ? await departmentOf(to) : undefined;
      if (!to || !department) {
        log.warn({ routeId, to: sms.to }, 'inbound text to a number no department owns: acknowledged and dropped');
        return undefined;
      }
      const from = normalizePhoneNumber(sms.from, deps.defaultRegion) ?? sms.from;
      const analysis = analyzeText(sms.text);
      const now = clock.now();
      return database.transaction(async (trx) => {
        const contact = from.startsWith('+') ? await deps.contacts.ensureContact(trx, department.org_id, from) : null;
        const row: MessageRow = {
          id: newId(now),
          org_id: department.org_id,
          site_id: department.site_id,
          department_id: department.id,
          direction: 'inbound',
          from_number: from,
          to_number: to,
          contact_number: from,
          text: sms.text,
          media: '[]',
          media_fallback: null,
          status: 'received',
          segments: analysis.segments,
          encoding: analysis.encoding,
          error_code: null,
          error_message: sms.complete ? null : `incomplete: part(s) ${sms.missingParts.join(', ')} never arrived`,
          agent_user_id: null,
          agent_email: null,
          contact_id: contact?.id ?? null,
          route_id: routeId,
          submit_attempts: 0,
          created_at: now,
          updated_at: now,
        };
        await repository.insertMessages(trx, [row]);
        await recordEvent(trx, eventOf(row));
        await jobs.enqueue(trx, { task: 'messages.inbound', payload: { messageId: row.id } });
        return row;
      });
    },

    /** The `messages.inbound` job: keywords (STOP, START, HELP, custom consents) and the auto-reply they call for. */
    async processInbound(id: string): Promise<void> {
      const message = await repository.findMessageById(database.db, id);
      if (message?.direction !== 'inbound') return;
      const classified = await deps.optOut.classifyInbound({
        orgId: message.org_id,
        departmentId: message.department_id,
        fromNumber: message.from_number,
        text: message.text,
        messageId: message.id,
      });
      if (!classified.ok) {
        // A short code or alphanumeric sender: no number to record consent for, nobody to answer.
        log.info({ messageId: id, code: classified.code }, 'inbound text not classified');
        return;
      }
      const reply = classified.value.reply;
      if (!reply) return;
      const department = await deps.sites.findDepartment(message.org_id, message.department_id);
      if (!department) return;
      const now = clock.now();
      // Sent as an ordinary outbound message, without mayText: an opt-out confirmation and HELP answers go to
      // numbers that have opted out (CTIA; the engine decides which replies exist).
      const row = outboundRow({
        id: newId(now),
        prepared: {
          orgId: message.org_id,
          from: message.to_number,
          to: message.from_number,
          department,
          agent: null,
        },
        text: reply,
        media: [],
        contactId: classified.value.contactId ?? message.contact_id,
        now,
      });
      await database.transaction((trx) => insertOutbound(trx, [row], true));
    },

    /**
     * Housekeeping: drops receipts nobody matched and idempotency keys past their 24 h, and settles media left
     * pending by sends that never finished (sweepPendingMedia).
     */
    async sweep(): Promise<{ droppedReceipts: number; expiredKeys: number; removedMedia: number; keptMedia: number }> {
      const now = clock.now();
      const droppedReceipts = await repository.deleteUnmatchedReceiptsBefore(
        database.db,
        now - UNMATCHED_RECEIPT_TTL_MS,
      );
      if (droppedReceipts > 0) {
        log.warn({ count: droppedReceipts }, 'receipts for unknown SMSC message ids dropped after waiting for a match');
      }
      const expiredKeys = await deleteExpiredIdempotencyKeys(database.db, now);
      const media = await sweepPendingMedia(now);
      return { droppedReceipts, expiredKeys, ...media };
    },

    /** The stored message, for the pipeline. */
    async findById(id: string): Promise<MessageView | undefined> {
      const row = await repository.findMessageById(database.db, id);
      return row && view(row);
    },

    async listParts(id: string): Promise<MessagePartRow[]> {
      return repository.listPartsOf(database.db, [id]);
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;

function view(row: MessageRow): MessageView {
  return { ...row, media: JSON.parse(row.media) as MediaItem[] };
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * The message's outcome from its final parts: delivered when every part was; failed when any part failed (refused
 * without a delivery attempt); else undelivered. The error code is the first unsuccessful part's.
 */
export function combineParts(parts: readonly MessagePartRow[]): {
  status: MessageStatus;
  errorCode: string | null;
  errorMessage: string | null;
} {
  const unsuccessful = parts.filter((part) => part.status !== 'delivered');
  if (unsuccessful.length === 0) return { status: 'delivered', errorCode: null, errorMessage: null };
  const status: MessageStatus = unsuccessful.some((part) => part.status === 'failed') ? 'failed' : 'undelivered';
  const first = unsuccessful.find((part) => part.status === status) ?? unsuccessful[0]!;
  const which = parts.length > 1 ? ` (part ${first.seq} of ${parts.length})` : '';
  return {
    status,
    errorCode: first.error_code,
    errorMessage: `The carrier reported the message ${first.status}${which}`,
  };
}

export type { MessageDirection, MessageFilter, MessageSort };
