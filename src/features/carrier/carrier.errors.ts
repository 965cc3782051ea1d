import { defineErrors } from '../../platform/http/errors.js';
import { commandStatusName, formatCommandStatus } from './smpp-codec.js';

/** Registered codes of the route table (CLI answers). */
export const CarrierErrors = defineErrors({
  'carrier.invalid_route': { status: 400, message: 'The SMPP route URL is not valid' },
});

/**
 * Errors of the carrier link. Two kinds, and callers branch only on the kind:
 * - TransientCarrierError: the message may not have reached the carrier, or the carrier asked us to slow
 *   down; re-queue it and send it again later with the same message id (at-least-once delivery).
 * - PermanentCarrierError: the carrier refused this message; retrying it unchanged will not help.
 *   `errorCode` is what the message's errorCode field stores.
 */
export abstract class CarrierError extends Error {
  abstract readonly retryable: boolean;
}

export type TransientReason =
  /** The connection closed while the PDU awaited its response; the carrier may or may not have it. */
  | 'disconnected'
  /** No response within responseTimeoutMs; the carrier may or may not have it. */
  | 'timeout'
  /** ESME_RTHROTTLED (0x58): the carrier's rate limit. */
  | 'throttled'
  /** ESME_RMSGQFUL (0x14): the carrier's queue is full. */
  | 'queue_full'
  /** A status configured as transient (SmppSessionOptions.transientStatuses). */
  | 'carrier_status'
  /** Not sent within queueTimeoutMs: the link was down or saturated. Never reached the carrier. */
  | 'queue_timeout'
  /** The session was closed before the message was sent. Never reached the carrier. */
  | 'closed'
  /** No carrier route is configured for the sender (links.ts). Never reached a carrier. */
  | 'no_route'
  /**
   * The route is exclusive and another worker process holds its lease (link-leases.ts), so only that process may
   * send on it. Never reached a carrier; not a fault of the message or the link: try again shortly, without counting
   * it against the message's attempts.
   */
  | 'route_held_elsewhere';

export class TransientCarrierError extends CarrierError {
  readonly retryable = true;
  /** The SMPP command_status when the carrier answered, e.g. 0x58. */
  readonly commandStatus: number | undefined;
  /** "0x00000058" when the carrier answered. */
  readonly errorCode: string | undefined;

  constructor(
    readonly reason: TransientReason,
    message: string,
    commandStatus?: number,
  ) {
    super(message);
    this.name = 'TransientCarrierError';
    this.commandStatus = commandStatus;
    this.errorCode = commandStatus === undefined ? undefined : formatCommandStatus(commandStatus);
  }
}

export class PermanentCarrierError extends CarrierError {
  readonly retryable = false;
  /** "0x0000000B": the SMPP command_status as 8 hex digits (see formatCommandStatus). */
  readonly errorCode: string;
  /** e.g. "ESME_RINVDSTADR" when known. */
  readonly statusName: string | undefined;

  constructor(
    readonly commandStatus: number,
    message?: string,
  ) {
    const name = commandStatusName(commandStatus);
    const code = formatCommandStatus(commandStatus);
    super(message ?? `Carrier refused the message: ${name ?? 'status'} ${code}`);
    this.name = 'PermanentCarrierError';
    this.errorCode = code;
    this.statusName = name;
  }
}

export function isTransientCarrierError(error: unknown): error is TransientCarrierError {
  return error instanceof TransientCarrierError;
}

export function isPermanentCarrierError(error: unknown): error is PermanentCarrierError {
  return error instanceof PermanentCarrierError;
}
