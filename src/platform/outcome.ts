import { isUniqueViolation } from './db/errors.js';

/** An expected outcome of a service: a value, or a registered error code with an optional message. */
export type Outcome<T, Code extends string = string> = Success<T> | Failure<Code>;
export interface Success<T> {
  ok: true;
  value: T;
}
export interface Failure<Code extends string = string> {
  ok: false;
  code: Code;
  message?: string;
  details?: unknown;
}

export const ok = <T>(value: T): Success<T> => ({ ok: true, value });
export const fail = <Code extends string>(code: Code, message?: string, details?: unknown): Failure<Code> => ({
  ok: false,
  code,
  message,
  details,
});

/** Thrown inside a transaction to roll it back with an expected outcome; asOutcome() turns it into one. */
export class ExpectedFailure<Code extends string = string> extends Error {
  constructor(readonly failure: Failure<Code>) {
    super(failure.code);
  }
}

/** Runs `work`; an ExpectedFailure thrown from it (after its transaction rolled back) becomes a Failure. */
export async function asOutcome<T, Code extends string = string>(work: () => Promise<T>): Promise<Outcome<T, Code>> {
  try {
    return ok(await work());
  } catch (error) {
    if (error instanceof ExpectedFailure) return error.failure as Failure<Code>;
    throw error;
  }
}

/** Awaits a write; a unique-constraint violation becomes the expected failure `code`. */
export async function uniqueOr<T>(write: Promise<T>, code: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw new ExpectedFailure(fail(code));
    throw error;
  }
}
