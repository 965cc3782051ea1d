import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths that may hold secrets. pino replaces them before a line is written, so no password, token,
 * client secret or API key reaches a log.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.clientSecret',
  '*.client_secret',
  '*.apiKey',
  '*.access_token',
  '*.refresh_token',
  '*.secret',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
