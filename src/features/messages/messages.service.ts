import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { createGroupCommit } from '../../platform/db/group-commit.js';
import type { MessageDirection, MessageStatus } from '../../platform/db/tables.js';
import { recordEvent } from '../../platform/events/events.js';
import {
  claimIdempotencyKey,
  deleteExpiredIdempotencyKeys,
  type IdempotencyScope,
  lookupIdempotencyKey,
} from '../../platform/http/idempotency.js';
import { isId, newId } from '../../platform/ids.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import type { Logger } from '../../platform/logger.js';
import { asOutcome, ExpectedFailure, fail, type Outcome, ok } from '../../platform/outcome.js';
import { normalizePhoneNumber } from '../../platform/phone.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { analyzeText, type TextEncoding } from '../carrier/encoding.js';
import type { DeliveryReceipt, ReceiptStatus } from '../carrier/receipts.js';
import type { InboundSms } from '../carrier/smpp-session.js';
import type { OptOutEngine } from '../consents/consents.engine.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { DepartmentRow } from '../sites/sites.repository.js';
import type { SitesService } from '../sites/sites.service.js';
import { fetchMedia, MEDIA_LIMITS, MediaError, type MediaStore, mediaTypeOf } from './media.js';
import type { MessageErrorCode } from './messages.errors.js';
import {
  createMessagesRepository,
  type FinalPartStatus,
  type MessageFilter,
  type MessagePartRow,
  type MessageRow,
  type MessageSort,
} from './messages.repository.js';

/** The jobs of this feature and their payloads (platform/jobs README: a feature declares its task map). */
export interface MessagesTasks {
  /** Submit an outbound message on its carrier route. */
  'messages.send': { messageId: string };
  /** Run a stored inbound message through the opt-out engine and queue its auto-reply. */
  'messages.inbound': { messageId: string };
}

/** CONTRACT.md §4: 1–1600 characters (Unicode code points, as JSON Schema's maxLength counts them). */
export const MAX_TEXT_LENGTH = 1600;
/** A receipt whose part is not known is kept this long for its part to appear, then dropped with a log line. */
export const UNMATCHED_RECEIPT_TTL_MS = 10 * 60 * 1000;
/** Sender number → department look-ups are trusted this long in memory (the accept path's hot read). */
const DEPARTMENT_CACHE_TTL_MS = 5000;
const DEPARTMENT_CACHE_MAX = 10_000;

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
   * The worker's writes (sending, sent, failed, receipts) are small and many: concurrent ones share a transaction
   * (group commit). One batch at a time on both dialects: a receipt that races its own submit_sm_resp must see the
   * part row, or the part must see the parked receipt. Two concurrent READ COMMITTED transactions on PostgreSQL
   * could each miss the other and leave the message `sent` for good (found by the kill -9 test).
   */
  const workerWrites = createGroupCommit(database, { concurrency: 1 });

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
    const may = await deps.optOut.mayText({ orgId: input.orgId, number: to.value });
    if (!may.ok) return fail('messages.invalid_number', 'to is not a valid phone number');
    if (!may.value.allowed) return fail('messages.recipient_opted_out');
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

  /** Inserts an outbound message, its send job and its `message.queued` event with `trx`. */
  async function insertOutbound(
    trx: Executor,
    fields: {
      id: string;
      prepared: Prepared;
      text: string;
      media: MediaItem[];
      contactId: string | null;
      now: number;
    },
  ): Promise<MessageRow> {
    const { prepared, now } = fields;
    const analysis = analyzeText(outgoingText(fields.text, fields.media));
    const row: MessageRow = {
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
    await repository.insertMessage(trx, row);
    await jobs.enqueue(trx, { task: 'messages.send', payload: { messageId: row.id } });
    await recordEvent(trx, eventOf(row));
    return row;
  }

  /** The accept transaction: idempotency key, contact, message, job and event commit together, or nothing does. */
  async function accept(
    prepared: Prepared,
    text: string,
    media: MediaItem[],
    idempotency: IdempotencyScope | undefined,
  ): Promise<Outcome<SendResult, string>> {
    const now = clock.now();
    const id = newId(now);
    const analysis = analyzeText(outgoingText(text, media));
    const accepted: Accepted = { id, status: 'queued', segments: analysis.segments, encoding: analysis.encoding };
    return asOutcome(() =>
      jobs.transaction(async (trx) => {
        if (idempotency) {
          const claim = await claimIdempotencyKey(trx, idempotency, accepted, now);
          if (claim.state === 'replay') return { accepted: claim.response, replayed: true };
          if (claim.state === 'mismatch') throw new ExpectedFailure(fail('request.idempotency_mismatch'));
        }
        const contact = await deps.contacts.ensureContact(trx, prepared.orgId, prepared.to);
        await insertOutbound(trx, { id, prepared, text, media, contactId: contact.id, now });
        return { accepted, replayed: false };
      }),
    );
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

  async function storeMedia(input: MmsInput): Promise<Outcome<MediaItem[], MessageErrorCode>> {
    const items: MediaItem[] = [];
    let budget: number = MEDIA_LIMITS.maxTotalBytes;
    try {
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
    } catch (error) {
      if (error instanceof MediaError) return fail(error.code, error.message);
      throw error;
    }
    return ok(items);
  }

  async function stored(bytes: Buffer, contentType: string): Promise<MediaItem> {
    const item = await deps.media.put(bytes, contentType);
    return { key: item.key, url: `${deps.publicUrl}/m/${item.key}`, contentType, size: item.size };
  }

  // ── Receipts ─────────────────────────────────────────────────────────────────────────────────────────────

  /** Applies a final receipt status to its part, and to the message once every part is final. */
  async function applyToPart(
    routeId: string,
    smscMessageId: string,
    status: FinalPartStatus,
    errorCode: string | null,
  ): Promise<'applied' | 'duplicate' | 'unknown'> {
    return workerWrites.run(async (trx) => {
      const found = await repository.findPart(trx, routeId, smscMessageId);
      if (!found) return 'unknown';
      // Receipts of the parts of one message are serialised on the message row, so the last one to finish sees
      // every part final (READ COMMITTED re-reads after the lock).
      const message = await repository.lockMessage(trx, found.message_id);
      if (!message) return 'unknown';
      const now = clock.now();
      const finished = await repository.finishPart(
        trx,
        { messageId: found.message_id, seq: found.seq },
        { status, errorCode, now },
      );
      if (!finished) return 'duplicate';
      // A one-part message (most are) is final with its part: no need to read the others.
      const parts =
        message.segments === 1 && found.seq === 1
          ? [{ ...found, status, error_code: errorCode }]
          : await repository.listParts(trx, message.id);
      if (parts.some((part) => part.status === 'sent')) return 'applied';
      const outcome = combineParts(parts);
      const row = await repository.markFinal(trx, message.id, { ...outcome, now });
      if (row) await recordEvent(trx, eventOf(row));
      return 'applied';
    });
  }

  /** Applies the receipts that arrived before their parts were written; each is taken (deleted) by one applier. */
  async function applyUnmatched(routeId: string, smscMessageIds: string[]): Promise<void> {
    const ids = smscMessageIds.filter((id) => id !== '');
    const taken = await repository.takeUnmatchedReceipts(database.db, routeId, ids);
    for (const receipt of taken) {
      await applyToPart(routeId, receipt.smsc_message_id, receipt.status, receipt.error_code);
    }
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
      return accept(
        prepared.value,
        text,
        media.value,
        input.idempotency && { orgId: input.orgId, ...input.idempotency },
      );
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
    async beginSend(id: string): Promise<MessageRow | undefined> {
      return workerWrites.run(async (trx) => {
        const started = await repository.markSending(trx, id, clock.now());
        if (started?.changed) await recordEvent(trx, eventOf(started.row));
        return started?.row;
      });
    },

    /** The SMSC acknowledged every part: sent, with the parts, then any receipt that overtook the response. */
    async completeSend(id: string, routeId: string, smscMessageIds: string[]): Promise<void> {
      const done = await workerWrites.run(async (trx) => {
        const now = clock.now();
        const row = await repository.markSent(trx, id, routeId, now);
        if (!row) return false;
        const parts: MessagePartRow[] = smscMessageIds.map((smscMessageId, index) => ({
          message_id: id,
          seq: index + 1,
          route_id: routeId,
          smsc_message_id: smscMessageId,
          status: 'sent',
          error_code: null,
          created_at: now,
          updated_at: now,
        }));
        await repository.upsertParts(trx, parts);
        await recordEvent(trx, eventOf(row));
        return true;
      });
      if (done) await applyUnmatched(routeId, smscMessageIds);
    },

    /** The carrier refused the message, or retrying is over: failed, with the code. */
    async failSend(id: string, errorCode: string, errorMessage: string): Promise<void> {
      await workerWrites.run(async (trx) => {
        const row = await repository.markFinal(trx, id, {
          status: 'failed',
          errorCode,
          errorMessage,
          now: clock.now(),
        });
        if (row) await recordEvent(trx, eventOf(row));
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
      const result = await applyToPart(routeId, receipt.smscMessageId, status, receipt.errorCode);
      if (result !== 'unknown') return;
      await repository.insertUnmatchedReceipt(database.db, {
        id: newId(clock.now()),
        route_id: routeId,
        smsc_message_id: receipt.smscMessageId,
        status,
        error_code: receipt.errorCode,
        received_at: clock.now(),
      });
      log.debug(
        { routeId, smscMessageId: receipt.smscMessageId },
        'receipt for an id not (yet) known; kept for matching',
      );
      // The part may have been committed between the look-up above and this insert; completeSend looks for
      // receipts after its commit and this looks for the part after ours, so one of the two always sees the other.
      if (await repository.findPart(database.db, routeId, receipt.smscMessageId)) {
        await applyUnmatched(routeId, [receipt.smscMessageId]);
      }
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
      return jobs.transaction(async (trx) => {
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
        await repository.insertMessage(trx, row);
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
      await jobs.transaction((trx) =>
        insertOutbound(trx, {
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
        }),
      );
    },

    /** Housekeeping: drops receipts nobody matched and idempotency keys past their 24 h. */
    async sweep(): Promise<{ droppedReceipts: number; expiredKeys: number }> {
      const now = clock.now();
      const droppedReceipts = await repository.deleteUnmatchedReceiptsBefore(
        database.db,
        now - UNMATCHED_RECEIPT_TTL_MS,
      );
      if (droppedReceipts > 0) {
        log.warn({ count: droppedReceipts }, 'receipts for unknown SMSC message ids dropped after waiting for a match');
      }
      const expiredKeys = await deleteExpiredIdempotencyKeys(database.db, now);
      return { droppedReceipts, expiredKeys };
    },

    /** The stored message, for the pipeline. */
    async findById(id: string): Promise<MessageView | undefined> {
      const row = await repository.findMessageById(database.db, id);
      return row && view(row);
    },

    async listParts(id: string): Promise<MessagePartRow[]> {
      return repository.listParts(database.db, id);
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
