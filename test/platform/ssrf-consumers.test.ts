import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchMedia, MediaError } from '../../src/features/messages/media.js';
import { createOutboundHttp, OutboundError } from '../../src/features/webhooks/webhooks.http.js';

/**
 * The two features that fetch user-given URLs use the one guard of platform/net/ssrf.ts and keep their own errors:
 * webhooks an OutboundError `not_allowed` (webhooks.uri_not_allowed at the API), media a MediaError
 * `messages.invalid_media`. A real local server shows that a refused request never reaches it.
 */
describe('the SSRF guard as the features use it', () => {
  let server: Server;
  let port: number;
  let requests = 0;
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  beforeAll(async () => {
    server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  describe('media fetches', () => {
    async function refusal(url: string, allowPrivate = false): Promise<MediaError> {
      const error = await fetchMedia(url, { maxBytes: 1024, allowPrivate }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, url).toBeInstanceOf(MediaError);
      return error as MediaError;
    }

    it('refuses loopback literals before connecting and loopback names at connect time', async () => {
      const before = requests;
      for (const url of [`http://127.0.0.1:${port}/a.png`, `http://[::ffff:7f00:1]:${port}/a.png`]) {
        expect(await refusal(url)).toMatchObject({
          code: 'messages.invalid_media',
          message: 'A media URL may not point to a private or local address',
        });
      }
      expect(await refusal(`http://localhost:${port}/a.png`)).toMatchObject({
        code: 'messages.invalid_media',
        message: 'A media URL may not point to a private or local address',
      });
      expect(requests).toBe(before);
    });

    it('refuses the Fetch Standard’s bad ports, even where private targets are allowed', async () => {
      expect(await refusal('http://example.com:25/a.png', true)).toMatchObject({
        code: 'messages.invalid_media',
        message: 'A media URL may not use port 25',
      });
    });

    it('fetches from loopback when the operator allows private targets', async () => {
      const before = requests;
      const fetched = await fetchMedia(`http://localhost:${port}/a.png`, { maxBytes: 1024, allowPrivate: true });
      expect(fetched).toEqual({ bytes: png, contentType: 'image/png' });
      expect(requests).toBe(before + 1);
    });
  });

  describe('webhook requests', () => {
    const request = (url: string) => ({ method: 'POST' as const, url: new URL(url), headers: {}, timeoutMs: 2000 });

    it('refuse loopback literals and names with not_allowed, naming the address', async () => {
      const http = createOutboundHttp({ allowPrivate: false, userAgent: 'test' });
      try {
        const before = requests;
        await expect(http.send(request(`http://127.0.0.1:${port}/hook`))).rejects.toMatchObject({
          kind: 'not_allowed',
          message: '127.0.0.1 is a loopback address; webhooks are sent to public addresses only',
        });
        const error = await http.send(request(`http://localhost:${port}/hook`)).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(OutboundError);
        expect(error).toMatchObject({ kind: 'not_allowed' });
        expect((error as OutboundError).message).toMatch(
          /^localhost \((127\.0\.0\.1|::1)\) is a loopback address; webhooks are sent to public addresses only$/,
        );
        expect(requests).toBe(before);
      } finally {
        http.close();
      }
    });

    it('reach loopback when the operator allows private targets', async () => {
      const http = createOutboundHttp({ allowPrivate: true, userAgent: 'test' });
      try {
        expect((await http.send(request(`http://localhost:${port}/hook`))).status).toBe(200);
      } finally {
        http.close();
      }
    });
  });
});
