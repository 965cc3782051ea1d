import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Clock } from '../../platform/clock.js';
import {
  BlockedAddressError,
  blockedLiteral,
  createGuardedLookup,
  isBlockedPort,
  portOf,
} from '../../platform/net/ssrf.js';
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

/** Media stored for a send not (yet) known to have committed: the key and when its pending marker was written. */
export interface PendingMedia {
  key: string;
  /** Clock time of put(), in ms since the epoch. */
  storedAt: number;
}

/**
 * A pending marker older than this belongs to a send that will never commit (its process died between storing and
 * committing, or its clean-up failed): the sweep deletes its media unless a message references them. An accept
 * takes two minutes at most (10 fetches of 10 s each, then one transaction), so an hour leaves a wide margin.
 */
export const MEDIA_PENDING_GRACE_MS = 60 * 60 * 1000;

/**
 * Where media live. put() stores bytes as pending (a marker beside them, written first): keep() removes the marker
 * once a committed message references them, delete() removes media and marker when the send made no message, and
 * the messages sweep settles markers that a crash left behind (README.md, Media).
 */
export interface MediaStore {
  put(bytes: Buffer, contentType: string): Promise<StoredMedia>;
  /** Undefined for a key that is malformed or not stored. */
  open(key: string): Promise<{ stream: Readable; contentType: string; size: number } | undefined>;
  /** Their message committed: the media stay, their pending marker goes. A key without a marker is no error. */
  keep(key: string): Promise<void>;
  /** Removes the media and their marker. A key not stored (or malformed) is no error. */
  delete(key: string): Promise<void>;
  /** Every pending marker. */
  pending(): Promise<PendingMedia[]>;
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{22}\.(jpg|png|gif|mp4|mp3|pdf|vcf)$/;
/** Markers live in this subfolder: a key never contains a slash, so open() cannot reach one. */
const PENDING_FOLDER = 'pending';

/**
 * Media as files under `dir` (DATA_DIR/media), named by their key; pending markers as files `pending/{key}` holding
 * the clock time of put(), so the sweep reads only the markers and never lists the media themselves.
 */
export function createFileMediaStore(dir: string, clock: Clock): MediaStore {
  const pendingDir = join(dir, PENDING_FOLDER);
  const markerOf = (key: string) => join(pendingDir, key);
  const temporaryOf = (key: string) => join(dir, `.${key}.tmp`);
  let ready: Promise<unknown> | undefined;

  /**
   * The marker's time. One being written (created, still empty) or left empty by a crash is aged by its file's
   * modification time, so a send in flight is never taken for an old one.
   */
  async function storedAtOf(key: string): Promise<number | undefined> {
    try {
      const text = await readFile(markerOf(key), 'utf8');
      return /^\d+$/.test(text) ? Number(text) : (await stat(markerOf(key))).mtimeMs;
    } catch (error) {
      // Removed since the listing (kept or deleted by its send): not pending any more.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  return {
    async put(bytes, contentType) {
      const extension = MEDIA_TYPES[contentType];
      if (!extension) throw new TypeError(`not a media type we store: ${contentType}`);
      ready ??= mkdir(pendingDir, { recursive: true });
      await ready;
      const key = `${randomBytes(16).toString('base64url')}.${extension}`;
      // The marker first, so neither a crash nor a failed write can leave a file without one: the sweep removes
      // what a failed put() wrote.
      await writeFile(markerOf(key), String(clock.now()), { flag: 'wx', mode: 0o600 });
      // Written aside and renamed, so a reader never sees half a file.
      await writeFile(temporaryOf(key), bytes, { mode: 0o600 });
      await rename(temporaryOf(key), join(dir, key));
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
    async keep(key) {
      if (!KEY_PATTERN.test(key)) return;
      await rm(markerOf(key), { force: true });
    },
    async delete(key) {
      if (!KEY_PATTERN.test(key)) return;
      // The files before their marker: a failure in between leaves the marker, so the sweep tries again.
      await rm(join(dir, key), { force: true });
      await rm(temporaryOf(key), { force: true });
      await rm(markerOf(key), { force: true });
    },
    async pending() {
      let names: string[];
      try {
        names = await readdir(pendingDir);
      } catch (error) {
        // Nothing was ever stored here.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const found: PendingMedia[] = [];
      for (const key of names.filter((name) => KEY_PATTERN.test(name))) {
        const storedAt = await storedAtOf(key);
        if (storedAt !== undefined) found.push({ key, storedAt });
      }
      return found;
    },
  };
}

// ── Fetching mediaUrl ───────────────────────────────────────────────────────────────────────────────────────

export interface FetchOptions {
  /** Bytes this fetch may use at most (what is left of the 5 MB). */
  maxBytes: number;
  timeoutMs?: number;
  /** Allow private and loopback targets (tests, a demo on one machine). */
  allowPrivate?: boolean;
}

/**
 * GETs one media URL with the SSRF guard of platform/net/ssrf.ts: http(s) only, not to a port the Fetch Standard
 * blocks, no redirects followed, every resolved address checked against the non-public ranges by the socket's own
 * lookup (so DNS rebinding between a check and the connect does not pass), one deadline for the whole fetch, the
 * body cut off at maxBytes. Throws MediaError.
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
  const port = portOf(url);
  if (isBlockedPort(port)) throw new MediaError('messages.invalid_media', `A media URL may not use port ${port}`);
  const allowPrivate = options.allowPrivate === true;
  if (!allowPrivate && blockedLiteral(url)) {
    throw new MediaError('messages.invalid_media', 'A media URL may not point to a private or local address');
  }
  const lookup = createGuardedLookup({ allowPrivate });

  const signal = AbortSignal.timeout(options.timeoutMs ?? MEDIA_LIMITS.fetchTimeoutMs);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const fail = (code: MessageErrorCode, message: string) => reject(new MediaError(code, message));
    const request = client.get(
      url,
      {
        lookup,
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
      if (error instanceof BlockedAddressError)
        return fail('messages.invalid_media', 'A media URL may not point to a private or local address');
      if (signal.aborted) return fail('messages.media_fetch_failed', `${url.host} did not answer in time`);
      fail('messages.media_fetch_failed', `${url.host} could not be reached`);
    });
  });
}
