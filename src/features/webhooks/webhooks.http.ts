import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import {
  BlockedAddressError,
  blockedLiteral,
  createGuardedLookup,
  isBlockedPort,
  portOf,
} from '../../platform/net/ssrf.js';

/**
 * Outbound HTTP for webhooks (the validation handshake and deliveries), with the SSRF guard of CONTRACT.md §7
 * (platform/net/ssrf.ts):
 *
 * - only `http:` and `https:` URLs, without credentials, and not to the ports the Fetch Standard blocks (§2.9
 *   "port blocking": SMTP, SSH, IRC, …), which are never HTTP servers;
 * - unless `allowPrivate` (WEBHOOK_ALLOW_PRIVATE) is set, the address connected to must be public: the check runs
 *   in the socket's own DNS `lookup`, i.e. on the very address the connection is made to, so a name that resolved
 *   to a public address when the subscription was validated and to 127.0.0.1 now (DNS rebinding) is still refused.
 *   IP literals skip DNS (Node does not call `lookup` for them), so they are checked before connecting;
 * - redirects are never followed: a 3xx is an answer like any other (a failed attempt);
 * - one deadline covers the whole exchange (connect, headers, body).
 *
 * Kept-alive agents carry the connections of every subscription; a socket's address was checked when it connected.
 */

/** Longest subscription uri accepted. */
export const MAX_URI_LENGTH = 2048;

/** Reads a subscription uri; the reason is a sentence for the error message. */
export function parseWebhookUri(raw: string): { ok: true; url: URL } | { ok: false; reason: string } {
  if (raw.length > MAX_URI_LENGTH) return { ok: false, reason: `The uri is longer than ${MAX_URI_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'The uri is not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: 'The uri must use http or https' };
  }
  if (url.username || url.password) return { ok: false, reason: 'The uri must not contain credentials' };
  if (!url.hostname) return { ok: false, reason: 'The uri names no host' };
  const port = portOf(url);
  if (isBlockedPort(port)) return { ok: false, reason: `Port ${port} is not allowed for webhooks` };
  return { ok: true, url };
}

export type OutboundErrorKind = 'not_allowed' | 'timeout' | 'network' | 'aborted' | 'too_large';

/** Why an outbound request got no answer. `message` is safe to store and show to the subscriber. */
export class OutboundError extends Error {
  constructor(
    readonly kind: OutboundErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

function notAllowed(blocked: BlockedAddressError): OutboundError {
  return new OutboundError('not_allowed', `${blocked.message}; webhooks are sent to public addresses only`);
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Deadline of the whole exchange. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The first `captureBytes` of the body, as UTF-8. */
  body: string;
}

export interface OutboundHttpOptions {
  allowPrivate: boolean;
  userAgent: string;
  /** Bytes of the response body kept (1024). */
  captureBytes?: number;
}

/** Bodies longer than this are cut off: the connection is dropped rather than read on. */
const MAX_READ_BYTES = 1024 * 1024;
/**
 * Idle kept-alive sockets are closed after this, before the common 5 s server keep-alive timeouts (Node's own
 * default), so a request is rarely written to a socket the receiver is closing.
 */
const IDLE_SOCKET_MS = 4000;

export function createOutboundHttp(options: OutboundHttpOptions) {
  const { allowPrivate, userAgent } = options;
  const captureBytes = options.captureBytes ?? 1024;
  const lookup = createGuardedLookup({ allowPrivate });
  const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS, lookup, scheduling: 'lifo' as const };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

  function once(request: OutboundRequest, deadline: number): Promise<OutboundResponse> {
    const { url } = request;
    const blocked = allowPrivate ? undefined : blockedLiteral(url);
    if (blocked) return Promise.reject(notAllowed(blocked));
    const transport = url.protocol === 'https:' ? https : http;
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, response?: OutboundResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(response!);
      };
      const req = transport.request(url, {
        method: request.method,
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup,
        headers: {
          'user-agent': userAgent,
          ...request.headers,
          ...(body ? { 'content-length': String(body.length) } : {}),
        },
      });
      const timer = setTimeout(
        () => {
          const error = new OutboundError('timeout', `no complete answer within ${request.timeoutMs} ms`);
          req.destroy(error);
          finish(error);
        },
        Math.max(0, deadline - Date.now()),
      );
      const onAbort = () => {
        const error = new OutboundError('aborted', 'the request was abandoned (the worker is stopping)');
        req.destroy(error);
        finish(error);
      };
      if (request.signal?.aborted) return onAbort();
      request.signal?.addEventListener('abort', onAbort, { once: true });

      req.on('error', (error) => finish(classify(error, req.reusedSocket)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (kept < captureBytes) {
            const part = chunk.subarray(0, captureBytes - kept);
            chunks.push(part);
            kept += part.length;
          }
          if (read > MAX_READ_BYTES) {
            // Enough to judge the answer; reading on would let a receiver hold the slot with an endless body.
            res.destroy();
            finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: decode(chunks) });
          }
        });
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: decode(chunks) }));
        res.on('error', (error) => finish(classify(error, false)));
      });
      req.end(body);
    });
  }

  return {
    /**
     * Sends one request and reads the answer. Rejects with an OutboundError when there is no answer (refused
     * address, timeout, network failure). A kept-alive socket that the receiver closed just as it was reused
     * (ECONNRESET before any answer) is retried once on a new connection, as Node's documentation recommends.
     */
    async send(request: OutboundRequest): Promise<OutboundResponse> {
      const deadline = Date.now() + request.timeoutMs;
      try {
        return await once(request, deadline);
      } catch (error) {
        if (error instanceof StaleSocketError && Date.now() < deadline) return once(request, deadline);
        if (error instanceof StaleSocketError) throw new OutboundError('network', error.message);
        throw error;
      }
    },
    close(): void {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

export type OutboundHttp = ReturnType<typeof createOutboundHttp>;

class StaleSocketError extends Error {}

function classify(error: Error, reusedSocket: boolean): Error {
  if (error instanceof OutboundError) return error;
  if (error instanceof BlockedAddressError) return notAllowed(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (reusedSocket && code === 'ECONNRESET') return new StaleSocketError('connection reset (ECONNRESET)');
  const described = code ? `${describeCode(code)} (${code})` : error.message;
  return new OutboundError('network', described);
}

function describeCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    default:
      return code.startsWith('ERR_TLS') || code.includes('CERT') ? 'TLS failure' : 'network error';
  }
}

/** The captured body as text that both databases store: PostgreSQL `text` cannot hold NUL characters. */
function decode(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString('utf8').replaceAll('\u0000', '');
}
