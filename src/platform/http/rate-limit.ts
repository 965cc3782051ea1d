/**
 * A token bucket per key (e.g. per API client): `burst` requests at once, refilled at `ratePerSecond`.
 * In memory, so each process limits on its own; with N API processes a client gets up to N times the rate.
 */
export function createTokenBucketLimiter(options: { ratePerSecond: number; burst: number; now: () => number }) {
  const { ratePerSecond, burst, now } = options;
  const buckets = new Map<string, { tokens: number; updatedAt: number }>();
  return {
    /** Takes one token; when none is left, says how many seconds until one is. */
    take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
      const at = now();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size > 100_000) buckets.clear();
        bucket = { tokens: burst, updatedAt: at };
        buckets.set(key, bucket);
      }
      bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.updatedAt) / 1000) * ratePerSecond);
      bucket.updatedAt = at;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)) };
    },
  };
}
