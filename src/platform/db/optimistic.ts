/**
 * Optimistic concurrency: an update is conditional on the row's `version`, and a transaction whose conditional
 * update lost to a concurrent writer throws VersionConflict, rolls back and runs again (`retryOnConflict`).
 */

/** Attempts of a transaction that keeps losing its conditional update before the last conflict is thrown. */
export const VERSION_ATTEMPTS = 10;

/** Thrown inside a transaction when a conditional update lost to a concurrent writer: roll back and retry. */
export class VersionConflict extends Error {}

/** Runs `work` (one transaction) again when it threw VersionConflict, up to VERSION_ATTEMPTS times. */
export async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof VersionConflict) || attempt >= VERSION_ATTEMPTS) throw error;
    }
  }
}
