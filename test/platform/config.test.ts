import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://127.0.0.1:8080');
    expect(config.stage).toBe('/stratustexting-prod');
    expect(config.databaseUrl).toMatch(/^sqlite:.*\/data\/stratus\.db$/);
    expect(config.logLevel).toBe('info');
    expect(config.carrierLeaseTtlMs).toBe(15_000);
    expect(config.carrierLeaseRenewMs).toBe(5000);
    expect(config.webhookRetentionDays).toBe(30);
  });

  it('reads the carrier lease timings and wants the TTL to cover two renewals', () => {
    const config = loadConfig({ CARRIER_LEASE_TTL_MS: '2000', CARRIER_LEASE_RENEW_MS: '1000' });
    expect(config).toMatchObject({ carrierLeaseTtlMs: 2000, carrierLeaseRenewMs: 1000 });
    expect(() => loadConfig({ CARRIER_LEASE_TTL_MS: '1999', CARRIER_LEASE_RENEW_MS: '1000' })).toThrow(
      /CARRIER_LEASE_TTL_MS must be at least twice CARRIER_LEASE_RENEW_MS \(1000\), got 1999/,
    );
    // The default TTL is checked against a longer interval too.
    expect(() => loadConfig({ CARRIER_LEASE_RENEW_MS: '10000' })).toThrow(/CARRIER_LEASE_TTL_MS/);
  });

  it('derives PUBLIC_URL from HOST and PORT and strips a trailing slash from a given one', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).publicUrl).toBe('http://0.0.0.0:9000');
    expect(loadConfig({ PUBLIC_URL: 'https://texts.example.com/' }).publicUrl).toBe('https://texts.example.com');
  });

  it('accepts an empty STAGE and a PostgreSQL DATABASE_URL', () => {
    const config = loadConfig({ STAGE: '', DATABASE_URL: 'postgres://u@db:5432/stratus' });
    expect(config.stage).toBe('');
    expect(config.databaseUrl).toBe('postgres://u@db:5432/stratus');
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'not a url' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'ftp://example.com' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/db' }],
    ['STAGE', { STAGE: 'no-leading-slash' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['DEFAULT_REGION', { DEFAULT_REGION: 'USA' }],
    ['CARRIER_LEASE_TTL_MS', { CARRIER_LEASE_TTL_MS: 'long' }],
    ['CARRIER_LEASE_RENEW_MS', { CARRIER_LEASE_RENEW_MS: '10' }],
    ['WEBHOOK_RETENTION_DAYS', { WEBHOOK_RETENTION_DAYS: '0' }],
  ])('names %s when it is invalid', (variable, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });
});
