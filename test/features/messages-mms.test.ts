import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform } from '../harness/app.js';
import { itGuardsTheRoute } from '../harness/auth-cases.js';
import { testDialect } from '../harness/database.js';
import { randomUsNumber } from '../harness/factories.js';
import {
  createMessagingPlatform,
  eventually,
  getMessage,
  type MessagingPlatform,
  orgWithHeaders,
  STAGE,
} from './messages-helpers.js';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(200, 7)]);
const JPEG = Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), Buffer.alloc(300, 1)]);
const VCARD = Buffer.from('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane Doe\r\nEND:VCARD\r\n');

/** A media host on loopback: images, a vCard, a redirect, a 404, plain text and an oversized file. */
async function startMediaHost(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const send = (status: number, type: string, body: Buffer | string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    switch (req.url) {
      case '/pic.png':
        return send(200, 'image/png', PNG);
      case '/photo':
        // Mislabelled: the bytes are a JPEG and win.
        return send(200, 'application/octet-stream', JPEG);
      case '/card.vcf':
        return send(200, 'text/x-vcard', VCARD);
      case '/notes.txt':
        return send(200, 'text/plain', 'just text');
      case '/huge.jpg':
        return send(200, 'image/jpeg', Buffer.concat([JPEG, Buffer.alloc(5 * 1024 * 1024)]));
      case '/moved':
        res.writeHead(302, { location: '/pic.png' });
        return res.end();
      default:
        return send(404, 'text/plain', 'no');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function multipartBody(fields: Record<string, string>, files: { name: string; type: string; bytes: Buffer }[]) {
  const boundary = `----stratus${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  files.forEach((file, index) => {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="f${index}"\r\n` +
          `Content-Type: ${file.type}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  });
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe(`MMS on ${testDialect()}`, () => {
  let m: MessagingPlatform;
  let host: { server: Server; base: string };
  let org: Awaited<ReturnType<typeof orgWithHeaders>>;
  beforeAll(async () => {
    host = await startMediaHost();
    m = await createMessagingPlatform();
    org = await orgWithHeaders(m.platform, 'MMS Org');
  });
  afterAll(async () => {
    await m.close();
    host.server.close();
  });

  const context = () => ({ platform: m.platform, orgId: org.organization.id });
  const sendMms = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    m.platform.app.inject({
      method: 'POST',
      url: `${STAGE}/message/sendmms`,
      headers: { ...org.headers, ...headers },
      payload: { from: org.phoneNumber, to: randomUsNumber(), ...payload },
    });

  itGuardsTheRoute(
    context,
    () => ({
      method: 'POST',
      url: `${STAGE}/message/sendmms`,
      payload: { from: org.phoneNumber, to: randomUsNumber(), mediaUrl: `${host.base}/pic.png` },
    }),
    'SendMessage',
  );
  itGuardsTheRoute(
    context,
    () => ({
      method: 'POST',
      url: `${STAGE}/message/sendmms/someone%40example.com`,
      payload: { from: org.phoneNumber, to: randomUsNumber(), mediaUrl: `${host.base}/pic.png` },
    }),
    'SendMessage',
  );

  it('fetches a mediaUrl, stores it at an unguessable URL, and sends text plus link on the SMPP route', async () => {
    const to = randomUsNumber();
    const query = new URLSearchParams({
      from: org.phoneNumber,
      to,
      text: 'Your receipt',
      mediaUrl: `${host.base}/pic.png`,
    });
    const response = await m.platform.app.inject({
      method: 'POST',
      url: `${STAGE}/message/sendmms?${query}`,
      headers: org.headers,
    });
    expect(response.statusCode).toBe(200);
    const { id, segments, encoding } = response.json();
    const message = await getMessage(m.platform, org.headers, id);
    expect(message).toMatchObject({ text: 'Your receipt', mediaFallback: 'links', encoding, segments });
    expect(message.media).toEqual([
      {
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:8080\/m\/[A-Za-z0-9_-]{22}\.png$/),
        contentType: 'image/png',
        size: PNG.length,
      },
    ]);
    const path = new URL(message.media[0].url).pathname;
    const media = await m.platform.app.inject({ url: path });
    expect(media.statusCode).toBe(200);
    expect(media.headers['content-type']).toBe('image/png');
    expect(media.rawPayload.equals(PNG)).toBe(true);

    await m.worker.drain();
    const submit = m.sim.submitted.find((s) => s.destination === to);
    expect(submit?.text).toBe(`Your receipt\n${message.media[0].url}`);
    await eventually(async () => (await getMessage(m.platform, org.headers, id)).status === 'delivered', 'delivered');
  });

  it('takes mediaUrl repeated, mediaUrls as a JSON array, sniffs mislabelled bytes, and reads vCards', async () => {
    const response = await sendMms({
      mediaUrl: [`${host.base}/pic.png`, `${host.base}/photo`],
      mediaUrls: [`${host.base}/card.vcf`],
    });
    expect(response.statusCode).toBe(200);
    const message = await getMessage(m.platform, org.headers, response.json().id);
    expect(message.media.map((item: { contentType: string }) => item.contentType)).toEqual([
      'image/png',
      'image/jpeg',
      'text/vcard',
    ]);
    expect(message.text).toBe('');
  });

  it('accepts multipart/form-data file parts named file and files', async () => {
    const to = randomUsNumber();
    const body = multipartBody({ from: org.phoneNumber, to, text: 'uploaded' }, [
      { name: 'file', type: 'image/png', bytes: PNG },
      { name: 'files', type: 'image/jpeg', bytes: JPEG },
    ]);
    const response = await m.platform.app.inject({
      method: 'POST',
      url: `${STAGE}/message/sendmms`,
      headers: { ...org.headers, 'content-type': body.contentType },
      payload: body.payload,
    });
    expect(response.statusCode).toBe(200);
    const message = await getMessage(m.platform, org.headers, response.json().id);
    expect(message).toMatchObject({ to, text: 'uploaded' });
    expect(message.media.map((item: { size: number }) => item.size)).toEqual([PNG.length, JPEG.length]);
  });

  it('replays an MMS for the same Idempotency-Key', async () => {
    const params = { to: randomUsNumber(), mediaUrl: `${host.base}/pic.png` };
    const first = await sendMms(params, { 'idempotency-key': 'mms-1' });
    const second = await sendMms(params, { 'idempotency-key': 'mms-1' });
    expect(second.json()).toEqual(first.json());
    const other = await sendMms({ ...params, text: 'changed' }, { 'idempotency-key': 'mms-1' });
    expect(other.statusCode).toBe(422);
  });

  it.each([
    ['no media', {}, 400, 'messages.media_required'],
    [
      'more than 10 items',
      {
        mediaUrl: Array.from({ length: 6 }, () => 'http://127.0.0.1/x'),
        mediaUrls: Array.from({ length: 5 }, () => 'http://127.0.0.1/x'),
      },
      400,
      'messages.too_many_media',
    ],
    ['a type that is not allowed', { mediaUrl: '/notes.txt' }, 415, 'messages.unsupported_media_type'],
    ['more than 5 MB', { mediaUrl: '/huge.jpg' }, 413, 'messages.media_too_large'],
    ['a URL answering 404', { mediaUrl: '/missing' }, 400, 'messages.media_fetch_failed'],
    ['a redirect (not followed)', { mediaUrl: '/moved' }, 400, 'messages.media_fetch_failed'],
    ['a URL that is not http(s)', { mediaUrl: 'ftp://example.com/a.png' }, 400, 'messages.invalid_media'],
    ['a text over 1600 characters', { mediaUrl: '/pic.png', text: 'a'.repeat(1601) }, 400, 'messages.invalid_text'],
  ])('refuses %s', async (_name, params, status, code) => {
    const payload = { ...params } as Record<string, unknown>;
    if (typeof payload.mediaUrl === 'string' && payload.mediaUrl.startsWith('/'))
      payload.mediaUrl = `${host.base}${payload.mediaUrl}`;
    const response = await sendMms(payload);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ code });
  });

  it('refuses more than 10 uploaded files', async () => {
    const body = multipartBody(
      { from: org.phoneNumber, to: randomUsNumber() },
      Array.from({ length: 11 }, () => ({ name: 'files', type: 'image/png', bytes: PNG })),
    );
    const response = await m.platform.app.inject({
      method: 'POST',
      url: `${STAGE}/message/sendmms`,
      headers: { ...org.headers, 'content-type': body.contentType },
      payload: body.payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('messages.too_many_media');
  });

  it('refuses another organisation’s number as from, and another organisation’s user as agent', async () => {
    const other = await orgWithHeaders(m.platform, 'Other MMS Org');
    const response = await sendMms({ from: other.phoneNumber, mediaUrl: `${host.base}/pic.png` });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('messages.sender_not_in_org');
    const user = await m.platform.container.accounts.createUser({
      orgId: other.organization.id,
      email: 'other.mms@example.com',
      password: 'a-long-password',
      role: 'agent',
    });
    expect(user.ok).toBe(true);
    const asAgent = await m.platform.app.inject({
      method: 'POST',
      url: `${STAGE}/message/sendmms/other.mms%40example.com`,
      headers: org.headers,
      payload: { from: org.phoneNumber, to: randomUsNumber(), mediaUrl: `${host.base}/pic.png` },
    });
    expect(asAgent.statusCode).toBe(404);
    expect(asAgent.json().code).toBe('messages.agent_not_found');
  });

  it('answers 404 for a media key that does not exist or is malformed', async () => {
    for (const path of ['/m/AAAAAAAAAAAAAAAAAAAAAA.png', '/m/..%2F..%2Fsecret.key', '/m/x']) {
      expect((await m.platform.app.inject({ url: path })).statusCode).toBe(404);
    }
  });

  it('refuses private and loopback media URLs unless the operator allows them (SSRF)', async () => {
    const strict = await createTestPlatform();
    try {
      const fixture = await orgWithHeaders(strict, 'Strict Org');
      const port = new URL(host.base).port;
      for (const url of [
        `${host.base}/pic.png`,
        `http://localhost:${port}/pic.png`,
        'http://169.254.169.254/latest',
        'http://[::1]/a.png',
      ]) {
        const response = await strict.app.inject({
          method: 'POST',
          url: `${STAGE}/message/sendmms`,
          headers: fixture.headers,
          payload: { from: fixture.phoneNumber, to: randomUsNumber(), mediaUrl: url },
        });
        expect(response.statusCode, url).toBe(400);
        expect(response.json().code).toBe('messages.invalid_media');
      }
    } finally {
      await strict.close();
    }
  });
});
