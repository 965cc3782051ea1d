import { type Clock, systemClock } from '../../platform/clock.js';

/**
 * A token bucket: `rate` tokens per second accrue up to `capacity`; each submit_sm takes one. It enforces a
 * carrier's messages-per-second limit while allowing a short burst of `capacity`. Time is read from a Clock,
 * so the arithmetic is tested without sleeping.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private capacity: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(rate > 0)) throw new RangeError('rate must be positive');
    this.capacity = Math.max(1, capacity);
    this.tokens = this.capacity;
    this.last = clock.now();
  }

  /** Tokens available now (fractional while accruing). */
  get available(): number {
    this.refill();
    return this.tokens;
  }

  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until one whole token is available; 0 when one is. */
  msUntilToken(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }

  /** Changes rate and capacity; tokens earned so far at the old rate are kept (capped at the new capacity). */
  configure(rate: number, capacity: number): void {
    if (!(rate > 0)) throw new RangeError('rate must be positive');
    this.refill();
    this.rate = rate;
    this.capacity = Math.max(1, capacity);
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.rate) / 1000);
      this.last = now;
    }
  }
}

export interface SendPacerOptions {
  /** Messages per second; 0 = unlimited. */
  tps: number;
  /** Submits awaiting their response at most. */
  window: number;
  /** Bucket capacity at full speed (default max(1, ceil(tps / 10)): at most 10 % over the rate in any second). */
  burst?: number;
  /** Pause after a throttling answer, before anything else is sent (default 1000 ms). */
  backoffMs?: number;
  /** After the pause, the slowed factor doubles every recoveryMs until back to full speed (default 5000 ms). */
  recoveryMs?: number;
  /** The factor never drops below this (default 0.05). */
  minFactor?: number;
  clock?: Clock;
}

/**
 * Decides when the next submit_sm may go: the carrier's tps (token bucket) and, after ESME_RTHROTTLED or
 * ESME_RMSGQFUL, a slow-down. Multiplicative decrease: each throttling answer halves a factor applied to both
 * tps and window and pauses sending for backoffMs; then the factor doubles every recoveryMs back to 1.
 * With tps 0 (unlimited) the slow-down acts on the window alone.
 */
export class SendPacer {
  private readonly tps: number;
  private readonly window: number;
  private readonly burst: number;
  private readonly backoffMs: number;
  private readonly recoveryMs: number;
  private readonly minFactor: number;
  private readonly clock: Clock;
  private readonly bucket: TokenBucket | undefined;
  private throttledFactor = 1;
  private pausedUntil = 0;
  private throttled = false;

  constructor(options: SendPacerOptions) {
    this.tps = Math.max(0, options.tps);
    this.window = Math.max(1, Math.floor(options.window));
    this.burst = options.burst ?? Math.max(1, Math.ceil(this.tps / 10));
    this.backoffMs = options.backoffMs ?? 1000;
    this.recoveryMs = Math.max(1, options.recoveryMs ?? 5000);
    this.minFactor = options.minFactor ?? 0.05;
    this.clock = options.clock ?? systemClock;
    this.bucket = this.tps > 0 ? new TokenBucket(this.tps, this.burst, this.clock) : undefined;
  }

  /** 1 at full speed; less after throttling. */
  factor(): number {
    if (!this.throttled) return 1;
    const sincePause = this.clock.now() - this.pausedUntil;
    if (sincePause <= 0) return this.throttledFactor;
    const factor = this.throttledFactor * 2 ** (sincePause / this.recoveryMs);
    if (factor >= 1) {
      this.throttled = false;
      return 1;
    }
    return factor;
  }

  /** The carrier asked us to slow down. */
  onThrottle(): void {
    this.throttledFactor = Math.max(this.minFactor, this.factor() / 2);
    this.throttled = true;
    this.pausedUntil = this.clock.now() + this.backoffMs;
  }

  effectiveWindow(): number {
    return Math.max(1, Math.floor(this.window * this.factor()));
  }

  /** 0 = unlimited. */
  effectiveTps(): number {
    return this.tps === 0 ? 0 : this.tps * this.factor();
  }

  /** 0 when a submit may be sent now (a token is taken); otherwise the milliseconds to wait before asking again. */
  acquire(): number {
    const now = this.clock.now();
    if (now < this.pausedUntil) return this.pausedUntil - now;
    if (!this.bucket) return 0;
    const factor = this.factor();
    this.bucket.configure(this.tps * factor, Math.ceil(this.burst * factor));
    if (this.bucket.tryTake()) return 0;
    return Math.max(1, this.bucket.msUntilToken());
  }
}
