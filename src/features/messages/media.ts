import { randomBytes } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { MessageErrorCode } from './messages.errors.js';

/**
 * MMS media: what may be sent (CONTRACT.md §4: at most 10 items and 5 MB in all; JPEG, PNG, GIF, MP4, MP3, PDF,
 * vCard), fetching `mediaUrl`s safely, and storing media behind an interface so an S3-compatible store can replace
 * the file store later.
 */
export const MEDIA_LIMITS = {
  maxItems: 10,
  maxTotalBytes: 5 * 1024 * 1024,
  /** Whole fetch of one URL, connection to last byte. */
  fetchTimeoutMs: 10_000,
} as const;

/** Allowed content types → the file extension they are stored under. */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'audio/mpeg': 'mp3',
  'application/pdf': 'pdf',
  'text/vcard': 'vcf',
};
const TYPE_BY_EXTENSION = Object.fromEntries(Object.entries(MEDIA_TYPES).map(([type, ext]) => [ext, type]));
/** Other names seen in the wild for the allowed types. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'audio/mp3': 'audio/mpeg',
  'audio/mpeg3': 'audio/mpeg',
  'text/x-vcard': 'text/vcard',
  'text/directory': 'text/vcard',
};

export class MediaError extends Error {
  constructor(
    readonly code: MessageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}

/**
 * The content type of `bytes`: by their magic numbers when recognisable (a client's or server's label is only a
 * claim), else the declared type. Undefined when the result is not an allowed type.
 */
export function mediaTypeOf(bytes: Buffer, declared: string | undefined): string | undefined {
  const sniffed = sniff(bytes);
  if (sniffed) return sniffed;
  const base = declared?.split(';')[0]?.trim().toLowerCase();
  if (!base) return undefined;
  const type = TYPE_ALIASES[base] ?? base;
  return MEDIA_TYPES[type] ? type : undefined;
}

function sniff(bytes: Buffer): string | undefined {
  const starts = (hex: string, offset = 0) => bytes.subarray(offset, offset + hex.length / 2).toString('hex') === hex;
  if (starts('ffd8ff')) return 'image/jpeg';
  if (starts('89504e470d0a1a0a')) return 'image/png';
  if (starts('474946383761') || starts('474946383961')) return 'image/gif';
  if (starts('255044462d')) return 'application/pdf';
  if (bytes.length >= 12 && bytes.subarray(4, 8).toString('latin1') === 'ftyp') return 'video/mp4';
  if (starts('494433') || (bytes.length > 1 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0)) return 'audio/mpeg';
  if (/^\s*BEGIN:VCARD/i.test(bytes.subarray(0, 64).toString('latin1'))) return 'text/vcard';
  return undefined;
}

// ── Storage ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface StoredMedia {
  /** Unguessable (128 random bits) and final: the public URL is `{PUBLIC_URL}/m/{key}`. */
  key: string;
  contentType: string;
  size: number;
}

export interface MediaStore {
  put(bytes: Buffer, contentType: string): Promise<StoredMedia>;
  /** Undefined for a key that is malformed or not stored. */
  open(key: string): Promise<{ stream: Readable; contentType: string; size: number } | undefined>;
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{22}\.(jpg|png|gif|mp4|mp3|pdf|vcf)$/;

/** Media as files under `dir` (DATA_DIR/media), named by their key. */
export function createFileMediaStore(dir: string): MediaStore {
  let ready: Promise<unknown> | undefined;
  return {
    async put(bytes, contentType) {
      const extension = MEDIA_TYPES[contentType];
      if (!extension) throw new TypeError(`not a media type we store: ${contentType}`);
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const key = `${randomBytes(16).toString('base64url')}.${extension}`;
      // Written aside and renamed, so a reader never sees half a file.
      const temporary = join(dir, `.${key}.tmp`);
      await writeFile(temporary, bytes, { mode: 0o600 });
      await rename(temporary, join(dir, key));
      return { key, contentType, size: bytes.length };
    },
    async open(key) {
      if (!KEY_PATTERN.test(key)) return undefined;
      const file = join(dir, key);
      try {
        const info = await stat(file);
        const contentType = TYPE_BY_EXTENSION[key.split('.').pop()!]!;
        return { stream: createReadStream(file), contentType, size: info.size };
      } catch {
        return undefined;
      }
    },
  };
}

// ── Fetching mediaUrl ───────────────────────────────────────────────────────────────────────────────────────

/**
 * Addresses a server-side fetch must not reach unless the operator allows it (SSRF): loopback, private (RFC 1918,
 * RFC 4193), link-local (cloud metadata lives at 169.254.169.254), carrier-grade NAT, benchmarking, multicast,
 * reserved and unspecified ranges. IPv4-mapped IPv6 addresses are checked as IPv4.
 */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

export function isBlockedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface FetchOptions {
  /** Bytes this fetch may use at most (what is left of the 5 MB). */
  maxBytes: number;
  timeoutMs?: number;
  /** Allow private and loopback targets (tests, a demo on one machine). */
  allowPrivate?: boolean;
}

/**
 * GETs one media URL: http(s) only, no redirects followed, every resolved address checked against the blocked
 * ranges and the connection made to the checked address (no DNS rebinding between check and connect), one deadline
 * for the whole fetch, the body cut off at maxBytes. Throws MediaError.
 */
export async function fetchMedia(raw: string, options: FetchOptions): Promise<{ bytes: Buffer; contentType: string }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MediaError('messages.invalid_media', `Not a URL: ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MediaError('messages.invalid_media', 'A media URL must be http or https');
  }
  if (url.username || url.password)
    throw new MediaError('messages.invalid_media', 'A media URL may not carry credentials');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const allowPrivate = options.allowPrivate === true;
  if (isIP(host) && !allowPrivate && isBlockedAddress(host)) {
    throw new MediaError('messages.invalid_media', 'A media URL may not point to a private or local address');
  }

  const lookup = (
    hostname: string,
    lookupOptions: { all?: boolean; family?: number },
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { all: true, family: lookupOptions.family ?? 0 }, (error, addresses) => {
      if (error) return callback(error, '');
      const usable = allowPrivate ? addresses : addresses.filter((a) => !isBlockedAddress(a.address));
      if (usable.length === 0 || usable.length !== addresses.length) {
        const refused = Object.assign(new Error('the host resolves to a private or local address'), {
          code: 'EBLOCKED',
        });
        return callback(refused, '');
      }
      if (lookupOptions.all) return callback(null, usable);
      return callback(null, usable[0]!.address, usable[0]!.family);
    });
  };

  const signal = AbortSignal.timeout(options.timeoutMs ?? MEDIA_LIMITS.fetchTimeoutMs);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const fail = (code: MessageErrorCode, message: string) => reject(new MediaError(code, message));
    const request = client.get(
      url,
      {
        lookup: lookup as never,
        signal,
        headers: { accept: Object.keys(MEDIA_TYPES).join(', '), 'user-agent': 'StratusConnect-media/1' },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.resume();
          return fail(
            'messages.media_fetch_failed',
            `${url.host} answered a redirect (${status}); redirects are not followed`,
          );
        }
        if (status < 200 || status >= 300) {
          response.resume();
          return fail('messages.media_fetch_failed', `${url.host} answered ${status}`);
        }
        const declaredLength = Number(response.headers['content-length']);
        if (Number.isFinite(declaredLength) && declaredLength > options.maxBytes) {
          response.destroy();
          return fail('messages.media_too_large', 'The media of one message may not exceed 5 MB in all');
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            response.destroy();
            fail('messages.media_too_large', 'The media of one message may not exceed 5 MB in all');
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', () => fail('messages.media_fetch_failed', `${url.host}: the download failed`));
        response.on('end', () => {
          if (size > options.maxBytes) return;
          const bytes = Buffer.concat(chunks);
          const contentType = mediaTypeOf(bytes, response.headers['content-type']);
          if (!contentType)
            return fail('messages.unsupported_media_type', 'Media must be JPEG, PNG, GIF, MP4, MP3, PDF or vCard');
          resolve({ bytes, contentType });
        });
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EBLOCKED')
        return fail('messages.invalid_media', 'A media URL may not point to a private or local address');
      if (signal.aborted) return fail('messages.media_fetch_failed', `${url.host} did not answer in time`);
      fail('messages.media_fetch_failed', `${url.host} could not be reached`);
    });
  });
}
