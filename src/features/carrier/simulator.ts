import type { Socket } from 'node:net';
import smpp from 'smpp';
import { createLogger, type Logger } from '../../platform/logger.js';
import { listen } from '../../platform/net/listen.js';
import { addressFields, fromSmppAddress } from './addresses.js';
import { type ConcatInfo, concatUdh, decodeText, encodeText, splitInboundBody } from './encoding.js';
import { formatReceiptText, MessageState } from './receipts.js';
import { CommandStatus, createPdu, EsmClass, type Pdu } from './smpp-codec.js';

/**
 * The built-in SMSC simulator: a real SMPP v3.4 server over TCP (or TLS), so the platform runs on a laptop
 * with no carrier and the carrier tests exercise the real wire. It binds ESMEs, answers submit_sm with its own
 * message ids, sends delivery receipts (esm_class 0x04 with receipted_message_id and message_state TLVs and the
 * Appendix B text), injects inbound texts (concatenated by UDH or sar_* TLVs), and misbehaves on demand:
 * throttling, full queue, refused binds, silence, dropped connections, slow answers, receipts before responses,
 * raw garbage.
 */

export type SimOutcome = 'delivered' | 'undelivered' | 'failed' | 'expired';

export interface SimulatorFaults {
  /** The next N submit_sm are answered ESME_RTHROTTLED (0x58). */
  throttleNext: number;
  /** The next N submit_sm are answered ESME_RMSGQFUL (0x14). */
  queueFullNext: number;
  /** The next N submit_sm are answered rejectStatus (default ESME_RINVDSTADR 0x0B). */
  rejectNext: number;
  rejectStatus: number;
  /** Every bind is answered ESME_RBINDFAIL (0x0D). */
  refuseBinds: boolean;
  /** Swallow every PDU: no response to anything, enquire_link included. */
  silent: boolean;
  /** submit_sm_resp is sent this long after the submit_sm. */
  responseDelayMs: number;
  /** The receipt is sent before the submit_sm_resp that carries its message id. */
  receiptBeforeResponse: boolean;
}

export interface SimulatorOptions {
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, a bind with other credentials is answered ESME_RBINDFAIL (0x0D). */
  credentials?: { systemId: string; password: string };
  /** Delay between accepting a submit and sending its receipt (default 50 ms). */
  receiptDelayMs?: number;
  /** Weights of the outcomes receipts report (default { delivered: 1 }). */
  outcomes?: Partial<Record<SimOutcome, number>>;
  /** Decides the outcome of one submit (e.g. by destination); undefined falls back to the weights. */
  outcomeFor?: (submit: SubmittedPdu) => SimOutcome | undefined;
  /** Faults active from the start. */
  faults?: Partial<SimulatorFaults>;
  /** TLS server (ssmpp). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** system_id answered in bind responses (default "STRATUS-SIM"). */
  systemId?: string;
  /** A deliver_sm not answered within this long is sent again (default 5000 ms). */
  deliverTimeoutMs?: number;
  /** Wait before re-sending a deliver_sm the ESME refused or did not answer (default 200 ms). */
  redeliverDelayMs?: number;
  /** Attempts per deliver_sm (default 5). */
  maxDeliverAttempts?: number;
  logger?: Logger;
  random?: () => number;
}

/** One submit_sm as the simulator received it. */
export interface SubmittedPdu {
  /** The id given in submit_sm_resp; empty when the submit was refused. */
  messageId: string;
  /** command_status answered. */
  status: number;
  sessionId: number;
  systemId: string;
  sequenceNumber: number;
  receivedAt: number;
  source: string;
  sourceTon: number;
  sourceNpi: number;
  destination: string;
  destTon: number;
  destNpi: number;
  esmClass: number;
  dataCoding: number;
  registeredDelivery: number;
  /** The raw short_message (or message_payload) octets. */
  shortMessage: Buffer;
  /** The user data header, UDHL included, when esm_class has UDHI. */
  udh?: Buffer;
  concat?: ConcatInfo;
  /** This part's text, decoded by data_coding. */
  text: string;
  outcome?: SimOutcome;
}

/** A submitted message joined from its accepted parts. */
export interface SimulatedMessage {
  source: string;
  destination: string;
  text: string;
  complete: boolean;
  parts: SubmittedPdu[];
}

export interface ReceivedPduRecord {
  sessionId: number;
  command: string;
  sequenceNumber: number;
  commandStatus: number;
  at: number;
}

export interface SimulatorStats {
  connections: number;
  binds: number;
  /** The most ESME sessions bound at the same time (an SMSC allowing one bind per system_id would refuse more). */
  maxBound: number;
  bindFailures: number;
  submits: number;
  /** submit_sm received and not yet answered. */
  inFlight: number;
  maxInFlight: number;
  enquireLinks: number;
  deliveriesSent: number;
}

export interface InjectInboundInput {
  from: string;
  to: string;
  text: string;
  /** How a long text is split: UDH with an 8-bit (default) or 16-bit reference, or sar_* TLVs. */
  concat?: 'udh8' | 'udh16' | 'sar';
  /** The bound system to deliver to (default: any bound receiver). */
  systemId?: string;
}

export interface SmscSimulator {
  readonly host: string;
  readonly port: number;
  /** smpp://host:port (ssmpp:// with TLS). */
  readonly url: string;
  /** Every submit_sm received, in order. */
  readonly submitted: SubmittedPdu[];
  /** The last 10 000 PDUs received from ESMEs. */
  readonly received: ReceivedPduRecord[];
  /** Live and mutable: change a field and the next PDU sees it. */
  readonly faults: SimulatorFaults;
  setFaults(faults: Partial<SimulatorFaults>): SimulatorFaults;
  /** Accepted submits joined by their concatenation reference. */
  messages(): SimulatedMessage[];
  /** Sends a text to a bound ESME as deliver_sm (parts when long); resolves when every part is acknowledged. */
  injectInbound(input: InjectInboundInput): Promise<{ parts: number }>;
  /** Sends a receipt for any id (known or not); resolves with the ESME's command_status. */
  sendReceipt(input: {
    messageId: string;
    outcome?: SimOutcome;
    from?: string;
    to?: string;
    systemId?: string;
  }): Promise<number>;
  /** Sends one deliver_sm with the given fields, no retry; resolves with the ESME's command_status. */
  sendDeliverSm(fields: Record<string, unknown>, options?: { systemId?: string }): Promise<number>;
  /** Writes raw bytes to every bound ESME's socket. */
  sendRaw(bytes: Buffer): void;
  /** Closes every connection now, without unbind. */
  dropConnections(): void;
  /** Bound ESME sessions. */
  readonly sessionCount: number;
  readonly stats: SimulatorStats;
  /** Forgets submitted/received records and resets maxInFlight and maxBound to the present. */
  reset(): void;
  close(): Promise<void>;
}

interface SimSession {
  id: number;
  session: smpp.Session;
  mode?: 'transceiver' | 'transmitter' | 'receiver';
  systemId: string;
  closed: boolean;
  /** submit_sm received here and not yet answered. */
  unanswered: number;
}

interface Delivery {
  fields: Record<string, unknown>;
  systemId?: string;
  preferred?: SimSession;
  attempts: number;
  retry: boolean;
  settle: (status: number) => void;
  fail: (error: Error) => void;
  timer?: NodeJS.Timeout;
  sentOn?: SimSession;
}

const DEFAULT_FAULTS: SimulatorFaults = {
  throttleNext: 0,
  queueFullNext: 0,
  rejectNext: 0,
  rejectStatus: CommandStatus.ESME_RINVDSTADR,
  refuseBinds: false,
  silent: false,
  responseDelayMs: 0,
  receiptBeforeResponse: false,
};

const OUTCOME_RECEIPT: Record<SimOutcome, { stat: string; state: number; err: string }> = {
  delivered: { stat: 'DELIVRD', state: MessageState.DELIVERED, err: '000' },
  undelivered: { stat: 'UNDELIV', state: MessageState.UNDELIVERABLE, err: '001' },
  expired: { stat: 'EXPIRED', state: MessageState.EXPIRED, err: '003' },
  failed: { stat: 'REJECTD', state: MessageState.REJECTED, err: '002' },
};

const MAX_RECEIVED_LOG = 10_000;

export async function startSmscSimulator(options: SimulatorOptions = {}): Promise<SmscSimulator> {
  const host = options.host ?? '127.0.0.1';
  const log = (options.logger ?? createLogger('silent')).child({ component: 'smsc-simulator' });
  const random = options.random ?? Math.random;
  const receiptDelayMs = options.receiptDelayMs ?? 50;
  const deliverTimeoutMs = options.deliverTimeoutMs ?? 5000;
  const redeliverDelayMs = options.redeliverDelayMs ?? 200;
  const maxDeliverAttempts = options.maxDeliverAttempts ?? 5;
  const smscSystemId = options.systemId ?? 'STRATUS-SIM';
  const faults: SimulatorFaults = { ...DEFAULT_FAULTS, ...options.faults };
  const submitted: SubmittedPdu[] = [];
  const received: ReceivedPduRecord[] = [];
  const sessions = new Set<SimSession>();
  const timers = new Set<NodeJS.Timeout>();
  const waiting: Delivery[] = [];
  const outstanding = new Set<Delivery>();
  const stats: SimulatorStats = {
    connections: 0,
    binds: 0,
    maxBound: 0,
    bindFailures: 0,
    submits: 0,
    inFlight: 0,
    maxInFlight: 0,
    enquireLinks: 0,
    deliveriesSent: 0,
  };
  let sessionSeq = 0;
  let idCounter = Math.floor(random() * 0x0fffffff);
  let inboundReference = Math.floor(random() * 256);
  let closed = false;

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const send = (sim: SimSession, pdu: Pdu, onResponse?: (response: Pdu) => void): boolean => {
    if (sim.closed || closed) return false;
    try {
      return sim.session.send(pdu, onResponse);
    } catch (error) {
      log.error({ err: error }, 'cannot write a PDU');
      return false;
    }
  };

  const nextMessageId = (): string => {
    idCounter = (idCounter + 1) % 0xffffffffff;
    return idCounter.toString(16).toUpperCase().padStart(10, '0');
  };

  const chooseOutcome = (record: SubmittedPdu): SimOutcome => {
    const chosen = options.outcomeFor?.(record);
    if (chosen) return chosen;
    const weights = Object.entries(options.outcomes ?? { delivered: 1 }).filter(([, weight]) => (weight ?? 0) > 0) as [
      SimOutcome,
      number,
    ][];
    const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
    if (total <= 0) return 'delivered';
    let pick = random() * total;
    for (const [outcome, weight] of weights) {
      pick -= weight;
      if (pick < 0) return outcome;
    }
    return weights[weights.length - 1]![0];
  };

  const canReceive = (sim: SimSession): boolean =>
    !sim.closed && (sim.mode === 'transceiver' || sim.mode === 'receiver');

  // ── deliver_sm with retries ────────────────────────────────────────────────────────────────────────────────

  const attemptDelivery = (delivery: Delivery): void => {
    if (closed) return;
    const target =
      delivery.preferred && canReceive(delivery.preferred)
        ? delivery.preferred
        : [...sessions].find(
            (sim) => canReceive(sim) && (delivery.systemId === undefined || sim.systemId === delivery.systemId),
          );
    if (!target) {
      waiting.push(delivery); // an SMSC stores what it cannot deliver until the ESME binds again
      return;
    }
    delivery.attempts++;
    delivery.sentOn = target;
    outstanding.add(delivery);
    const pdu = createPdu('deliver_sm', delivery.fields);
    const sent = send(target, pdu, (response) => {
      if (!outstanding.has(delivery)) return;
      outstanding.delete(delivery);
      clearTimeout(delivery.timer);
      if (response.command_status === CommandStatus.ESME_ROK || !delivery.retry)
        delivery.settle(response.command_status);
      else retryDelivery(delivery, `answered 0x${response.command_status.toString(16)}`);
    });
    if (!sent) {
      outstanding.delete(delivery);
      retryDelivery(delivery, 'not writable');
      return;
    }
    stats.deliveriesSent++;
    delivery.timer = setTimeout(() => {
      if (!outstanding.delete(delivery)) return;
      retryDelivery(delivery, 'no deliver_sm_resp');
    }, deliverTimeoutMs);
  };

  const retryDelivery = (delivery: Delivery, why: string): void => {
    if (!delivery.retry || delivery.attempts >= maxDeliverAttempts) {
      delivery.fail(new Error(`deliver_sm not acknowledged after ${delivery.attempts} attempt(s): ${why}`));
      return;
    }
    later(redeliverDelayMs, () => attemptDelivery(delivery));
  };

  const deliver = (
    fields: Record<string, unknown>,
    target: { systemId?: string; preferred?: SimSession; retry?: boolean },
  ): Promise<number> =>
    new Promise((settle, fail) => {
      attemptDelivery({ fields, ...target, retry: target.retry ?? true, attempts: 0, settle, fail });
    });

  const receiptFields = (input: {
    messageId: string;
    outcome: SimOutcome;
    source: string;
    destination: string;
    text: string;
    submittedAt: number;
  }): Record<string, unknown> => {
    const receipt = OUTCOME_RECEIPT[input.outcome];
    const text = formatReceiptText({
      id: input.messageId,
      stat: receipt.stat,
      err: receipt.err,
      submitDate: new Date(input.submittedAt),
      doneDate: new Date(),
      text: input.text.replace(/[^\x20-\x7e]/g, '?'),
      delivered: input.outcome === 'delivered',
    });
    return {
      // The receipt goes back the other way: from the handset to the sender.
      ...addressFields(input.destination, input.source),
      esm_class: EsmClass.SMSC_DELIVERY_RECEIPT,
      data_coding: 0,
      short_message: Buffer.from(text, 'latin1'),
      receipted_message_id: input.messageId,
      message_state: receipt.state,
    };
  };

  const sendReceiptFor = (record: SubmittedPdu, sim: SimSession): void => {
    if (!record.outcome) return;
    // registered_delivery bits 1–0 (§5.2.17): 01 = receipt on any final outcome, 10 = on failure only.
    const wanted = record.registeredDelivery & 0x03;
    if (wanted === 0 || (wanted === 2 && record.outcome === 'delivered')) return;
    deliver(
      receiptFields({
        messageId: record.messageId,
        outcome: record.outcome,
        source: record.source,
        destination: record.destination,
        text: record.text,
        submittedAt: record.receivedAt,
      }),
      { preferred: sim, systemId: sim.systemId },
    ).catch((error: unknown) => log.warn({ err: error, messageId: record.messageId }, 'receipt not delivered'));
  };

  // ── ESME requests ──────────────────────────────────────────────────────────────────────────────────────────

  const onBind = (sim: SimSession, pdu: Pdu): void => {
    const mode = pdu.command.replace('bind_', '') as SimSession['mode'];
    const systemId = typeof pdu['system_id'] === 'string' ? pdu['system_id'] : '';
    const password = typeof pdu['password'] === 'string' ? pdu['password'] : '';
    let status: number = CommandStatus.ESME_ROK;
    if (sim.mode) status = CommandStatus.ESME_RALYBND;
    else if (faults.refuseBinds) status = CommandStatus.ESME_RBINDFAIL;
    else if (
      options.credentials &&
      (systemId !== options.credentials.systemId || password !== options.credentials.password)
    ) {
      status = CommandStatus.ESME_RBINDFAIL;
    }
    if (status !== CommandStatus.ESME_ROK) {
      stats.bindFailures++;
      send(sim, pdu.response({ command_status: status }));
      return;
    }
    sim.mode = mode;
    sim.systemId = systemId;
    stats.binds++;
    stats.maxBound = Math.max(stats.maxBound, boundSessions().length);
    send(sim, pdu.response({ system_id: smscSystemId }));
    if (canReceive(sim)) {
      const ready = waiting.splice(0, waiting.length);
      for (const delivery of ready) attemptDelivery(delivery);
    }
  };

  const onSubmit = (sim: SimSession, pdu: Pdu): void => {
    if (sim.mode !== 'transceiver' && sim.mode !== 'transmitter') {
      send(sim, pdu.response({ command_status: CommandStatus.ESME_RINVBNDSTS }));
      return;
    }
    stats.submits++;
    const shortMessage = Buffer.isBuffer(pdu['short_message']) ? pdu['short_message'] : Buffer.alloc(0);
    const payload = Buffer.isBuffer(pdu['message_payload']) ? pdu['message_payload'] : undefined;
    const body = shortMessage.length === 0 && payload ? payload : shortMessage;
    const esmClass = Number(pdu['esm_class'] ?? 0);
    const dataCoding = Number(pdu['data_coding'] ?? 0);
    const split = splitInboundBody(body, esmClass);
    const sourceTon = Number(pdu['source_addr_ton'] ?? 0);
    const destTon = Number(pdu['dest_addr_ton'] ?? 0);
    const record: SubmittedPdu = {
      messageId: '',
      status: CommandStatus.ESME_ROK,
      sessionId: sim.id,
      systemId: sim.systemId,
      sequenceNumber: pdu.sequence_number,
      receivedAt: Date.now(),
      source: fromSmppAddress(String(pdu['source_addr'] ?? ''), sourceTon),
      sourceTon,
      sourceNpi: Number(pdu['source_addr_npi'] ?? 0),
      destination: fromSmppAddress(String(pdu['destination_addr'] ?? ''), destTon),
      destTon,
      destNpi: Number(pdu['dest_addr_npi'] ?? 0),
      esmClass,
      dataCoding,
      registeredDelivery: Number(pdu['registered_delivery'] ?? 0),
      shortMessage: body,
      udh:
        esmClass & EsmClass.UDHI && !split.malformedUdh
          ? body.subarray(0, body.length - split.payload.length)
          : undefined,
      concat: split.concat,
      text: decodeText(split.payload, dataCoding),
    };
    if (faults.throttleNext > 0) {
      faults.throttleNext--;
      record.status = CommandStatus.ESME_RTHROTTLED;
    } else if (faults.queueFullNext > 0) {
      faults.queueFullNext--;
      record.status = CommandStatus.ESME_RMSGQFUL;
    } else if (faults.rejectNext > 0) {
      faults.rejectNext--;
      record.status = faults.rejectStatus;
    }
    submitted.push(record);

    sim.unanswered++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const answer = (): void => {
      if (sim.closed) return; // the connection went; its unanswered submits were counted off then
      sim.unanswered--;
      stats.inFlight--;
      if (record.status !== CommandStatus.ESME_ROK) {
        send(sim, pdu.response({ command_status: record.status }));
        return;
      }
      send(sim, pdu.response({ message_id: record.messageId }));
      if (!faults.receiptBeforeResponse) later(receiptDelayMs, () => sendReceiptFor(record, sim));
    };

    if (record.status === CommandStatus.ESME_ROK) {
      record.messageId = nextMessageId();
      record.outcome = chooseOutcome(record);
      if (faults.receiptBeforeResponse) sendReceiptFor(record, sim);
    }
    if (faults.responseDelayMs > 0) later(faults.responseDelayMs, answer);
    else answer();
  };

  const onPdu = (sim: SimSession, pdu: Pdu): void => {
    received.push({
      sessionId: sim.id,
      command: pdu.command,
      sequenceNumber: pdu.sequence_number,
      commandStatus: pdu.command_status,
      at: Date.now(),
    });
    if (received.length > MAX_RECEIVED_LOG) received.splice(0, received.length - MAX_RECEIVED_LOG);
    if (faults.silent || pdu.isResponse()) return; // responses reach their callbacks inside the package
    switch (pdu.command) {
      case 'bind_transceiver':
      case 'bind_transmitter':
      case 'bind_receiver':
        onBind(sim, pdu);
        return;
      case 'enquire_link':
        stats.enquireLinks++;
        send(sim, pdu.response());
        return;
      case 'unbind':
        send(sim, pdu.response(), () => sim.session.close());
        sim.mode = undefined;
        return;
      case 'submit_sm':
        onSubmit(sim, pdu);
        return;
      default:
        send(
          sim,
          createPdu('generic_nack', {
            sequence_number: pdu.sequence_number,
            command_status: CommandStatus.ESME_RINVCMDID,
          }),
        );
    }
  };

  const onSessionClosed = (sim: SimSession): void => {
    if (sim.closed) return;
    sim.closed = true;
    stats.inFlight -= sim.unanswered;
    sim.unanswered = 0;
    for (const delivery of [...outstanding]) {
      if (delivery.sentOn !== sim) continue;
      outstanding.delete(delivery);
      clearTimeout(delivery.timer);
      retryDelivery(delivery, 'connection closed');
    }
    sessions.delete(sim);
  };

  const server = smpp.createServer(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}, (session) => {
    const sim: SimSession = { id: ++sessionSeq, session, systemId: '', closed: false, unanswered: 0 };
    sessions.add(sim);
    stats.connections++;
    session.socket.setNoDelay(true);
    session.on('pdu', (pdu: Pdu) => {
      try {
        onPdu(sim, pdu);
      } catch (error) {
        log.error({ err: error, command: pdu.command }, 'simulator failed on a PDU');
      }
    });
    session.on('error', (error: Error) => {
      log.debug({ err: error, session: sim.id }, 'ESME connection error');
      session.destroy();
    });
    session.on('close', () => onSessionClosed(sim));
  });
  // Every raw socket, a TLS handshake in progress included, so close() ends them all and never waits.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('error', (error: Error) => log.error({ err: error }, 'simulator server error'));
  // A TLS handshake failure is reported here, not as a session.
  server.on('tlsClientError', (error: Error) => log.debug({ err: error }, 'TLS handshake failed'));

  const port = await listen(server, options.port ?? 0, host);
  log.info({ host, port }, 'SMSC simulator listening');

  const boundSessions = (): SimSession[] => [...sessions].filter((sim) => !sim.closed && sim.mode);

  return {
    host,
    port,
    url: `${options.tls ? 'ssmpp' : 'smpp'}://${host}:${port}`,
    submitted,
    received,
    faults,
    setFaults(change) {
      Object.assign(faults, change);
      return { ...faults };
    },
    messages() {
      const result: SimulatedMessage[] = [];
      const groups = new Map<string, SimulatedMessage>();
      const joined: SimulatedMessage[] = [];
      for (const record of submitted) {
        if (record.status !== CommandStatus.ESME_ROK) continue;
        const concat = record.concat;
        if (!concat || concat.total === 1) {
          const { source, destination, text } = record;
          result.push({ source, destination, text, complete: true, parts: [record] });
          continue;
        }
        const key = `${record.source}|${record.destination}|${concat.referenceBits}:${concat.reference}|${concat.total}`;
        let group = groups.get(key);
        if (!group || group.parts.some((part) => part.concat?.seq === concat.seq)) {
          // A new message, or the same reference used again by a later message (or a re-send).
          group = { source: record.source, destination: record.destination, text: '', complete: false, parts: [] };
          groups.set(key, group);
          result.push(group);
          joined.push(group);
        }
        group.parts.push(record);
      }
      for (const message of joined) {
        message.parts.sort((a, b) => (a.concat?.seq ?? 0) - (b.concat?.seq ?? 0));
        const first = message.parts[0]!;
        message.complete = message.parts.length === first.concat?.total;
        const payloads = message.parts.map((part) => part.shortMessage.subarray(part.udh?.length ?? 0));
        message.text = decodeText(Buffer.concat(payloads), first.dataCoding);
      }
      return result;
    },
    async injectInbound(input) {
      inboundReference = (inboundReference + 1) & 0xffff;
      const reference = inboundReference;
      const encoded = encodeText(input.text, { reference: reference & 0xff });
      const total = encoded.parts.length;
      const deliveries = encoded.parts.map((part, index) => {
        const fields: Record<string, unknown> = {
          ...addressFields(input.from, input.to),
          esm_class: part.esmClass,
          data_coding: part.dataCoding,
          short_message: part.shortMessage,
        };
        if (total > 1 && input.concat === 'udh16') {
          // 16-bit reference element (TS 23.040 §9.2.3.24.8): 06 08 04 refHi refLo total seq.
          const body = part.shortMessage.subarray(concatUdh(0, total, index + 1).length);
          const udh = Buffer.from([0x06, 0x08, 0x04, reference >> 8, reference & 0xff, total, index + 1]);
          fields['short_message'] = Buffer.concat([udh, body]);
        } else if (total > 1 && input.concat === 'sar') {
          fields['short_message'] = part.shortMessage.subarray(concatUdh(0, total, index + 1).length);
          fields['esm_class'] = 0;
          fields['sar_msg_ref_num'] = reference;
          fields['sar_total_segments'] = total;
          fields['sar_segment_seqnum'] = index + 1;
        }
        return deliver(fields, { systemId: input.systemId });
      });
      const statuses = await Promise.all(deliveries);
      if (statuses.some((status) => status !== CommandStatus.ESME_ROK)) throw new Error('An inbound part was refused');
      return { parts: total };
    },
    sendReceipt(input) {
      return deliver(
        receiptFields({
          messageId: input.messageId,
          outcome: input.outcome ?? 'delivered',
          source: input.to ?? '+15550000000',
          destination: input.from ?? '+15550000001',
          text: '',
          submittedAt: Date.now(),
        }),
        { systemId: input.systemId },
      );
    },
    sendDeliverSm(fields, deliverOptions) {
      return deliver(fields, { systemId: deliverOptions?.systemId, retry: false });
    },
    sendRaw(bytes) {
      for (const sim of boundSessions()) sim.session.socket.write(bytes);
    },
    dropConnections() {
      for (const sim of [...sessions]) sim.session.destroy();
    },
    get sessionCount() {
      return boundSessions().length;
    },
    get stats() {
      return { ...stats };
    },
    reset() {
      submitted.length = 0;
      received.length = 0;
      stats.maxInFlight = stats.inFlight;
      stats.maxBound = boundSessions().length;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const delivery of outstanding) clearTimeout(delivery.timer);
      for (const delivery of [...outstanding, ...waiting]) delivery.fail(new Error('Simulator closed'));
      outstanding.clear();
      waiting.length = 0;
      for (const sim of [...sessions]) sim.session.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
