/**
 * Collects the items submitted during one turn of the event loop (and while a flush is running) and hands them to
 * `flush` together, so N concurrent requests for the same kind of write cost one statement instead of N. Under no
 * load an item is flushed alone, at once; under load batches grow by themselves. Unlike group-commit.ts, which runs
 * closures in one transaction, this is for writes that SQL can do as a set (`DELETE … WHERE id IN (…)`).
 *
 * `flush` resolves to one result per item, in order; if it throws, every item of that batch rejects with the error,
 * or with `retryAlone` each item is flushed again on its own (like group-commit.ts's fallback).
 */
export interface Batcher<Item, Result> {
  submit(item: Item): Promise<Result>;
}

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Items per flush at most. */
  maxBatch: number;
  /** Flushes running at once (1): more than one only where batches are independent (separate connections). */
  concurrency?: number;
  /** When a flush of several items throws, flush each alone (false: every item of the batch rejects). */
  retryAlone?: boolean;
}

export function createBatcher<Item, Result>(
  flush: (items: Item[]) => Promise<Result[]>,
  options: BatcherOptions,
): Batcher<Item, Result> {
  const concurrency = options.concurrency ?? 1;
  const queue: Pending<Item, Result>[] = [];
  let active = 0;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, options.maxBatch);
      try {
        const results = await flush(batch.map((pending) => pending.item));
        for (const [index, pending] of batch.entries()) pending.resolve(results[index] as Result);
      } catch (error) {
        if (batch.length === 1 || !options.retryAlone) {
          for (const pending of batch) pending.reject(error);
          continue;
        }
        // Which item failed is unknown: each is flushed alone, so one bad item fails alone.
        for (const pending of batch) {
          try {
            const [result] = await flush([pending.item]);
            pending.resolve(result as Result);
          } catch (aloneError) {
            pending.reject(aloneError);
          }
        }
      }
    }
    active--;
  }

  return {
    submit(item) {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (active < concurrency) {
          active++;
          // The next turn of the event loop, so items submitted in this one join the batch.
          setImmediate(() => void drain());
        }
      });
    },
  };
}
