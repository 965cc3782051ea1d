import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Outbound HTTP for webhooks (the validation handshake and deliveries), with the SSRF guard of CONTRACT.md §7:
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

/** Fetch Standard, §2.9 "port blocking" (https://fetch.spec.whatwg.org/#port-blocking). */
const BAD_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

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
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (BAD_PORTS.has(port)) return { ok: false, reason: `Port ${port} is not allowed for webhooks` };
  return { ok: true, url };
}

/**
 * Address ranges webhooks are not sent to (IANA IPv4 and IPv6 Special-Purpose Address Registries, RFC 6890).
 * Node's BlockList also matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 rules.
 */
const RANGES: [label: string, subnets: [string, number, 'ipv4' | 'ipv6'][]][] = [
  [
    'loopback',
    [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  ],
  [
    'private',
    [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['100.64.0.0', 10, 'ipv4'], // shared address space (carrier-grade NAT), RFC 6598
      ['fc00::', 7, 'ipv6'], // unique local, RFC 4193
      ['fec0::', 10, 'ipv6'], // site-local, deprecated by RFC 3879 but still routed internally
    ],
  ],
  [
    'link-local',
    [
      ['169.254.0.0', 16, 'ipv4'], // includes cloud metadata services (169.254.169.254)
      ['fe80::', 10, 'ipv6'],
    ],
  ],
  [
    'multicast',
    [
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ],
  ],
  [
    'reserved',
    [
      ['0.0.0.0', 8, 'ipv4'], // "this network"
      ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
      ['192.0.2.0', 24, 'ipv4'], // TEST-NET-1
      ['192.88.99.0', 24, 'ipv4'], // 6to4 relay anycast
      ['198.18.0.0', 15, 'ipv4'], // benchmarking
      ['198.51.100.0', 24, 'ipv4'], // TEST-NET-2
      ['203.0.113.0', 24, 'ipv4'], // TEST-NET-3
      ['240.0.0.0', 4, 'ipv4'], // reserved, and 255.255.255.255 broadcast
      ['::', 96, 'ipv6'], // unspecified and IPv4-compatible (deprecated)
      ['64:ff9b::', 96, 'ipv6'], // NAT64: would reach IPv4 addresses through a translator
      ['64:ff9b:1::', 48, 'ipv6'], // local-use NAT64
      ['100::', 64, 'ipv6'], // discard-only
      ['2001::', 23, 'ipv6'], // IETF protocol assignments (Teredo, ORCHID, …)
      ['2001:db8::', 32, 'ipv6'], // documentation
      ['2002::', 16, 'ipv6'], // 6to4: embeds an IPv4 address
    ],
  ],
];

const BLOCKS = RANGES.map(([label, subnets]) => {
  const list = new BlockList();
  for (const [network, prefix, type] of subnets) list.addSubnet(network, prefix, type);
  return { label, list };
});

/** The kind of range `address` lies in ("loopback", "private", …), or null for a public address. */
export function nonPublicRange(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'invalid';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { label, list } of BLOCKS) if (list.check(address, type)) return label;
  return null;
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

function notAllowed(host: string, address: string, range: string): OutboundError {
  const shown = host === address ? address : `${host} (${address})`;
  return new OutboundError('not_allowed', `${shown} is a ${range} address; webhooks are sent to public addresses only`);
}

/** dns.lookup that refuses non-public addresses unless they are allowed; every address of the name must pass. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      if (addresses.length === 0) return callback(new OutboundError('network', `${hostname} has no address`), '', 0);
      if (!allowPrivate) {
        for (const { address } of addresses) {
          const range = nonPublicRange(address);
          if (range) return callback(notAllowed(hostname, address, range), '', 0);
        }
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      return callback(null, first!.address, first!.family);
    });
  };
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
  const lookup = guardedLookup(allowPrivate);
  const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS, lookup, scheduling: 'lifo' as const };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

  function once(request: OutboundRequest, deadline: number): Promise<OutboundResponse> {
    const { url } = request;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!allowPrivate && isIP(host)) {
      const range = nonPublicRange(host);
      if (range) return Promise.reject(notAllowed(host, host, range));
    }
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
