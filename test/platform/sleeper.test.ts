import { describe, expect, it } from 'vitest';
import { createSleeper, settledWithin } from '../../src/platform/sleeper.js';

describe('createSleeper', () => {
  it('idles until the time is up when nobody wakes it', async () => {
    const sleeper = createSleeper();
    let resolved = false;
    const idle = sleeper.idle(20).then(() => (resolved = true));
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(resolved).toBe(false);
    await idle;
    expect(resolved).toBe(true);
  });

  it('wake() ends an idle wait at once', async () => {
    const sleeper = createSleeper();
    const started = Date.now();
    const idle = sleeper.idle(60_000);
    sleeper.wake();
    await idle;
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('remembers a wake-up that came while nobody idled, once; reset() forgets it', async () => {
    const sleeper = createSleeper();
    sleeper.wake();
    let first = false;
    await sleeper.idle(60_000).then(() => (first = true));
    expect(first).toBe(true);
    // The remembered wake-up was used: the next idle waits again.
    let second = false;
    void sleeper.idle(30).then(() => (second = true));
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(second).toBe(false);

    sleeper.wake();
    sleeper.reset();
    let third = false;
    void sleeper.idle(30).then(() => (third = true));
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(third).toBe(false);
  });
});

describe('settledWithin', () => {
  it('answers true when the work settles in time, false when the time runs out first', async () => {
    expect(await settledWithin([Promise.resolve(1), new Promise((resolve) => setTimeout(resolve, 5))], 60_000)).toBe(
      true,
    );
    expect(await settledWithin([], 60_000)).toBe(true);
    expect(await settledWithin([new Promise(() => {})], 10)).toBe(false);
  });
});
