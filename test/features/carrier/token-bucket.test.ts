import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/features/carrier/smpp-session.js';
import { SendPacer, TokenBucket } from '../../../src/features/carrier/token-bucket.js';
import { ManualClock } from '../../../src/platform/clock.js';

describe('TokenBucket', () => {
  it('allows a burst of its capacity, then one token per 1/rate seconds', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(10, 3, clock);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
    expect(bucket.msUntilToken()).toBe(100);
    clock.advance(50);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.msUntilToken()).toBe(50);
    clock.advance(50);
    expect(bucket.tryTake()).toBe(true);
    clock.advance(10_000);
    expect(bucket.available).toBe(3); // never above capacity
  });

  it('over any long period sends rate × seconds (+ the burst)', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(100, 10, clock);
    let sent = 0;
    for (let ms = 0; ms < 5000; ms++) {
      while (bucket.tryTake()) sent++;
      clock.advance(1);
    }
    expect(sent).toBeGreaterThanOrEqual(500);
    expect(sent).toBeLessThanOrEqual(510);
  });

  it('keeps earned tokens when reconfigured', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(10, 5, clock);
    for (let i = 0; i < 5; i++) bucket.tryTake();
    clock.advance(200); // 2 tokens at 10/s
    bucket.configure(1, 5);
    expect(bucket.available).toBeCloseTo(2);
    expect(() => new TokenBucket(0, 1, clock)).toThrow(RangeError);
  });
});

describe('SendPacer', () => {
  it('with tps 0 never waits and keeps the full window', () => {
    const pacer = new SendPacer({ tps: 0, window: 10, clock: new ManualClock() });
    for (let i = 0; i < 1000; i++) expect(pacer.acquire()).toBe(0);
    expect(pacer.effectiveWindow()).toBe(10);
  });

  it('enforces tps with a burst of tps/10 by default', () => {
    const clock = new ManualClock();
    const pacer = new SendPacer({ tps: 100, window: 10, clock });
    let immediate = 0;
    while (pacer.acquire() === 0) immediate++;
    expect(immediate).toBe(10);
    expect(pacer.acquire()).toBe(10); // one every 10 ms
  });

  it('on throttling pauses, halves tps and window, then recovers', () => {
    const clock = new ManualClock();
    const pacer = new SendPacer({ tps: 100, window: 10, backoffMs: 1000, recoveryMs: 1000, clock });
    pacer.onThrottle();
    expect(pacer.acquire()).toBe(1000); // paused
    expect(pacer.factor()).toBe(0.5);
    expect(pacer.effectiveWindow()).toBe(5);
    expect(pacer.effectiveTps()).toBe(50);
    pacer.onThrottle(); // again while slowed: halves again
    expect(pacer.factor()).toBe(0.25);
    clock.advance(1000); // the pause ends
    expect(pacer.acquire()).toBe(0);
    clock.advance(1000); // one recovery period: doubled
    expect(pacer.factor()).toBeCloseTo(0.5);
    clock.advance(1000);
    expect(pacer.factor()).toBe(1);
    expect(pacer.effectiveWindow()).toBe(10);
  });

  it('never slows below the minimum factor', () => {
    const pacer = new SendPacer({ tps: 100, window: 4, minFactor: 0.1, clock: new ManualClock() });
    for (let i = 0; i < 20; i++) pacer.onThrottle();
    expect(pacer.factor()).toBe(0.1);
    expect(pacer.effectiveWindow()).toBe(1);
  });
});

describe('reconnect backoff', () => {
  it('doubles from min to max, jittered down by at most half', () => {
    expect(backoffDelay(0, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelay(0, 1000, 60_000, () => 0)).toBe(1000); // never below min
    expect(backoffDelay(3, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffDelay(3, 1000, 60_000, () => 0)).toBe(4000);
    expect(backoffDelay(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(1000, 1000, 60_000, () => 0.5)).toBe(45_000);
  });
});
