import type { Transaction } from 'kysely';
import type { Database } from './database.js';
import type { Tables } from './tables.js';

/**
 * Group commit: units of work submitted while a batch is being written are run together in the next transaction,
 * so N concurrent small writes cost one BEGIN/COMMIT instead of N. On SQLite a commit is the dominant cost of a
 * small write (WAL frames for every touched page); on PostgreSQL it is a WAL flush. Under no load a unit runs alone,
 * at once; under load batches grow by themselves (the classic group commit of database logs).
 *
 * Units must be independent (they see each other's writes, in submission order) and must not rely on the
 * transaction rolling back for expected outcomes. If a batch fails, its units are run again one transaction each,
 * so one bad unit fails alone and the others commit.
 */
export interface GroupCommit {
  run<T>(work: (trx: Transaction<Tables>) => Promise<T>): Promise<T>;
}

interface Unit {
  work: (trx: Transaction<Tables>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Units per transaction at most, so one transaction never holds the writer for long. */
export const DEFAULT_GROUP_COMMIT_BATCH = 64;

export interface GroupCommitOptions {
  /** Units per transaction at most (DEFAULT_GROUP_COMMIT_BATCH). */
  maxBatch?: number;
  /**
   * Batches written at once (1). SQLite has one writer, so 1; on PostgreSQL a few let several connections work
   * while each batch still shares its commit.
   */
  concurrency?: number;
}

export function createGroupCommit(database: Pick<Database, 'transaction'>, options: GroupCommitOptions = {}) {
  const maxBatch = options.maxBatch ?? DEFAULT_GROUP_COMMIT_BATCH;
  const concurrency = options.concurrency ?? 1;
  const queue: Unit[] = [];
  let active = 0;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      if (batch.length === 1) {
        await runAlone(batch[0]!);
        continue;
      }
      let results: unknown[];
      try {
        results = await database.transaction(async (trx) => {
          const out: unknown[] = [];
          for (const unit of batch) out.push(await unit.work(trx));
          return out;
        });
      } catch {
        // Which unit failed is unknown (and on PostgreSQL the transaction is aborted): each runs alone.
        for (const unit of batch) await runAlone(unit);
        continue;
      }
      for (const [index, unit] of batch.entries()) unit.resolve(results[index]);
    }
    active--;
  }

  async function runAlone(unit: Unit): Promise<void> {
    try {
      unit.resolve(await database.transaction(unit.work));
    } catch (error) {
      unit.reject(error);
    }
  }

  return {
    run<T>(work: (trx: Transaction<Tables>) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (active < concurrency) {
          active++;
          // The next turn of the event loop, so units submitted in this one join the batch.
          setImmediate(() => void drain());
        }
      });
    },
  } satisfies GroupCommit;
}
