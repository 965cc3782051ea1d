/**
 * Classifies driver errors by their SQLSTATE (PostgreSQL) or extended result code (SQLite),
 * never by message text, so repositories can turn a constraint violation into a typed outcome.
 */
export type DbErrorKind = 'unique' | 'foreign_key' | 'not_null' | 'check' | 'unavailable';

const POSTGRES_CODES: Record<string, DbErrorKind> = {
  '23505': 'unique',
  '23503': 'foreign_key',
  '23502': 'not_null',
  '23514': 'check',
  '57P01': 'unavailable', // admin_shutdown
  '57P02': 'unavailable', // crash_shutdown
  '57P03': 'unavailable', // cannot_connect_now
  '53300': 'unavailable', // too_many_connections
};

const SQLITE_CODES: Record<string, DbErrorKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
  SQLITE_CONSTRAINT_NOTNULL: 'not_null',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_BUSY: 'unavailable',
  SQLITE_CANTOPEN: 'unavailable',
};

/** Socket-level codes of a database connection that went away or never came. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

export function dbErrorKind(error: unknown): DbErrorKind | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code in POSTGRES_CODES) return POSTGRES_CODES[code]!;
    if (code in SQLITE_CODES) return SQLITE_CODES[code]!;
    // Class 08 is "connection exception" in the SQLSTATE table.
    if (/^08[0-9A-Z]{3}$/.test(code) || NETWORK_CODES.has(code)) return 'unavailable';
  }
  return isPoolConnectionLoss(error) ? 'unavailable' : null;
}

/** pg raises a code-less Error when a connection dies mid-query or cannot be had in time. */
function isPoolConnectionLoss(error: object): boolean {
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    (message.startsWith('Connection terminated') || message.startsWith('timeout exceeded when trying to connect'))
  );
}

export function isUniqueViolation(error: unknown): boolean {
  return dbErrorKind(error) === 'unique';
}
