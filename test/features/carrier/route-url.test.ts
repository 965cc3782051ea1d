import { describe, expect, it } from 'vitest';
import { parseRouteUrl, RouteUrlError, redactRouteUrl } from '../../../src/features/carrier/route-url.js';

describe('parseRouteUrl', () => {
  it('reads credentials, host, port and parameters', () => {
    expect(parseRouteUrl('smpp://acme:s3cr%40t@smsc.example.net:2776?window=20&tps=50&systemType=VMA')).toEqual({
      host: 'smsc.example.net',
      port: 2776,
      systemId: 'acme',
      password: 's3cr@t',
      window: 20,
      tps: 50,
      systemType: 'VMA',
    });
  });

  it('defaults the port by scheme and turns TLS on for ssmpp or tls=true', () => {
    expect(parseRouteUrl('smpp://a:b@10.0.0.1')).toMatchObject({ port: 2775 });
    expect(parseRouteUrl('smpp://a:b@10.0.0.1').tls).toBeUndefined();
    expect(parseRouteUrl('ssmpp://a:b@smsc')).toMatchObject({ port: 3550, tls: true });
    expect(parseRouteUrl('smpp://a:b@smsc?tls=true')).toMatchObject({ port: 2775, tls: true });
    expect(parseRouteUrl('smpp://a:b@smsc?tls=1&tlsRejectUnauthorized=false').tls).toEqual({
      rejectUnauthorized: false,
    });
    expect(parseRouteUrl('smpp://a:b@[::1]:2775').host).toBe('::1');
    expect(parseRouteUrl('smpp://a:b@smsc?tps=0&system_type=X&responseTimeoutMs=500')).toMatchObject({
      tps: 0,
      systemType: 'X',
      responseTimeoutMs: 500,
    });
  });

  it('reads exclusive=true as one bind across worker processes, and leaves it out otherwise', () => {
    expect(parseRouteUrl('smpp://a:b@smsc?exclusive=true')).toMatchObject({ exclusive: true });
    expect(parseRouteUrl('smpp://a:b@smsc?exclusive=1&tps=5')).toMatchObject({ exclusive: true, tps: 5 });
    expect('exclusive' in parseRouteUrl('smpp://a:b@smsc')).toBe(false);
    expect('exclusive' in parseRouteUrl('smpp://a:b@smsc?exclusive=false')).toBe(false);
    // The last occurrence wins, as for every parameter.
    expect('exclusive' in parseRouteUrl('smpp://a:b@smsc?exclusive=true&exclusive=no')).toBe(false);
  });

  it('refuses what it cannot use, naming the problem', () => {
    const bad = [
      ['http://a:b@smsc', /scheme/],
      ['smpp://smsc', /system_id/],
      ['smpp://a:b@smsc?window=0', /window/],
      ['smpp://a:b@smsc?tps=fast', /tps/],
      ['smpp://a:b@smsc?tls=maybe', /tls/],
      ['smpp://a:b@smsc?exclusive=sometimes', /exclusive must be true or false/],
      ['smpp://a:b@smsc?windw=5', /unknown parameter/],
      ['ssmpp://a:b@smsc?tls=false', /always TLS/],
      ['smpp://a:b@smsc/path', /path/],
      ['not a url', /not a URL/],
    ] as const;
    for (const [url, message] of bad) {
      expect(() => parseRouteUrl(url)).toThrow(RouteUrlError);
      expect(() => parseRouteUrl(url)).toThrow(message);
    }
  });

  it('redacts the password for logs', () => {
    expect(redactRouteUrl('smpp://acme:hunter2@smsc:2775?tps=5')).toBe('smpp://acme:***@smsc:2775?tps=5');
    expect(redactRouteUrl('nonsense')).toBe('[invalid SMPP route URL]');
  });
});
