import type { SmppSessionOptions } from './smpp-session.js';

/**
 * A carrier route as one URL, the form an operator writes in configuration:
 *
 *   smpp://system_id:password@host:port?window=10&tps=100&tls=false
 *   ssmpp://system_id:password@host            (TLS; port 3550)
 *
 * Ports default to IANA's: 2775 for smpp, 3550 for ssmpp. User and password are percent-decoded. Query
 * parameters (unknown ones are an error, to catch typos): window, tps, tls, exclusive, systemType (system_type),
 * responseTimeoutMs, enquireLinkIntervalMs, enquireLinkTimeoutMs, reconnectMinMs, reconnectMaxMs,
 * tlsRejectUnauthorized (false accepts any certificate: tests only).
 *
 * exclusive=true: at most one bind across all worker processes (for SMSCs that allow one bind per system_id); the
 * process holding the route's lease binds it (link-leases.ts). Without it every worker process binds the route.
 */

/** How the link manager uses a route beyond its session: not a session option. */
export interface RoutePolicy {
  /** exclusive=true: one bind across all worker processes, owned through a lease. Absent when false. */
  exclusive?: true;
}

export type RouteOptions = RoutePolicy &
  Pick<
    SmppSessionOptions,
    | 'host'
    | 'port'
    | 'systemId'
    | 'password'
    | 'systemType'
    | 'tls'
    | 'window'
    | 'tps'
    | 'responseTimeoutMs'
    | 'enquireLinkIntervalMs'
    | 'enquireLinkTimeoutMs'
    | 'reconnectMinMs'
    | 'reconnectMaxMs'
  >;

export class RouteUrlError extends Error {
  constructor(message: string) {
    super(`Invalid SMPP route URL: ${message}`);
    this.name = 'RouteUrlError';
  }
}

const INTEGER_PARAMS = {
  window: { min: 1, max: 10_000 },
  tps: { min: 0, max: 1_000_000 },
  responseTimeoutMs: { min: 1, max: 3_600_000 },
  enquireLinkIntervalMs: { min: 1, max: 3_600_000 },
  enquireLinkTimeoutMs: { min: 1, max: 3_600_000 },
  reconnectMinMs: { min: 1, max: 3_600_000 },
  reconnectMaxMs: { min: 1, max: 86_400_000 },
} as const;

type IntegerParam = keyof typeof INTEGER_PARAMS;

function parseBoolean(name: string, value: string): boolean {
  if (['true', '1', 'yes', 'on'].includes(value.toLowerCase())) return true;
  if (['false', '0', 'no', 'off'].includes(value.toLowerCase())) return false;
  throw new RouteUrlError(`${name} must be true or false, got "${value}"`);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RouteUrlError(`${what} is not valid percent-encoding`);
  }
}

export function parseRouteUrl(raw: string): RouteOptions {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RouteUrlError('not a URL');
  }
  if (url.protocol !== 'smpp:' && url.protocol !== 'ssmpp:') {
    throw new RouteUrlError(`scheme must be smpp or ssmpp, got "${url.protocol.replace(/:$/, '')}"`);
  }
  const secure = url.protocol === 'ssmpp:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new RouteUrlError('host is missing');
  const systemId = decode(url.username, 'system_id');
  if (!systemId) throw new RouteUrlError('system_id (the URL user) is missing');
  const password = decode(url.password, 'password');
  if (url.pathname && url.pathname !== '/') throw new RouteUrlError('a path is not allowed');

  const options: RouteOptions = {
    host,
    port: url.port ? Number(url.port) : secure ? 3550 : 2775,
    systemId,
    password,
  };
  let tls = secure;
  let rejectUnauthorized = true;
  for (const [name, value] of url.searchParams) {
    if (name in INTEGER_PARAMS) {
      const { min, max } = INTEGER_PARAMS[name as IntegerParam];
      if (!/^\d+$/.test(value)) throw new RouteUrlError(`${name} must be a whole number, got "${value}"`);
      const number = Number(value);
      if (number < min || number > max) throw new RouteUrlError(`${name} must be between ${min} and ${max}`);
      options[name as IntegerParam] = number;
    } else if (name === 'tls') {
      tls = parseBoolean(name, value);
      if (secure && !tls) throw new RouteUrlError('ssmpp:// is always TLS; tls=false contradicts it');
    } else if (name === 'exclusive') {
      if (parseBoolean(name, value)) options.exclusive = true;
      else delete options.exclusive;
    } else if (name === 'systemType' || name === 'system_type') {
      options.systemType = value;
    } else if (name === 'tlsRejectUnauthorized') {
      rejectUnauthorized = parseBoolean(name, value);
    } else {
      throw new RouteUrlError(`unknown parameter "${name}"`);
    }
  }
  if (tls) options.tls = rejectUnauthorized ? true : { rejectUnauthorized: false };
  return options;
}

/** The URL with its password replaced, for logs and screens. */
export function redactRouteUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '[invalid SMPP route URL]';
  }
}
