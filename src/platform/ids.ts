import { randomBytes } from 'node:crypto';

/**
 * Ids are 24 lower-case hex characters laid out like a MongoDB ObjectId (CONTRACT.md §3):
 * 4 bytes of seconds since the epoch, 5 random bytes fixed per process, 3 bytes of a counter.
 * They sort by creation time, need no coordination between processes and never repeat within one.
 */
const processUnique = randomBytes(5).toString('hex');
let counter = randomBytes(3).readUIntBE(0, 3);

export function newId(now: number = Date.now()): string {
  counter = (counter + 1) % 0x1000000;
  const seconds = Math.floor(now / 1000);
  return seconds.toString(16).padStart(8, '0') + processUnique + counter.toString(16).padStart(6, '0');
}

const ID_PATTERN = /^[0-9a-f]{24}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/**
 * An id above every id `newId(t)` answers for `t <= at` (the first id of the next second), so `id < idUpperBound(t)`
 * bounds a scan for rows made up to `t` to a range of the primary key.
 */
export function idUpperBound(at: number): string {
  return (Math.floor(at / 1000) + 1).toString(16).padStart(8, '0') + '0'.repeat(16);
}
