import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import smpp from 'smpp';
import { type Clock, systemClock } from '../../platform/clock.js';
import { createLogger, type Logger } from '../../platform/logger.js';
import { addressFields, fromSmppAddress } from './addresses.js';
import { PermanentCarrierError, TransientCarrierError } from './carrier.errors.js';
import {
  type Alphabet,
  alphabetOf,
  ConcatReassembler,
  concatReference,
  decodeText,
  encodeText,
  splitInboundBody,
} from './encoding.js';
import { type DeliveryReceipt, isReceiptEsmClass, parseReceipt } from './receipts.js';
import {
  CommandStatus,
  createPdu,
  type DeliverFields,
  EsmClass,
  formatCommandStatus,
  type Pdu,
  readDeliverFields,
} from './smpp-codec.js';
import { SendPacer } from './token-bucket.js';

/**
 * An ESME's client session with one SMSC: one bind_transceiver (SMPP v3.4 §4.1.5) over TCP or TLS, kept alive.
 *
 * What the `smpp` package gives: PDU framing and encoding, sequence numbers. What this class adds:
 * - a window: at most `window` submit_sm awaiting their submit_sm_resp (§2.7 "asynchronous" operation);
 * - a rate limit (token bucket at `tps`) and a slow-down when the SMSC answers ESME_RTHROTTLED/ESME_RMSGQFUL;
 * - a response timeout on every request PDU;
 * - enquire_link (§4.11) every interval, with a deadline: a silent link is destroyed and rebound;
 * - reconnection with jittered exponential backoff after any disconnect or refused bind;
 * - deliver_sm (§4.6) always answered: receipts and inbound texts are parsed, reassembled and handed over;
 * - robustness against a misbehaving peer: undecodable bytes close the link (it rebinds), never the process.
 *
 * Delivery guarantee: a submit resolves only after the SMSC acknowledged every part. When the link drops or a
 * response times out, it rejects with TransientCarrierError and the caller sends the message again with the
 * same message id: at least once, never lost.
 */

export interface SubmitPart {
  /** E.164 ("+15551234567"), a short code, or an alphanumeric sender. */
  from: string;
  to: string;
  /** short_message octets: user data header (when esmClass has UDHI) + body, at most 254 octets (§5.2.21). */
  shortMessage: Buffer;
  dataCoding: number;
  esmClass: number;
  /**
   * registered_delivery (§5.2.17). Default 1: a receipt for the final outcome, success or failure. Every part
   * asks for one: each part is a message of its own to the SMSC and any of them may fail.
   */
  registeredDelivery?: number;
}

export interface SubmitResult {
  /** The SMSC's message id for each part, in part order; receipts name these. */
  smscMessageIds: string[];
}

/** The parts of a text, ready for submit(). `reference` (default: derived from messageId) ties the parts together. */
export function buildSubmitParts(input: {
  from: string;
  to: string;
  text: string;
  messageId?: string;
  reference?: number;
  registeredDelivery?: number;
}): SubmitPart[] {
  const reference = input.reference ?? concatReference(input.messageId ?? `${input.from}|${input.to}|${input.text}`);
  return encodeText(input.text, { reference }).parts.map((part) => ({
    from: input.from,
    to: input.to,
    shortMessage: part.shortMessage,
    dataCoding: part.dataCoding,
    esmClass: part.esmClass,
    registeredDelivery: input.registeredDelivery ?? 1,
  }));
}

/** An inbound text, joined from its parts. */
export interface InboundSms {
  from: string;
  to: string;
  text: string;
  /** data_coding of the (first) part. */
  dataCoding: number;
  alphabet: Alphabet;
  /** Parts joined into `text`. */
  parts: number;
  /** False when the missing parts did not arrive within reassemblyTimeoutMs and this is what we have. */
  complete: boolean;
  missingParts: number[];
  concat?: { reference: number; referenceBits: 8 | 16; total: number };
}

export type SmppTlsOptions = Pick<
  tls.ConnectionOptions,
  'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized' | 'minVersion'
>;

export interface SmppSessionOptions {
  host: string;
  port: number;
  /** §4.1.1: at most 15 characters. */
  systemId: string;
  /** §4.1.1: at most 8 characters. Never logged. */
  password: string;
  /** system_type (§5.2.3), empty by default. */
  systemType?: string;
  /** TLS: true (system trust store) or options (a private CA, …). */
  tls?: boolean | SmppTlsOptions;
  /** Submits awaiting their response at most (default 10). */
  window?: number;
  /** submit_sm per second on this bind (default 100); 0 = unlimited. */
  tps?: number;
  /** Token-bucket burst (default max(1, ceil(tps/10))). */
  burst?: number;
  /** Deadline for any response: bind, submit, unbind (default 10 000 ms). */
  responseTimeoutMs?: number;
  /** Deadline for the TCP/TLS connection (default: responseTimeoutMs). */
  connectTimeoutMs?: number;
  /** enquire_link period while bound (default 30 000 ms). */
  enquireLinkIntervalMs?: number;
  /** An enquire_link unanswered this long drops the link (default: responseTimeoutMs). */
  enquireLinkTimeoutMs?: number;
  /** Reconnect backoff: first delay (default 1000 ms), doubling per failed attempt up to the max (default 60 000 ms), jittered. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** A submit not sent within this long (link down, saturated) rejects with reason queue_timeout (default 30 000 ms). */
  queueTimeoutMs?: number;
  /** Pause after ESME_RTHROTTLED/ESME_RMSGQFUL (default 1000 ms). */
  throttleBackoffMs?: number;
  /** After the pause, speed doubles every this long back to full (default 5000 ms). */
  throttleRecoveryMs?: number;
  /** How long parts of a concatenated inbound text wait for the rest (default 300 000 ms). */
  reassemblyTimeoutMs?: number;
  /** Further non-zero command_status values to treat as retryable (besides 0x58 and 0x14); default none. */
  transientStatuses?: readonly number[];
  /**
   * Receives every receipt. The deliver_sm is acknowledged after it settles: if it throws, the answer is
   * ESME_RX_T_APPN (0x64) so the SMSC delivers the receipt again.
   */
  onReceipt?: (receipt: DeliveryReceipt) => void | Promise<void>;
  /** Receives every inbound text (after reassembly); acknowledged like onReceipt. */
  onInbound?: (message: InboundSms) => void | Promise<void>;
  /** A name for logs (a route id). */
  name?: string;
  logger?: Logger;
  clock?: Clock;
  random?: () => number;
}

export type SessionState = 'idle' | 'connecting' | 'binding' | 'bound' | 'reconnecting' | 'closed';

export interface SmppSessionEvents {
  state: [state: SessionState];
  bound: [info: { systemId: string }];
  bindFailed: [info: { commandStatus: number; errorCode: string }];
  disconnected: [info: { reason: string }];
  receipt: [receipt: DeliveryReceipt];
  inbound: [message: InboundSms];
  throttled: [info: { commandStatus: number; errorCode: string }];
}

export interface SessionStats {
  connects: number;
  binds: number;
  bindFailures: number;
  disconnects: number;
  /** submit_sm PDUs written. */
  submitted: number;
  acknowledged: number;
  throttled: number;
  timeouts: number;
  maxInFlight: number;
  receipts: number;
  inbound: number;
}

/** Reconnect delay before attempt `attempt` (0-based): doubling from min to max, jittered down by up to half. */
export function backoffDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(Math.max(minMs, base * (0.5 + random() * 0.5)));
}

interface PendingRequest {
  resolve: (pdu: Pdu) => void;
  reject: (error: Error) => void;
}

interface Connection {
  id: number;
  socket: net.Socket;
  session: smpp.Session;
  pending: Map<number, PendingRequest>;
  inflightSubmits: number;
  bound: boolean;
  closed: boolean;
  connectTimer?: NodeJS.Timeout;
  enquireTimer?: NodeJS.Timeout;
}

interface SubmitJob {
  ids: string[];
  remaining: number;
  queued: number;
  settled: boolean;
  timer?: NodeJS.Timeout;
  resolve: (result: SubmitResult) => void;
  reject: (error: Error) => void;
}

interface QueuedPart {
  job: SubmitJob;
  index: number;
  part: SubmitPart;
}

interface InboundPart {
  payload: Buffer;
  dataCoding: number;
}

const MAX_SHORT_MESSAGE = 254;

export class SmppSession extends EventEmitter<SmppSessionEvents> {
  private readonly log: Logger;
  private readonly window: number;
  private readonly responseTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly enquireLinkIntervalMs: number;
  private readonly enquireLinkTimeoutMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly queueTimeoutMs: number;
  private readonly transientStatuses: ReadonlySet<number>;
  private readonly random: () => number;
  private readonly pacer: SendPacer;
  private readonly reassembler: ConcatReassembler<InboundPart>;

  private currentState: SessionState = 'idle';
  private conn: Connection | undefined;
  private connectionSeq = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pumpTimer: NodeJS.Timeout | undefined;
  private queue: QueuedPart[] = [];
  private drainWaiters: (() => void)[] = [];
  private closing: Promise<void> | undefined;
  private readonly counters: SessionStats = {
    connects: 0,
    binds: 0,
    bindFailures: 0,
    disconnects: 0,
    submitted: 0,
    acknowledged: 0,
    throttled: 0,
    timeouts: 0,
    maxInFlight: 0,
    receipts: 0,
    inbound: 0,
  };

  constructor(private readonly options: SmppSessionOptions) {
    super();
    this.window = Math.max(1, Math.floor(options.window ?? 10));
    this.responseTimeoutMs = options.responseTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? this.responseTimeoutMs;
    this.enquireLinkIntervalMs = options.enquireLinkIntervalMs ?? 30_000;
    this.enquireLinkTimeoutMs = options.enquireLinkTimeoutMs ?? this.responseTimeoutMs;
    this.reconnectMinMs = options.reconnectMinMs ?? 1000;
    this.reconnectMaxMs = Math.max(this.reconnectMinMs, options.reconnectMaxMs ?? 60_000);
    this.queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
    this.transientStatuses = new Set(options.transientStatuses ?? []);
    this.random = options.random ?? Math.random;
    this.log = (options.logger ?? createLogger('silent')).child({
      component: 'smpp',
      route: options.name,
      smsc: `${options.host}:${options.port}`,
      systemId: options.systemId,
    });
    this.pacer = new SendPacer({
      tps: options.tps ?? 100,
      window: this.window,
      burst: options.burst,
      backoffMs: options.throttleBackoffMs ?? 1000,
      recoveryMs: options.throttleRecoveryMs ?? 5000,
      clock: options.clock ?? systemClock,
    });
    this.reassembler = new ConcatReassembler<InboundPart>({
      timeoutMs: options.reassemblyTimeoutMs ?? 300_000,
      onExpire: (key, parts, missing) => this.onPartialExpired(key, parts, missing),
    });
  }

  get state(): SessionState {
    return this.currentState;
  }

  /** submit_sm awaiting their response on the current connection. */
  get inFlight(): number {
    return this.conn?.inflightSubmits ?? 0;
  }

  /** Parts waiting to be sent. */
  get queued(): number {
    return this.queue.length;
  }

  get stats(): SessionStats {
    return { ...this.counters };
  }

  /** The speed factor (1 = full; less while recovering from throttling). */
  get speedFactor(): number {
    return this.pacer.factor();
  }

  /** Connects and binds; keeps reconnecting until close(). */
  start(): this {
    if (this.currentState === 'idle') this.connect();
    return this;
  }

  /**
   * Sends the parts of one message (submit_sm each, pipelined within the window and the rate limit) and resolves
   * with the SMSC's ids once every part is acknowledged. Rejects with TransientCarrierError (re-queue and send
   * again, same message id) or PermanentCarrierError (the carrier refused it; `errorCode` for the message).
   * Parts not yet sent wait across reconnects, up to queueTimeoutMs.
   */
  submit(parts: readonly SubmitPart[]): Promise<SubmitResult> {
    if (this.closing || this.currentState === 'closed') {
      return Promise.reject(new TransientCarrierError('closed', 'The SMPP session is closed'));
    }
    if (parts.length === 0) return Promise.reject(new RangeError('submit() needs at least one part'));
    for (const part of parts) {
      if (part.shortMessage.length > MAX_SHORT_MESSAGE) {
        return Promise.reject(
          new PermanentCarrierError(
            CommandStatus.ESME_RINVMSGLEN,
            `short_message has ${part.shortMessage.length} octets; at most ${MAX_SHORT_MESSAGE}`,
          ),
        );
      }
    }
    return new Promise<SubmitResult>((resolve, reject) => {
      const job: SubmitJob = {
        ids: new Array<string>(parts.length).fill(''),
        remaining: parts.length,
        queued: parts.length,
        settled: false,
        resolve,
        reject,
      };
      job.timer = setTimeout(() => {
        if (job.queued > 0) {
          this.failJob(
            job,
            new TransientCarrierError('queue_timeout', 'Not sent in time: the link is down or saturated'),
          );
        }
      }, this.queueTimeoutMs);
      parts.forEach((part, index) => {
        this.queue.push({ job, index, part });
      });
      this.pump();
    });
  }

  /** Resolves once bound (immediately when bound); rejects after timeoutMs or when closed. */
  waitUntilBound(timeoutMs = this.responseTimeoutMs * 3): Promise<void> {
    if (this.currentState === 'bound') return Promise.resolve();
    if (this.currentState === 'closed') return Promise.reject(new Error('The SMPP session is closed'));
    return new Promise((resolve, reject) => {
      const onState = (state: SessionState): void => {
        if (state === 'bound') finish();
        else if (state === 'closed') finish(new Error('The SMPP session is closed'));
      };
      const timer = setTimeout(() => finish(new Error(`Not bound within ${timeoutMs} ms`)), timeoutMs);
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.off('state', onState);
        if (error) reject(error);
        else resolve();
      };
      this.on('state', onState);
    });
  }

  /**
   * Stops: queued parts reject (reason closed), in-flight submits get up to responseTimeoutMs to be answered,
   * then unbind (§4.2) and the socket closes. No reconnection afterwards.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.pumpTimer);
    for (const item of [...this.queue]) {
      this.failJob(item.job, new TransientCarrierError('closed', 'The SMPP session closed before sending'));
    }
    this.queue = [];
    const conn = this.conn;
    if (conn && !conn.closed && conn.bound) {
      await this.drain(conn, this.responseTimeoutMs);
      try {
        await this.request(conn, createPdu('unbind'), Math.min(this.responseTimeoutMs, 2000));
      } catch {
        // The SMSC did not answer the unbind: close anyway.
      }
    }
    if (conn) this.teardown(conn, 'closed');
    this.reassembler.clear();
    this.setState('closed');
  }

  // ── Connection lifecycle ───────────────────────────────────────────────────────────────────────────────────

  private setState(state: SessionState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.emitSafe('state', state);
  }

  private connect(): void {
    if (this.closing) return;
    this.setState('connecting');
    this.counters.connects++;
    const { host, port } = this.options;
    let socket: net.Socket;
    try {
      if (this.options.tls) {
        const extra = typeof this.options.tls === 'object' ? this.options.tls : {};
        // SNI takes a host name, never an IP address (RFC 6066 §3).
        const servername = extra.servername ?? (net.isIP(host) ? undefined : host);
        socket = tls.connect({ host, port, ...extra, servername });
      } else {
        socket = net.connect({ host, port });
      }
    } catch (error) {
      this.log.error({ err: error }, 'cannot open the SMPP connection');
      this.scheduleReconnect();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const session = new smpp.Session({ socket });
    const conn: Connection = {
      id: ++this.connectionSeq,
      socket,
      session,
      pending: new Map(),
      inflightSubmits: 0,
      bound: false,
      closed: false,
    };
    this.conn = conn;
    conn.connectTimer = setTimeout(() => this.teardown(conn, 'connect timeout'), this.connectTimeoutMs);
    socket.once(this.options.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(conn.connectTimer);
      void this.bind(conn);
    });
    session.on('pdu', (pdu: Pdu) => {
      // A listener that throws here would escape the socket's event handler and end the process.
      try {
        this.onPdu(conn, pdu);
      } catch (error) {
        this.log.error({ err: error, command: pdu.command }, 'failed handling a PDU; dropping the link');
        this.teardown(conn, 'internal error');
      }
    });
    // Socket errors and undecodable input both arrive here. After a decoding error the package reads nothing
    // more from the socket, so the only way on is a new connection.
    session.on('error', (error: Error) => {
      if (!conn.closed) this.log.warn({ err: error, connection: conn.id }, 'SMPP connection error');
      this.teardown(conn, `error: ${error.message}`);
    });
    session.on('close', () => this.teardown(conn, 'closed by peer'));
  }

  private async bind(conn: Connection): Promise<void> {
    if (conn.closed) return;
    this.setState('binding');
    const bind = createPdu('bind_transceiver', {
      system_id: this.options.systemId,
      password: this.options.password,
      system_type: this.options.systemType ?? '',
      // The package defaults to 0x50 (SMPP v5.0); we speak v3.4 (§5.2.4: 0x34).
      interface_version: 0x34,
      addr_ton: 0,
      addr_npi: 0,
      address_range: '',
    });
    let response: Pdu;
    try {
      response = await this.request(conn, bind, this.responseTimeoutMs);
    } catch {
      if (!conn.closed) {
        this.log.warn({ connection: conn.id }, 'bind_transceiver unanswered');
        this.teardown(conn, 'bind timeout');
      }
      return;
    }
    if (conn.closed) return;
    if (response.command_status !== CommandStatus.ESME_ROK) {
      this.counters.bindFailures++;
      const errorCode = formatCommandStatus(response.command_status);
      this.log.warn({ errorCode, connection: conn.id }, 'bind refused by the SMSC');
      this.emitSafe('bindFailed', { commandStatus: response.command_status, errorCode });
      this.teardown(conn, `bind refused ${errorCode}`);
      return;
    }
    conn.bound = true;
    this.attempt = 0;
    this.counters.binds++;
    const smscSystemId = typeof response['system_id'] === 'string' ? response['system_id'] : '';
    this.log.info({ connection: conn.id, smscSystemId }, 'bound (transceiver)');
    this.setState('bound');
    this.emitSafe('bound', { systemId: smscSystemId });
    this.scheduleEnquireLink(conn);
    this.pump();
  }

  /**
   * Closes a connection once: every request awaiting a response rejects (TransientCarrierError, reason
   * disconnected), timers stop, and unless closing, a reconnect is scheduled.
   */
  private teardown(conn: Connection, reason: string): void {
    if (conn.closed) return;
    conn.closed = true;
    clearTimeout(conn.connectTimer);
    clearTimeout(conn.enquireTimer);
    const pending = [...conn.pending.values()];
    conn.pending.clear();
    for (const request of pending) {
      request.reject(new TransientCarrierError('disconnected', `The SMPP link closed (${reason}) before the response`));
    }
    conn.socket.destroy();
    if (this.conn !== conn) return;
    this.conn = undefined;
    this.counters.disconnects++;
    if (this.closing) this.log.info({ connection: conn.id }, 'SMPP session closed');
    else if (conn.bound) this.log.warn({ reason, connection: conn.id }, 'SMPP link down');
    else this.log.debug({ reason, connection: conn.id }, 'SMPP connection closed before bind');
    this.emitSafe('disconnected', { reason });
    this.resolveDrain();
    if (!this.closing) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    this.setState('reconnecting');
    const delay = backoffDelay(this.attempt++, this.reconnectMinMs, this.reconnectMaxMs, this.random);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** enquire_link (§4.11) every interval while bound; no answer within the deadline drops the link. */
  private scheduleEnquireLink(conn: Connection): void {
    conn.enquireTimer = setTimeout(async () => {
      if (conn.closed) return;
      try {
        await this.request(conn, createPdu('enquire_link'), this.enquireLinkTimeoutMs);
        if (!conn.closed) this.scheduleEnquireLink(conn);
      } catch {
        if (!conn.closed) {
          this.log.warn({ connection: conn.id }, 'enquire_link unanswered: the link is dead; rebinding');
          this.teardown(conn, 'enquire_link timeout');
        }
      }
    }, this.enquireLinkIntervalMs);
  }

  /** Sends a request PDU and awaits its response (matched by sequence_number), at most timeoutMs. */
  private request(conn: Connection, pdu: Pdu, timeoutMs: number): Promise<Pdu> {
    return new Promise((resolve, reject) => {
      if (conn.closed || !conn.session.send(pdu)) {
        reject(new TransientCarrierError('disconnected', 'The SMPP link is not writable'));
        return;
      }
      const sequence = pdu.sequence_number;
      const timer = setTimeout(() => {
        conn.pending.delete(sequence);
        reject(new TransientCarrierError('timeout', `No ${pdu.command}_resp within ${timeoutMs} ms`));
      }, timeoutMs);
      conn.pending.set(sequence, {
        resolve: (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  private respond(conn: Connection, pdu: Pdu): void {
    if (!conn.closed) conn.session.send(pdu);
  }

  // ── Inbound PDUs ───────────────────────────────────────────────────────────────────────────────────────────

  private onPdu(conn: Connection, pdu: Pdu): void {
    if (conn.closed) return;
    if (pdu.isResponse()) {
      const pending = conn.pending.get(pdu.sequence_number);
      if (pending) {
        conn.pending.delete(pdu.sequence_number);
        pending.resolve(pdu);
      } else if (pdu.command === 'generic_nack') {
        this.log.warn(
          { commandStatus: formatCommandStatus(pdu.command_status) },
          'generic_nack for no request of ours',
        );
      } else {
        // A response after its timeout (the caller already retries) or for nothing we sent.
        this.log.debug({ command: pdu.command, sequence: pdu.sequence_number }, 'late or unexpected response');
      }
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        this.respond(conn, pdu.response());
        return;
      case 'deliver_sm':
      case 'data_sm':
        void this.onDeliver(conn, pdu);
        return;
      case 'unbind': {
        // §4.2: the SMSC ends the session. Answer, close once the answer is written, bind again after the backoff.
        this.log.warn({ connection: conn.id }, 'the SMSC unbound');
        const flushed = (): void => this.teardown(conn, 'unbound by the SMSC');
        if (!conn.session.send(pdu.response(), flushed)) flushed();
        setTimeout(flushed, 1000).unref();
        return;
      }
      case 'alert_notification':
        return; // §4.12: no response is defined.
      default:
        // An unknown command id or a request an ESME does not take: generic_nack, ESME_RINVCMDID (§3.3.1).
        this.respond(
          conn,
          createPdu('generic_nack', {
            sequence_number: pdu.sequence_number,
            command_status: CommandStatus.ESME_RINVCMDID,
          }),
        );
    }
  }

  /**
   * Every deliver_sm gets its deliver_sm_resp. Undecodable or unwanted content: ESME_ROK and dropped (a retry
   * would bring the same bytes). A consumer that fails: ESME_RX_T_APPN, so the SMSC delivers it again.
   */
  private async onDeliver(conn: Connection, pdu: Pdu): Promise<void> {
    let status: number = CommandStatus.ESME_ROK;
    let work: (() => Promise<void>) | undefined;
    try {
      work = this.interpretDeliver(readDeliverFields(pdu));
    } catch (error) {
      this.log.warn({ err: error }, 'undecodable deliver_sm: acknowledged and dropped');
    }
    if (work) {
      try {
        await work();
      } catch (error) {
        status = CommandStatus.ESME_RX_T_APPN;
        this.log.error({ err: error }, 'the receipt/inbound consumer failed: asking the SMSC to deliver again');
      }
    }
    try {
      this.respond(conn, pdu.response({ command_status: status }));
    } catch (error) {
      this.log.error({ err: error }, 'cannot answer deliver_sm');
    }
  }

  private interpretDeliver(fields: DeliverFields): (() => Promise<void>) | undefined {
    if (isReceiptEsmClass(fields.esmClass)) {
      const receipt = parseReceipt(fields);
      if (!receipt) {
        this.log.warn({ esmClass: fields.esmClass }, 'receipt without a message id: acknowledged and dropped');
        return undefined;
      }
      return async () => {
        this.counters.receipts++;
        this.emitSafe('receipt', receipt);
        await this.options.onReceipt?.(receipt);
      };
    }
    const messageType = fields.esmClass & EsmClass.MESSAGE_TYPE_MASK;
    if (messageType !== 0) {
      // SME acknowledgements, conversation aborts: nothing we use.
      this.log.info({ esmClass: fields.esmClass }, 'deliver_sm of a message type we do not use: acknowledged');
      return undefined;
    }

    if (!fields.sourceAddr) {
      // Nothing to store it under or answer: a malformed or truncated PDU.
      this.log.warn({ command: fields.command }, 'inbound message without a source address: acknowledged and dropped');
      return undefined;
    }
    const from = fromSmppAddress(fields.sourceAddr, fields.sourceTon);
    const to = fromSmppAddress(fields.destinationAddr, fields.destTon);
    const { payload, concat, malformedUdh } = splitInboundBody(fields.body, fields.esmClass, fields);
    if (malformedUdh) this.log.warn({ from }, 'inbound user data header is malformed: reading the body as text');
    const part: InboundPart = { payload, dataCoding: fields.dataCoding };

    if (!concat || concat.total === 1) {
      const message = buildInbound(from, to, [part], { missing: [] });
      return () => this.deliverInbound(message);
    }
    const key = ConcatReassembler.key(from, to, concat);
    const parts = this.reassembler.add(key, concat, part);
    if (!parts) return undefined; // acknowledged; waiting for the other parts
    const message = buildInbound(from, to, parts, {
      missing: [],
      concat: { reference: concat.reference, referenceBits: concat.referenceBits, total: concat.total },
    });
    return async () => {
      try {
        await this.deliverInbound(message);
        this.reassembler.remove(key);
      } catch (error) {
        // Keep the other parts: the SMSC re-sends this one and the text completes again.
        this.reassembler.removePart(key, concat.seq);
        throw error;
      }
    };
  }

  private async deliverInbound(message: InboundSms): Promise<void> {
    this.counters.inbound++;
    this.emitSafe('inbound', message);
    await this.options.onInbound?.(message);
  }

  /** The missing parts never came: hand over what arrived rather than lose it. */
  private onPartialExpired(key: string, parts: InboundPart[], missing: number[]): void {
    const [from = '', to = ''] = key.split('\u0000');
    const message = buildInbound(from, to, parts, { missing });
    this.log.warn({ from, missing }, 'concatenated inbound text incomplete after the reassembly timeout');
    this.deliverInbound(message).catch((error: unknown) => {
      this.log.error({ err: error }, 'the inbound consumer failed on an incomplete text; it is lost');
    });
  }

  // ── Submitting ─────────────────────────────────────────────────────────────────────────────────────────────

  /** Sends queued parts while bound, within the (effective) window and the rate limit. */
  private pump(): void {
    const conn = this.conn;
    if (!conn?.bound || conn.closed || this.closing) return;
    while (this.queue.length > 0) {
      if (conn.inflightSubmits >= this.pacer.effectiveWindow()) return; // a response will pump again
      const wait = this.pacer.acquire();
      if (wait > 0) {
        if (!this.pumpTimer) {
          this.pumpTimer = setTimeout(() => {
            this.pumpTimer = undefined;
            this.pump();
          }, wait);
        }
        return;
      }
      const item = this.queue.shift()!;
      this.sendPart(conn, item);
    }
  }

  private sendPart(conn: Connection, { job, index, part }: QueuedPart): void {
    job.queued--;
    const pdu = createPdu('submit_sm', {
      service_type: '',
      ...addressFields(part.from, part.to),
      esm_class: part.esmClass,
      protocol_id: 0,
      priority_flag: 0,
      registered_delivery: part.registeredDelivery ?? 1,
      data_coding: part.dataCoding,
      short_message: part.shortMessage,
    });
    conn.inflightSubmits++;
    this.counters.submitted++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, conn.inflightSubmits);
    this.request(conn, pdu, this.responseTimeoutMs)
      .then(
        (response) => this.onSubmitResponse(job, index, response),
        (error: Error) => {
          if (error instanceof TransientCarrierError && error.reason === 'timeout') this.counters.timeouts++;
          this.failJob(job, error);
        },
      )
      .catch((error: unknown) => this.log.error({ err: error }, 'failed handling a submit_sm_resp'))
      .finally(() => {
        conn.inflightSubmits--;
        if (conn.inflightSubmits === 0) this.resolveDrain();
        this.pump();
      });
  }

  private onSubmitResponse(job: SubmitJob, index: number, response: Pdu): void {
    const status = response.command_status;
    if (status === CommandStatus.ESME_ROK) {
      this.counters.acknowledged++;
      const id = typeof response['message_id'] === 'string' ? response['message_id'] : '';
      if (!id) this.log.warn('submit_sm_resp without a message_id: its receipt cannot be matched');
      if (job.settled) return;
      job.ids[index] = id;
      if (--job.remaining === 0) this.settleJob(job);
      return;
    }
    if (status === CommandStatus.ESME_RTHROTTLED || status === CommandStatus.ESME_RMSGQFUL) {
      this.counters.throttled++;
      this.pacer.onThrottle();
      const errorCode = formatCommandStatus(status);
      this.log.warn({ errorCode, speed: this.pacer.factor() }, 'the SMSC asks us to slow down');
      this.emitSafe('throttled', { commandStatus: status, errorCode });
      const reason = status === CommandStatus.ESME_RTHROTTLED ? 'throttled' : 'queue_full';
      this.failJob(job, new TransientCarrierError(reason, `The SMSC answered ${errorCode}`, status));
      return;
    }
    if (this.transientStatuses.has(status)) {
      const errorCode = formatCommandStatus(status);
      this.failJob(job, new TransientCarrierError('carrier_status', `The SMSC answered ${errorCode}`, status));
      return;
    }
    this.failJob(job, new PermanentCarrierError(status));
  }

  private settleJob(job: SubmitJob): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    job.resolve({ smscMessageIds: job.ids });
  }

  /** Rejects a submit once; its parts not yet sent leave the queue (a half-sent message is re-sent whole). */
  private failJob(job: SubmitJob, error: Error): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    if (job.queued > 0) {
      this.queue = this.queue.filter((item) => item.job !== job);
      job.queued = 0;
    }
    job.reject(error);
  }

  private drain(conn: Connection, timeoutMs: number): Promise<void> {
    if (conn.inflightSubmits === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private resolveDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Listeners observe; one that throws must not change what we answer the SMSC. */
  private emitSafe<K extends keyof SmppSessionEvents>(event: K, ...args: SmppSessionEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: SmppSessionEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.log.error({ err: error, event }, 'an event listener threw');
    }
  }
}

function buildInbound(
  from: string,
  to: string,
  parts: InboundPart[],
  extra: { missing: number[]; concat?: InboundSms['concat'] },
): InboundSms {
  const dataCoding = parts[0]?.dataCoding ?? 0;
  // Decode the joined octets, not part by part: a sender may split an escape sequence or a surrogate pair.
  const sameCoding = parts.every((part) => part.dataCoding === dataCoding);
  const text = sameCoding
    ? decodeText(Buffer.concat(parts.map((part) => part.payload)), dataCoding)
    : parts.map((part) => decodeText(part.payload, part.dataCoding)).join('');
  return {
    from,
    to,
    text,
    dataCoding,
    alphabet: alphabetOf(dataCoding),
    parts: parts.length,
    complete: extra.missing.length === 0,
    missingParts: extra.missing,
    ...(extra.concat ? { concat: extra.concat } : {}),
  };
}
