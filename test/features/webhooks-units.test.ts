import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_WEBHOOK_RETRY_SCHEDULE, loadConfig } from '../../src/config.js';
import { matchingFilter, type ParsedFilter, parseFilter } from '../../src/features/webhooks/webhooks.filters.js';
import { parseWebhookUri } from '../../src/features/webhooks/webhooks.http.js';
import { signDelivery, webhookHeaders } from '../../src/features/webhooks/webhooks.signing.js';
import { verifyWebhook, WebhookVerificationError } from '../../src/features/webhooks/webhooks.verify.js';

const ORG = '6b092a0a3e1c1f0d3a77670a';
const DEPT = '6b092a0a3e1c1f0d3a77670c';
const SITE = '6b092a0a3e1c1f0d3a77670b';

describe('webhook filters', () => {
  it('reads the four forms into canonical filters', () => {
    const text = (raw: string) => {
      const result = parseFilter(raw);
      return result.ok ? result.filter.text : result.disabled.reason;
    };
    expect(text(`/orgId/${ORG}/department/${DEPT}/message?direction=inbound`)).toBe(
      `/orgId/${ORG}/department/${DEPT}/message?direction=inbound`,
    );
    expect(text(`/orgId/${ORG}/department/${DEPT}/message/?direction=OutBound`)).toBe(
      `/orgId/${ORG}/department/${DEPT}/message?direction=outbound`,
    );
    expect(text(`/orgId/${ORG}/department/${DEPT}/message`)).toBe(`/orgId/${ORG}/department/${DEPT}/message`);
    expect(text(` /orgId/${ORG}/site/${SITE}/message `)).toBe(`/orgId/${ORG}/site/${SITE}/message`);
    expect(text(`/orgId/${ORG}/message?direction=inbound`)).toBe(`/orgId/${ORG}/message?direction=inbound`);
    expect(text(`/orgId/${ORG}/contact`)).toBe(`/orgId/${ORG}/contact`);
    for (const bad of [
      `/orgId/${ORG}/department/${DEPT}/message?direction=both`,
      `/orgId/${ORG}/department/${DEPT}/message?direction=inbound&direction=outbound`,
      `/orgId/${ORG}/message?status=delivered`,
      `/orgId/${ORG}/contact?direction=inbound`,
      `/orgid/${ORG}/contact`,
      `/orgId/${ORG}/department/${DEPT}`,
      '',
      'https://example.com/',
    ]) {
      expect(text(bad), bad).toBe('INVALID_FILTER');
    }
  });

  it('matches events by organisation, kind, department, site and direction', () => {
    const filters = (...raw: string[]) => raw.map((r) => (parseFilter(r) as { filter: ParsedFilter }).filter);
    const message = (direction: string, departmentId = DEPT, siteId = SITE, orgId = ORG) =>
      ({ kind: 'message', orgId, departmentId, siteId, direction }) as const;
    const inbound = filters(`/orgId/${ORG}/department/${DEPT}/message?direction=inbound`);
    expect(matchingFilter(inbound, message('inbound'))).not.toBeNull();
    expect(matchingFilter(inbound, message('outbound'))).toBeNull();
    expect(matchingFilter(inbound, message('inbound', 'other'))).toBeNull();
    expect(matchingFilter(inbound, message('inbound', DEPT, SITE, 'another org'))).toBeNull();
    expect(matchingFilter(inbound, { kind: 'contact', orgId: ORG })).toBeNull();
    const site = filters(`/orgId/${ORG}/site/${SITE}/message`);
    expect(matchingFilter(site, message('outbound', 'any department'))).not.toBeNull();
    expect(matchingFilter(site, message('outbound', DEPT, 'other site'))).toBeNull();
    const all = filters(`/orgId/${ORG}/message`, `/orgId/${ORG}/site/${SITE}/message`);
    expect(matchingFilter(all, message('inbound'))?.level).toBe('site');
  });
});

describe('webhook uris', () => {
  it('accepts http(s) URLs only, without credentials or blocked ports', () => {
    expect(parseWebhookUri('https://example.com/hook').ok).toBe(true);
    expect(parseWebhookUri('http://example.com:8080/hook?x=1').ok).toBe(true);
    for (const bad of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      '//example.com/',
      'http://user@example.com/',
      'http://example.com:22/',
      'https://example.com:6667/',
      `https://example.com/${'x'.repeat(2100)}`,
    ]) {
      expect(parseWebhookUri(bad).ok, bad).toBe(false);
    }
    expect(parseWebhookUri('http://example.com:25/')).toEqual({
      ok: false,
      reason: 'Port 25 is not allowed for webhooks',
    });
    expect(parseWebhookUri('https://example.com:443/').ok).toBe(true);
  });
});

describe('signatures (Standard Webhooks)', () => {
  // The test vector of the Standard Webhooks reference libraries.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';
  const now = timestamp * 1000;

  it('signs as the reference implementation does', () => {
    expect(signDelivery(secret, id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies the server’s headers, with either secret during a rotation', () => {
    const other = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const headers = webhookHeaders([other, secret], id, timestamp, body);
    expect(verifyWebhook(secret, headers, body, { now })).toEqual({ test: 2432232314 });
    expect(verifyWebhook(other, headers, Buffer.from(body), { now })).toEqual({ test: 2432232314 });
    expect(verifyWebhook(['whsec_AAAA', other], new Headers(headers), body, { now })).toEqual({ test: 2432232314 });
    const upper = {
      'Webhook-Id': headers['webhook-id'],
      'Webhook-Timestamp': headers['webhook-timestamp'],
      'Webhook-Signature': headers['webhook-signature'],
    };
    expect(verifyWebhook(secret, upper, body, { now })).toEqual({ test: 2432232314 });
  });

  it('refuses a tampered body, a wrong secret, a stale timestamp and missing headers', () => {
    const headers = webhookHeaders([secret], id, timestamp, body);
    const refuses = (run: () => unknown, message: string) => {
      expect(run).toThrow(WebhookVerificationError);
      expect(run).toThrow(message);
    };
    refuses(() => verifyWebhook(secret, headers, '{"test": 2432232315}', { now }), 'no matching signature');
    refuses(
      () => verifyWebhook('whsec_' + Buffer.alloc(32).toString('base64'), headers, body, { now }),
      'no matching signature',
    );
    refuses(
      () => verifyWebhook(secret, { ...headers, 'webhook-id': 'msg_other' }, body, { now }),
      'no matching signature',
    );
    refuses(() => verifyWebhook(secret, headers, body, { now: now + 301_000 }), 'timestamp outside the tolerance');
    refuses(() => verifyWebhook(secret, headers, body, { now: now - 301_000 }), 'timestamp outside the tolerance');
    expect(verifyWebhook(secret, headers, body, { now: now + 3_600_000, toleranceSeconds: 3600 })).toBeTruthy();
    refuses(
      () => verifyWebhook(secret, { ...headers, 'webhook-signature': '' }, body, { now }),
      'missing webhook headers',
    );
    refuses(
      () => verifyWebhook(secret, { ...headers, 'webhook-timestamp': '1e9' }, body, { now }),
      'invalid webhook-timestamp',
    );
    refuses(
      () =>
        verifyWebhook(
          secret,
          { ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v2,') },
          body,
          { now },
        ),
      'no matching signature',
    );
  });
});

describe('webhook configuration', () => {
  it('defaults to a retry schedule of at least 3 days, and reads a custom one', () => {
    const config = loadConfig({});
    expect(config.webhookAllowPrivate).toBe(false);
    expect(config.webhookTimeoutMs).toBe(10_000);
    const total = config.webhookRetryScheduleMs.reduce((sum, ms) => sum + ms, 0);
    expect(total).toBeGreaterThanOrEqual(3 * 24 * 3600 * 1000);
    expect(config.webhookRetryScheduleMs).toHaveLength(DEFAULT_WEBHOOK_RETRY_SCHEDULE.split(',').length);
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: '500ms, 2s,1m,3h,1d' }).webhookRetryScheduleMs).toEqual([
      500, 2000, 60_000, 10_800_000, 86_400_000,
    ]);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true' }).webhookAllowPrivate).toBe(true);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5 minutes' })).toThrow(ConfigError);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '8d' })).toThrow(ConfigError);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '0' })).toThrow(ConfigError);
  });

  it('keeps finished deliveries 30 days unless WEBHOOK_RETENTION_DAYS says otherwise', () => {
    expect(loadConfig({}).webhookRetentionDays).toBe(30);
    expect(loadConfig({ WEBHOOK_RETENTION_DAYS: '7' }).webhookRetentionDays).toBe(7);
    expect(() => loadConfig({ WEBHOOK_RETENTION_DAYS: '0' })).toThrow('WEBHOOK_RETENTION_DAYS');
    expect(() => loadConfig({ WEBHOOK_RETENTION_DAYS: '2 weeks' })).toThrow('WEBHOOK_RETENTION_DAYS');
  });
});
