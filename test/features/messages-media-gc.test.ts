import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFileMediaStore, MEDIA_PENDING_GRACE_MS, type MediaStore } from '../../src/features/messages/media.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders } from '../harness/auth.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture, randomUsNumber } from '../harness/factories.js';
import { optOutNumber, STAGE } from './messages-helpers.js';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(200, 7)]);

/** A key as the store makes them (128 random bits), for files a crashed process would have left. */
function newKey(extension = 'png'): string {
  return `${randomBytes(16).toString('base64url')}.${extension}`;
}

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [])).sort();
}

describe('the file media store', () => {
  let dir: string;
  let clock: ManualClock;
  let store: MediaStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stratus-media-'));
    clock = new ManualClock(Date.UTC(2026, 3, 1));
    store = createFileMediaStore(dir, clock);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has nothing pending before anything was stored', async () => {
    expect(await store.pending()).toEqual([]);
  });

  it('stores media as pending with the clock’s time, keeps them without the marker, deletes them with it', async () => {
    const first = await store.put(PNG, 'image/png');
    clock.advance(5);
    const second = await store.put(PNG, 'image/png');
    expect(await readFile(join(dir, 'pending', first.key), 'utf8')).toBe(String(Date.UTC(2026, 3, 1)));
    expect((await store.pending()).sort((a, b) => a.storedAt - b.storedAt)).toEqual([
      { key: first.key, storedAt: Date.UTC(2026, 3, 1) },
      { key: second.key, storedAt: Date.UTC(2026, 3, 1) + 5 },
    ]);

    await store.keep(first.key);
    await store.delete(second.key);
    expect(await store.pending()).toEqual([]);
    expect(await entries(dir)).toEqual([first.key, 'pending'].sort());
    expect((await store.open(first.key))?.size).toBe(PNG.length);
    expect(await store.open(second.key)).toBeUndefined();
  });

  it('takes deleting or keeping a missing or malformed key as no error', async () => {
    await expect(store.delete(newKey())).resolves.toBeUndefined();
    await expect(store.keep(newKey())).resolves.toBeUndefined();
    await expect(store.delete('../secret.key')).resolves.toBeUndefined();
    await expect(store.keep('../secret.key')).resolves.toBeUndefined();
  });

  it('deletes the half-written temporary file a crash left with the media', async () => {
    const key = newKey();
    await mkdir(join(dir, 'pending'), { recursive: true });
    await writeFile(join(dir, 'pending', key), String(clock.now()));
    await writeFile(join(dir, `.${key}.tmp`), PNG.subarray(0, 10));
    await store.delete(key);
    expect(await entries(dir)).toEqual(['pending']);
    expect(await entries(join(dir, 'pending'))).toEqual([]);
  });

  it('ages a marker left empty by a crash by its file’s modification time', async () => {
    const key = newKey();
    await mkdir(join(dir, 'pending'), { recursive: true });
    await writeFile(join(dir, 'pending', key), '');
    const modified = new Date(Date.UTC(2025, 5, 1));
    await utimes(join(dir, 'pending', key), modified, modified);
    expect(await store.pending()).toEqual([{ key, storedAt: modified.getTime() }]);
  });

  it('lists only markers named by a key', async () => {
    await store.put(PNG, 'image/png');
    await writeFile(join(dir, 'pending', 'notes.txt'), '1');
    expect(await store.pending()).toHaveLength(1);
  });

  it('reports a pending folder it cannot read instead of taking it as empty', async () => {
    await writeFile(join(dir, 'pending'), 'not a folder');
    await expect(store.pending()).rejects.toMatchObject({ code: 'ENOTDIR' });
    await rm(join(dir, 'pending'));
    await mkdir(join(dir, 'pending', newKey()), { recursive: true });
    await expect(store.pending()).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

/** A media host on loopback: a PNG, a 404 and plain text. */
async function startMediaHost(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/pic.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end(PNG);
    }
    if (req.url === '/notes.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('just text');
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe(`MMS media garbage collection on ${testDialect()}`, () => {
  const clock = new ManualClock(Date.UTC(2026, 3, 1));
  let dataDir: string;
  let mediaDir: string;
  let pendingDir: string;
  let host: { server: Server; base: string };
  let platform: TestPlatform;
  let org: Awaited<ReturnType<typeof createOrgFixture>>;
  let headers: Record<string, string>;
  beforeAll(async () => {
    host = await startMediaHost();
    dataDir = await mkdtemp(join(tmpdir(), 'stratus-media-gc-'));
    mediaDir = join(dataDir, 'media');
    pendingDir = join(mediaDir, 'pending');
    platform = await createTestPlatform({
      clock,
      env: {
        DATA_DIR: dataDir,
        MEDIA_ALLOW_PRIVATE_URLS: 'true',
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
      },
    });
    org = await createOrgFixture(platform.container, 'Media GC Org');
  });
  beforeEach(async () => {
    // A token per test: the clock moves by hours between tests.
    headers = await authHeaders(platform, org.organization.id);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    // Every test starts with nothing pending: what one left is settled now.
    clock.advance(MEDIA_PENDING_GRACE_MS);
    await platform.container.messages.sweep();
    expect(await entries(pendingDir)).toEqual([]);
  });
  afterAll(async () => {
    await platform.close();
    host.server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const mediaFiles = async () => (await entries(mediaDir)).filter((name) => name !== 'pending');
  const sendMms = (payload: Record<string, unknown>, extraHeaders: Record<string, string> = {}) =>
    platform.app.inject({
      method: 'POST',
      url: `${STAGE}/message/sendmms`,
      headers: { ...headers, ...extraHeaders },
      payload: { from: org.phoneNumber, to: randomUsNumber(), mediaUrl: `${host.base}/pic.png`, ...payload },
    });
  const keyOf = async (messageId: string): Promise<string> => {
    const message = await platform.container.messages.findById(messageId);
    return message!.media[0]!.key;
  };
  /** The leftovers of a process killed between storing and committing: a media file and its pending marker. */
  const crashLeftovers = async (storedAt: number): Promise<string> => {
    const key = newKey();
    await mkdir(pendingDir, { recursive: true });
    await writeFile(join(mediaDir, key), PNG);
    await writeFile(join(pendingDir, key), String(storedAt));
    return key;
  };

  it('keeps the media of an accepted MMS, without a pending marker once answered, and serves them', async () => {
    const before = await mediaFiles();
    const response = await sendMms({ text: 'kept' });
    expect(response.statusCode).toBe(200);
    const key = await keyOf(response.json().id);
    expect(await mediaFiles()).toEqual([...before, key].sort());
    expect(await entries(pendingDir)).toEqual([]);
    const served = await platform.app.inject({ url: `/m/${key}` });
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(PNG)).toBe(true);
  });

  it('deletes the media of an MMS to an opted-out recipient (refused in the accept transaction)', async () => {
    const to = randomUsNumber();
    await optOutNumber(platform, org.organization.id, to);
    const before = await mediaFiles();
    const response = await sendMms({ to });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('messages.recipient_opted_out');
    expect(await mediaFiles()).toEqual(before);
    expect(await entries(pendingDir)).toEqual([]);
  });

  it('deletes the media of a concurrent twin refused as an Idempotency-Key mismatch', async () => {
    const before = await mediaFiles();
    const to = randomUsNumber();
    const key = { 'idempotency-key': 'gc-mismatch' };
    const responses = await Promise.all([sendMms({ to, text: 'one' }, key), sendMms({ to, text: 'two' }, key)]);
    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 422]);
    const accepted = responses.find((response) => response.statusCode === 200)!;
    expect(await mediaFiles()).toEqual([...before, await keyOf(accepted.json().id)].sort());
    expect(await entries(pendingDir)).toEqual([]);
  });

  it('deletes the media of a concurrent twin answered with the replayed answer', async () => {
    const before = await mediaFiles();
    const params = { to: randomUsNumber(), text: 'twins' };
    const key = { 'idempotency-key': 'gc-replay' };
    const responses = await Promise.all([sendMms(params, key), sendMms(params, key)]);
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200]);
    expect(responses[1]!.json().id).toBe(responses[0]!.json().id);
    expect(await mediaFiles()).toEqual([...before, await keyOf(responses[0]!.json().id)].sort());
    expect(await entries(pendingDir)).toEqual([]);
  });

  it('leaves the media of a failed accept transaction to the sweep, which removes them when unreferenced', async () => {
    const before = await mediaFiles();
    const spy = vi
      .spyOn(platform.container.database, 'transaction')
      .mockRejectedValue(new Error('database unavailable'));
    const response = await sendMms({});
    expect(response.statusCode).toBe(500);
    spy.mockRestore();
    // The commit might have happened with its answer lost: the files stay pending until the sweep looks.
    const left = (await mediaFiles()).filter((file) => !before.includes(file));
    expect(left).toHaveLength(1);
    expect(await entries(pendingDir)).toEqual(left);
    clock.advance(MEDIA_PENDING_GRACE_MS);
    expect(await platform.container.messages.sweep()).toMatchObject({ removedMedia: 1 });
    expect(await mediaFiles()).toEqual(before);
    expect(await entries(pendingDir)).toEqual([]);
  });

  it.each([
    ['a later URL fails', ['/pic.png', '/missing'], 400, 'messages.media_fetch_failed'],
    ['a later URL is not an allowed type', ['/pic.png', '/notes.txt'], 415, 'messages.unsupported_media_type'],
  ])('deletes the media already stored when %s', async (_name, paths, status, code) => {
    const before = await mediaFiles();
    const response = await sendMms({ mediaUrl: paths.map((path) => `${host.base}${path}`) });
    expect(response.statusCode).toBe(status);
    expect(response.json().code).toBe(code);
    expect(await mediaFiles()).toEqual(before);
    expect(await entries(pendingDir)).toEqual([]);
  });

  it('removes a crash’s unreferenced media once the grace period is over, and keeps younger ones', async () => {
    const old = await crashLeftovers(clock.now() - MEDIA_PENDING_GRACE_MS);
    const young = await crashLeftovers(clock.now() - MEDIA_PENDING_GRACE_MS + 1);
    expect(await platform.container.messages.sweep()).toMatchObject({ removedMedia: 1, keptMedia: 0 });
    expect(existsSync(join(mediaDir, old))).toBe(false);
    expect(await entries(pendingDir)).toEqual([young]);
    expect((await platform.app.inject({ url: `/m/${young}` })).statusCode).toBe(200);

    clock.advance(1);
    expect(await platform.container.messages.sweep()).toMatchObject({ removedMedia: 1, keptMedia: 0 });
    expect(existsSync(join(mediaDir, young))).toBe(false);
    expect((await platform.app.inject({ url: `/m/${young}` })).statusCode).toBe(404);
    expect(await entries(pendingDir)).toEqual([]);
  });

  it('keeps referenced media whose marker a crash left after the commit, removing only the marker', async () => {
    vi.spyOn(platform.container.media, 'keep').mockRejectedValue(new Error('disk unavailable'));
    const response = await sendMms({ text: 'committed, marker left' });
    expect(response.statusCode).toBe(200);
    const key = await keyOf(response.json().id);
    expect(await entries(pendingDir)).toEqual([key]);
    vi.restoreAllMocks();

    expect(await platform.container.messages.sweep()).toMatchObject({ removedMedia: 0, keptMedia: 0 });
    clock.advance(MEDIA_PENDING_GRACE_MS);
    expect(await platform.container.messages.sweep()).toMatchObject({ removedMedia: 0, keptMedia: 1 });
    expect(await entries(pendingDir)).toEqual([]);
    expect((await platform.app.inject({ url: `/m/${key}` })).rawPayload.equals(PNG)).toBe(true);
  });

  it('answers a refusal even when its media cannot be deleted, and the sweep deletes them later', async () => {
    const to = randomUsNumber();
    await optOutNumber(platform, org.organization.id, to);
    const before = await mediaFiles();
    vi.spyOn(platform.container.media, 'delete').mockRejectedValueOnce(new Error('disk unavailable'));
    const response = await sendMms({ to });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('messages.recipient_opted_out');
    const [left] = await entries(pendingDir);
    expect(await mediaFiles()).toEqual([...before, left].sort());

    clock.advance(MEDIA_PENDING_GRACE_MS);
    expect(await platform.container.messages.sweep()).toMatchObject({ removedMedia: 1, keptMedia: 0 });
    expect(await mediaFiles()).toEqual(before);
  });

  it('never serves a pending marker', async () => {
    const key = await crashLeftovers(clock.now());
    for (const path of [
      '/m/pending',
      `/m/pending%2F${key}`,
      `/m/pending%2f${key}`,
      `/m/..%2Fmedia%2Fpending%2F${key}`,
    ]) {
      expect((await platform.app.inject({ url: path })).statusCode, path).toBe(404);
    }
    const served = await platform.app.inject({ url: `/m/${key}` });
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(PNG)).toBe(true);
  });
});
