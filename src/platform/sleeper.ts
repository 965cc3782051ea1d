/**
 * The idle wait of a polling loop (the job worker, the webhook runner): `idle(ms)` resolves after `ms` or as soon
 * as `wake()` is called. A wake-up that arrives while the loop is busy (mid-claim) is remembered, so the next idle
 * returns at once and no nudge is ever lost; `reset()` forgets it (a stopped loop).
 */
export interface Sleeper {
  idle(ms: number): Promise<void>;
  wake(): void;
  reset(): void;
}

export function createSleeper(): Sleeper {
  let woken = false;
  let wakeSleeper: (() => void) | undefined;
  return {
    idle(ms) {
      if (woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        wakeSleeper = done;
        function done() {
          clearTimeout(timer);
          wakeSleeper = undefined;
          woken = false;
          resolve();
        }
      });
    },
    wake() {
      woken = true;
      wakeSleeper?.();
    },
    reset() {
      woken = false;
    },
  };
}

/**
 * Waits for `work` to settle, at most `timeoutMs`: true when it did in time (a graceful stop waiting for what is
 * running), false when the time ran out first. `work` must not reject.
 */
export async function settledWithin(work: readonly Promise<unknown>[], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    Promise.all(work).then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return finished;
}
