import { resolve } from 'node:path';
import { parseRouteUrl } from './features/carrier/route-url.js';

/**
 * The one typed configuration of the platform, read from environment variables.
 * Every default is written here, next to the variable, and repeated in the README's configuration table.
 * An invalid value stops the process at start with a ConfigError naming the variable.
 */
export interface Config {
  /** PORT (8080): TCP port of the HTTP server. */
  port: number;
  /** HOST (127.0.0.1): address the HTTP server binds. */
  host: string;
  /** PUBLIC_URL (http://{HOST}:{PORT}): the URL clients use to reach this server, without a trailing slash. */
  publicUrl: string;
  /** DATABASE_URL (sqlite:./data/stratus.db): `sqlite:<path>` or `postgres://…`. */
  databaseUrl: string;
  /** STAGE (/stratustexting-prod): prefix of every API path; may be empty. */
  stage: string;
  /** DATA_DIR (./data): where the SQLite database, media and demo credentials live. */
  dataDir: string;
  /** LOG_LEVEL (info): pino level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: string;
  /** BODY_LIMIT_BYTES (1048576): largest request body accepted on ordinary routes. */
  bodyLimitBytes: number;
  /** JOB_CONCURRENCY (10): jobs one worker process runs at the same time. */
  jobConcurrency: number;
  /** JOB_LOCK_TIMEOUT_MS (300000): a job locked longer than this is taken to be abandoned by a dead worker. */
  jobLockTimeoutMs: number;
  /** JOB_POLL_INTERVAL_MS (1000): how often an idle worker looks for due jobs. */
  jobPollIntervalMs: number;
  /** SHUTDOWN_TIMEOUT_MS (15000): how long SIGTERM waits for in-flight requests and jobs. */
  shutdownTimeoutMs: number;
  /** DEFAULT_REGION (US): region used to read phone numbers written without a country code. */
  defaultRegion: string;
  /** SCOPE_PREFIX (https://com.beetexting.scopes/): prefix of the OAuth scope names (CONTRACT.md §2). */
  scopePrefix: string;
  /**
   * SECRET_KEY (generated into DATA_DIR/secret.key): 32+ characters that encrypt the JWT signing keys at rest.
   * Every process of one deployment must share it; set it explicitly when running several.
   */
  secretKey: string | undefined;
  /** REFRESH_TOKEN_TTL_SECONDS (2592000, 30 days): lifetime of a refresh token. */
  refreshTokenTtlSeconds: number;
  /** RATE_LIMIT_PER_SECOND (100): API requests per second per client, sustained. */
  rateLimitPerSecond: number;
  /** RATE_LIMIT_BURST (200): API requests a client may make at once before the sustained rate applies. */
  rateLimitBurst: number;
  /** SITES_CACHE_TTL_MS (1000): how long a page of sites is answered from memory; 0 disables the cache. */
  sitesCacheTtlMs: number;
  /** SECURE_COOKIES (true when PUBLIC_URL is https): mark session cookies Secure. */
  secureCookies: boolean;
  /**
   * SMPP_URL (none): the default carrier route, `smpp://system_id:password@host:port?window=&tps=&tls=&exclusive=`. Without it
   * (and without a default route in the route table) the worker roles start the built-in SMSC simulator.
   */
  smppUrl: string | undefined;
  /** SEND_CONCURRENCY (50): messages.send jobs one worker process runs at once; at least the SMPP window keeps it full. */
  sendConcurrency: number;
  /** SMSC_SIM_PORT (0 = any free port): SMPP port of the built-in simulator started when SMPP_URL is not set. */
  smscSimPort: number;
  /**
   * CARRIER_LEASE_TTL_MS (15000): how long a worker process owns the bind of an `exclusive=true` route after taking or
   * renewing its lease; a crashed holder's routes are taken over this long after its last renewal. At least twice
   * CARRIER_LEASE_RENEW_MS.
   */
  carrierLeaseTtlMs: number;
  /** CARRIER_LEASE_RENEW_MS (5000): how often a worker process takes or renews the leases of exclusive routes. */
  carrierLeaseRenewMs: number;
  /** MEDIA_ALLOW_PRIVATE_URLS (false): let mediaUrl fetches reach private and loopback addresses (tests, demos). */
  mediaAllowPrivateUrls: boolean;
  /**
   * WEBHOOK_ALLOW_PRIVATE (false): let webhook subscriptions reach private, loopback, link-local and other non-public
   * addresses (tests, a receiver on the same laptop as the demo). Off, those addresses are refused at connect time.
   */
  webhookAllowPrivate: boolean;
  /** WEBHOOK_TIMEOUT_MS (10000): a delivery attempt succeeds only on a 2xx answered within this (CONTRACT.md §7). */
  webhookTimeoutMs: number;
  /** WEBHOOK_VALIDATION_TIMEOUT_MS (5000): deadline of the validation handshake of a new or changed uri. */
  webhookValidationTimeoutMs: number;
  /**
   * WEBHOOK_RETRY_SCHEDULE (5s,30s,2m,10m,30m,1h,2h,4h,8h,16h,24h,24h): the delay before each retry, comma-separated
   * with a unit (ms, s, m, h, d); each delay gets 0–20 % random jitter. The default spans 3.3 days over 13 attempts.
   */
  webhookRetryScheduleMs: number[];
  /** WEBHOOK_CONCURRENCY (64): webhook delivery attempts in flight per worker process. */
  webhookConcurrency: number;
  /** WEBHOOK_MAX_IN_FLIGHT_PER_SUBSCRIPTION (8): attempts in flight to one subscription per worker process. */
  webhookPerSubscription: number;
  /** WEBHOOK_POLL_INTERVAL_MS (50): how often an idle worker looks for new events to deliver and retries due. */
  webhookPollIntervalMs: number;
  /**
   * WEBHOOK_RETENTION_DAYS (30): finished webhook deliveries (with their attempts) and dispatched events last changed
   * longer ago than this are deleted by the worker's retention sweep; pending deliveries are kept whatever their age.
   */
  webhookRetentionDays: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(name: string, raw: string, protocols: string[]): URL {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return parsed;
}

function secretKey(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 32) throw new ConfigError('SECRET_KEY', 'must have at least 32 characters');
  return raw;
}

function smppUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    parseRouteUrl(raw);
  } catch (error) {
    throw new ConfigError('SMPP_URL', (error as Error).message.replace(/^Invalid SMPP route URL: /, 'is invalid: '));
  }
  return raw;
}

/** The lease timings of exclusive carrier routes; a TTL under two renewals would lose a lease to one slow round. */
function carrierLeases(env: Env): Pick<Config, 'carrierLeaseTtlMs' | 'carrierLeaseRenewMs'> {
  const carrierLeaseRenewMs = integer(env, 'CARRIER_LEASE_RENEW_MS', 5000, 50, 600_000);
  const carrierLeaseTtlMs = integer(env, 'CARRIER_LEASE_TTL_MS', 15_000, 100, 3_600_000);
  if (carrierLeaseTtlMs < 2 * carrierLeaseRenewMs) {
    throw new ConfigError(
      'CARRIER_LEASE_TTL_MS',
      `must be at least twice CARRIER_LEASE_RENEW_MS (${carrierLeaseRenewMs}), got ${carrierLeaseTtlMs}`,
    );
  }
  return { carrierLeaseTtlMs, carrierLeaseRenewMs };
}

export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '5s,30s,2m,10m,30m,1h,2h,4h,8h,16h,24h,24h';
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5s,30s,2m,…` → milliseconds; 1 to 50 delays, each at most 7 days. */
function durationList(env: Env, name: string, fallback: string): number[] {
  const raw = env[name] || fallback;
  const delays = raw.split(',').map((part) => {
    const match = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(part);
    if (!match) throw new ConfigError(name, `must be durations like 5s,30s,2m,1h,1d; got "${part.trim()}"`);
    const ms = Number(match[1]) * DURATION_UNITS[match[2]!]!;
    if (ms > 7 * 86_400_000) throw new ConfigError(name, `has a delay over 7 days: "${part.trim()}"`);
    return ms;
  });
  if (delays.length > 50) throw new ConfigError(name, 'may list at most 50 delays');
  return delays;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const dataDir = resolve(env.DATA_DIR || './data');

  const publicUrlRaw = env.PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  url('PUBLIC_URL', publicUrlRaw, ['http:', 'https:']);
  const publicUrl = publicUrlRaw.replace(/\/+$/, '');

  const databaseUrl = env.DATABASE_URL || `sqlite:${resolve(dataDir, 'stratus.db')}`;
  if (!/^sqlite:/.test(databaseUrl)) url('DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:']);
  else if (databaseUrl === 'sqlite:') throw new ConfigError('DATABASE_URL', 'names no SQLite file');

  const stage = env.STAGE === undefined ? '/stratustexting-prod' : env.STAGE.replace(/\/+$/, '');
  if (stage !== '' && !/^\/[A-Za-z0-9._~/-]*$/.test(stage)) {
    throw new ConfigError('STAGE', `must be empty or a path starting with "/", got "${env.STAGE}"`);
  }

  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  const defaultRegion = (env.DEFAULT_REGION || 'US').toUpperCase();
  if (!/^[A-Z]{2}$/.test(defaultRegion)) throw new ConfigError('DEFAULT_REGION', 'must be a two-letter region code');

  return {
    port,
    host,
    publicUrl,
    databaseUrl,
    stage,
    dataDir,
    logLevel,
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    jobConcurrency: integer(env, 'JOB_CONCURRENCY', 10, 1, 1000),
    jobLockTimeoutMs: integer(env, 'JOB_LOCK_TIMEOUT_MS', 300_000, 1000, 86_400_000),
    jobPollIntervalMs: integer(env, 'JOB_POLL_INTERVAL_MS', 1000, 10, 60_000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 15_000, 0, 600_000),
    defaultRegion,
    scopePrefix: env.SCOPE_PREFIX ?? 'https://com.beetexting.scopes/',
    secretKey: secretKey(env.SECRET_KEY),
    refreshTokenTtlSeconds: integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 2_592_000, 60, 31_536_000),
    rateLimitPerSecond: integer(env, 'RATE_LIMIT_PER_SECOND', 100, 1, 1_000_000),
    rateLimitBurst: integer(env, 'RATE_LIMIT_BURST', 200, 1, 1_000_000),
    sitesCacheTtlMs: integer(env, 'SITES_CACHE_TTL_MS', 1000, 0, 3_600_000),
    secureCookies: env.SECURE_COOKIES ? env.SECURE_COOKIES === 'true' : publicUrl.startsWith('https:'),
    smppUrl: smppUrl(env.SMPP_URL),
    sendConcurrency: integer(env, 'SEND_CONCURRENCY', 50, 1, 10_000),
    smscSimPort: integer(env, 'SMSC_SIM_PORT', 0, 0, 65535),
    ...carrierLeases(env),
    mediaAllowPrivateUrls: env.MEDIA_ALLOW_PRIVATE_URLS === 'true',
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE === 'true',
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 10, 60_000),
    webhookValidationTimeoutMs: integer(env, 'WEBHOOK_VALIDATION_TIMEOUT_MS', 5000, 10, 60_000),
    webhookRetryScheduleMs: durationList(env, 'WEBHOOK_RETRY_SCHEDULE', DEFAULT_WEBHOOK_RETRY_SCHEDULE),
    webhookConcurrency: integer(env, 'WEBHOOK_CONCURRENCY', 64, 1, 10_000),
    webhookPerSubscription: integer(env, 'WEBHOOK_MAX_IN_FLIGHT_PER_SUBSCRIPTION', 8, 1, 1000),
    webhookPollIntervalMs: integer(env, 'WEBHOOK_POLL_INTERVAL_MS', 50, 5, 60_000),
    webhookRetentionDays: integer(env, 'WEBHOOK_RETENTION_DAYS', 30, 1, 3650),
  };
}
