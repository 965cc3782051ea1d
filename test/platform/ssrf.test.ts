import type { LookupAddress } from 'node:dns';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlockedAddressError,
  blockedLiteral,
  createGuardedLookup,
  type GuardedLookupOptions,
  hostOf,
  isBlockedPort,
  nonPublicRange,
  portOf,
} from '../../src/platform/net/ssrf.js';

/** A resolver that answers fixed addresses per name (no DNS): how a rebinding name looks to the guard. */
function fakeResolver(table: Record<string, string[]>, asked: string[] = []): GuardedLookupOptions['resolve'] {
  return (hostname, _options, callback) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) {
      return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    }
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
}

/** Runs a lookup function as a socket would, with or without `all`. */
function lookUp(
  lookup: ReturnType<typeof createGuardedLookup>,
  hostname: string,
  all: boolean,
): Promise<{ address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve, reject) => {
    lookup(hostname, { all }, (error, address, family) => (error ? reject(error) : resolve({ address, family })));
  });
}

describe('address classification', () => {
  it('tells public addresses from loopback, private, link-local, multicast and reserved ones (v4 and v6)', () => {
    const cases: [string, string | null][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['::1', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.5.4', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['fd12:3456::1', 'private'],
      ['fec0::1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['224.0.0.251', 'multicast'],
      ['ff02::1', 'multicast'],
      ['0.0.0.0', 'reserved'],
      ['255.255.255.255', 'reserved'],
      ['192.0.2.1', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['64:ff9b::a00:1', 'reserved'],
      ['2001:db8::1', 'reserved'],
      ['2002:7f00:1::1', 'reserved'],
      ['::', 'reserved'],
      ['::127.0.0.1', 'reserved'], // IPv4-compatible (deprecated)
      ['8.8.8.8', null],
      ['172.32.0.1', null],
      ['100.128.0.1', null],
      ['1.1.1.1', null],
      ['2606:4700:4700::1111', null],
    ];
    for (const [address, range] of cases) expect(nonPublicRange(address), address).toBe(range);
  });

  it('reads IPv4-mapped IPv6 addresses as the IPv4 address they reach, in every spelling', () => {
    const cases: [string, string | null][] = [
      ['::ffff:127.0.0.1', 'loopback'],
      ['::FFFF:7f00:1', 'loopback'],
      ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
      ['::ffff:10.1.1.1', 'private'],
      ['::ffff:a9fe:a9fe', 'link-local'], // 169.254.169.254
      ['::ffff:e000:1', 'multicast'],
      ['::ffff:0.0.0.0', 'reserved'],
      ['::ffff:8.8.8.8', null],
      ['::ffff:808:808', null],
    ];
    for (const [address, range] of cases) expect(nonPublicRange(address), address).toBe(range);
  });

  it('answers invalid for what is not an IP address', () => {
    for (const bad of ['', 'localhost', '127.0.0.1.nip.io', '1.2.3', '::ffff:1.2.3.4.5', '[::1]']) {
      expect(nonPublicRange(bad), bad).toBe('invalid');
    }
  });
});

describe('IP literals in URLs', () => {
  it('refuses non-public literals in every spelling the URL parser accepts, and leaves names to the lookup', () => {
    const cases: [string, string, string][] = [
      ['http://127.0.0.1:8080/a', '127.0.0.1', 'loopback'],
      ['http://2130706433/', '127.0.0.1', 'loopback'], // one number
      ['http://0x7f.1/', '127.0.0.1', 'loopback'], // hex and short form
      ['http://0177.0.0.1/', '127.0.0.1', 'loopback'], // octal
      ['http://[::1]/', '::1', 'loopback'],
      ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1', 'loopback'],
      ['https://169.254.169.254/latest/meta-data/', '169.254.169.254', 'link-local'],
      ['http://[fd00::1]/', 'fd00::1', 'private'],
    ];
    for (const [raw, address, range] of cases) {
      const blocked = blockedLiteral(new URL(raw));
      expect(blocked, raw).toBeInstanceOf(BlockedAddressError);
      expect(blocked, raw).toMatchObject({ code: 'EBLOCKED', host: address, address, range });
      expect(blocked!.message).toBe(`${address} is a ${range} address`);
    }
    expect(blockedLiteral(new URL('http://8.8.8.8/'))).toBeUndefined();
    expect(blockedLiteral(new URL('http://[2606:4700:4700::1111]/'))).toBeUndefined();
    expect(blockedLiteral(new URL('http://localhost/'))).toBeUndefined();
    expect(hostOf(new URL('http://[::1]:81/'))).toBe('::1');
    expect(hostOf(new URL('http://Example.COM/'))).toBe('example.com');
  });
});

describe('the guarded lookup', () => {
  it('answers the addresses of a public name, one or all', async () => {
    const lookup = createGuardedLookup({
      allowPrivate: false,
      resolve: fakeResolver({ 'public.test': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] }),
    });
    expect(await lookUp(lookup, 'public.test', false)).toEqual({ address: '93.184.215.14', family: 4 });
    expect((await lookUp(lookup, 'public.test', true)).address).toEqual([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ]);
  });

  it('refuses a name with any non-public address, naming the name and the address', async () => {
    const lookup = createGuardedLookup({
      allowPrivate: false,
      resolve: fakeResolver({
        'rebound.test': ['127.0.0.1'],
        'mixed.test': ['93.184.215.14', '10.0.0.7'],
        'metadata.test': ['::ffff:169.254.169.254'],
      }),
    });
    for (const all of [false, true]) {
      await expect(lookUp(lookup, 'rebound.test', all)).rejects.toMatchObject({
        name: 'BlockedAddressError',
        code: 'EBLOCKED',
        message: 'rebound.test (127.0.0.1) is a loopback address',
      });
    }
    await expect(lookUp(lookup, 'mixed.test', false)).rejects.toThrow('mixed.test (10.0.0.7) is a private address');
    await expect(lookUp(lookup, 'metadata.test', false)).rejects.toMatchObject({ range: 'link-local' });
  });

  it('lets every address through when private targets are allowed', async () => {
    const lookup = createGuardedLookup({ allowPrivate: true, resolve: fakeResolver({ 'lan.test': ['10.0.0.7'] }) });
    expect(await lookUp(lookup, 'lan.test', false)).toEqual({ address: '10.0.0.7', family: 4 });
  });

  it('passes resolver failures on, and treats a name without addresses as not found', async () => {
    const lookup = createGuardedLookup({ allowPrivate: false, resolve: fakeResolver({ 'empty.test': [] }) });
    await expect(lookUp(lookup, 'unknown.test', false)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(lookUp(lookup, 'empty.test', false)).rejects.toMatchObject({
      code: 'ENOTFOUND',
      message: 'empty.test has no address',
    });
  });

  it('uses the system resolver when none is given', async () => {
    const lookup = createGuardedLookup({ allowPrivate: false });
    await expect(lookUp(lookup, 'localhost', false)).rejects.toMatchObject({ code: 'EBLOCKED', range: 'loopback' });
  });

  describe('at connect time', () => {
    let server: Server;
    let port: number;
    let requests = 0;
    beforeAll(async () => {
      server = createServer((_request, response) => {
        requests += 1;
        response.end('reached');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    function fetchThrough(lookup: ReturnType<typeof createGuardedLookup>): Promise<string> {
      return new Promise((resolve, reject) => {
        get(`http://rebound.test:${port}/`, { lookup, agent: false }, (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve(body));
        }).on('error', reject);
      });
    }

    it('refuses the connection of a name that resolves to loopback now (DNS rebinding); nothing reaches it', async () => {
      // What the name resolved to when it was checked earlier does not matter: the socket asks again.
      const asked: string[] = [];
      const resolve = fakeResolver({ 'rebound.test': ['127.0.0.1'] }, asked);
      const before = requests;
      await expect(fetchThrough(createGuardedLookup({ allowPrivate: false, resolve }))).rejects.toBeInstanceOf(
        BlockedAddressError,
      );
      expect(asked).toEqual(['rebound.test']);
      expect(requests).toBe(before);
      // The same name and server, allowed: the request goes through, so the refusal above was the guard's.
      expect(await fetchThrough(createGuardedLookup({ allowPrivate: true, resolve }))).toBe('reached');
      expect(requests).toBe(before + 1);
    });
  });
});

describe('ports', () => {
  it('blocks the Fetch Standard’s bad ports and nothing an HTTP server usually listens on', () => {
    for (const port of [0, 21, 22, 23, 25, 110, 143, 587, 2049, 6000, 6667, 10080]) {
      expect(isBlockedPort(port), String(port)).toBe(true);
    }
    for (const port of [80, 443, 3000, 8080, 8443, 9000, 65535]) expect(isBlockedPort(port), String(port)).toBe(false);
  });

  it('reads the port a URL connects to, its own or the scheme’s default', () => {
    expect(portOf(new URL('http://example.com/'))).toBe(80);
    expect(portOf(new URL('https://example.com/'))).toBe(443);
    expect(portOf(new URL('https://example.com:8443/'))).toBe(8443);
    expect(portOf(new URL('http://example.com:443/'))).toBe(443);
  });
});
