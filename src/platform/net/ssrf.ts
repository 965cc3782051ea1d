import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The SSRF guard of every server-side request to a URL a user gave us (webhook subscriptions, MMS `mediaUrl`):
 *
 * - `nonPublicRange` classifies an address: loopback, private, link-local, multicast, reserved, or public (null);
 * - `createGuardedLookup` is a DNS `lookup` for the socket itself, refusing non-public addresses: the check runs on
 *   the very addresses the connection is made to, so a name that resolved to a public address when it was checked
 *   and resolves to 127.0.0.1 now (DNS rebinding) is still refused;
 * - `blockedLiteral` checks a URL whose host is an IP literal, for which Node never calls `lookup`;
 * - `isBlockedPort` is the Fetch Standard's port blocklist.
 *
 * Features word their own errors and decide which rules apply; nothing here knows about them.
 */

export type NonPublicRange = 'loopback' | 'private' | 'link-local' | 'multicast' | 'reserved';

/**
 * Address ranges a server-side request must not reach unless the operator allows it (IANA IPv4 and IPv6
 * Special-Purpose Address Registries, RFC 6890). IPv4-mapped IPv6 addresses are checked as IPv4 (see toIpv4).
 */
const RANGES: [range: NonPublicRange, subnets: [string, number, 'ipv4' | 'ipv6'][]][] = [
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

const BLOCKS = RANGES.map(([range, subnets]) => {
  const list = new BlockList();
  for (const [network, prefix, type] of subnets) list.addSubnet(network, prefix, type);
  return { range, list };
});

/**
 * The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) stands for: a socket to it
 * reaches that IPv4 address. Written out here rather than left to BlockList, whose matching of mapped addresses
 * against IPv4 rules is not documented. The URL parser canonicalises the address, so `::ffff:127.0.0.1`,
 * `::FFFF:7f00:1` and `0:0:0:0:0:ffff:7f00:0001` all read `::ffff:7f00:1`.
 */
function toIpv4(ipv6: string): string | undefined {
  let canonical: string;
  try {
    canonical = new URL(`http://[${ipv6}]/`).hostname;
  } catch {
    return undefined;
  }
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(canonical);
  if (!mapped) return undefined;
  const high = Number.parseInt(mapped[1]!, 16);
  const low = Number.parseInt(mapped[2]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The kind of range `address` lies in, null for a public address, 'invalid' for something that is not an IP. */
export function nonPublicRange(address: string): NonPublicRange | 'invalid' | null {
  // A zone index (fe80::1%eth0) names the interface, not the address.
  const bare = address.replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'invalid';
  const ipv4 = family === 4 ? bare : toIpv4(bare);
  for (const { range, list } of BLOCKS) {
    if (ipv4 ? list.check(ipv4, 'ipv4') : list.check(bare, 'ipv6')) return range;
  }
  return null;
}

/** A connection refused because its address is not public. `code` lets callers tell it from network errors. */
export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKED';
  constructor(
    /** The name (or literal) the URL gave. */
    readonly host: string,
    /** The address it stands for. */
    readonly address: string,
    readonly range: NonPublicRange | 'invalid',
  ) {
    super(`${host === address ? address : `${host} (${address})`} is a ${range} address`);
    this.name = 'BlockedAddressError';
  }
}

/** The host of `url` without IPv6 brackets: `[::1]` → `::1`. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The refusal of a URL whose host is a non-public IP literal; undefined for a name (checked by the guarded lookup
 * when connecting) or a public literal. The URL parser has already turned `2130706433` or `0x7f.1` into 127.0.0.1.
 */
export function blockedLiteral(url: URL): BlockedAddressError | undefined {
  const host = hostOf(url);
  if (isIP(host) === 0) return undefined;
  const range = nonPublicRange(host);
  return range ? new BlockedAddressError(host, host, range) : undefined;
}

type Resolve = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface GuardedLookupOptions {
  /** Let every address through (WEBHOOK_ALLOW_PRIVATE, MEDIA_ALLOW_PRIVATE_URLS: tests, a demo on one machine). */
  allowPrivate: boolean;
  /** The resolver: dns.lookup (the system's, as Node's own sockets use) when absent. */
  resolve?: Resolve;
}

/**
 * A `lookup` for http(s) requests and agents: resolves every address of the name and refuses the connection with
 * a BlockedAddressError when any of them is not public (a name with one private address among public ones could
 * be answered either way on the next lookup). Honours `all` (Node's happy-eyeballs connect asks for every address).
 */
export function createGuardedLookup(options: GuardedLookupOptions): LookupFunction {
  const resolve: Resolve =
    options.resolve ?? ((hostname, resolveOptions, callback) => dnsLookup(hostname, resolveOptions, callback));
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      if (addresses.length === 0) {
        const none = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
        return callback(none, '', 0);
      }
      if (!options.allowPrivate) {
        for (const { address } of addresses) {
          const range = nonPublicRange(address);
          if (range) return callback(new BlockedAddressError(hostname, address, range), '', 0);
        }
      }
      if (lookupOptions.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      return callback(null, first!.address, first!.family);
    });
  };
}

/** Fetch Standard, §2.9 "port blocking" (https://fetch.spec.whatwg.org/#port-blocking): SMTP, SSH, IRC, …. */
const BAD_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** The port an http(s) URL connects to: its own, or the scheme's default. */
export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * Ports browsers refuse to fetch from: they belong to protocols (mail, shell, chat) whose servers may act on an
 * HTTP request's lines, so an HTTP client must not be turned against them.
 */
export function isBlockedPort(port: number): boolean {
  return BAD_PORTS.has(port);
}
