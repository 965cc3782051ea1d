import { type DestinationStream, type Logger, pino } from 'pino';

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

/**
 * How `err` is logged: type, message and stack only. pino's default serializer copies every enumerable field, and a
 * driver error's fields (pg `detail`, `parameters`, `where`) can quote the very values a statement carried: phone
 * numbers, message texts.
 */
export function serializeError(error: unknown): { type: string; message: string; stack?: string } {
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { type: typeof error, message: String(error) };
}

/** The process's logger: JSON lines on stdout, or on `destination` (tests). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
  };
  return destination ? pino(options, destination) : pino(options);
}
