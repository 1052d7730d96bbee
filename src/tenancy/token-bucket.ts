/**
 * Per-identity request rate limits: token buckets refilled continuously. The clock is passed
 * in so tests can drive time. Buckets of idle identities are dropped once full again.
 */

/** Milliseconds since some epoch; `Date.now` in production. */
export type Clock = () => number;

/** The answer for one request: allowed, or denied with the seconds until a token is back. */
export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
  /** The refill rate and size of the bucket's last take: each identity's own (quotas differ per user and group). */
  perSecond: number;
  burst: number;
}

/** A set of token buckets keyed by identity. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly clock: Clock) {}

  /** Take one token from `key`'s bucket of `burst` tokens refilled at `perSecond`. */
  take(key: string, perSecond: number, burst: number): TakeResult {
    const now = this.clock();
    const b = this.buckets.get(key) ?? { tokens: burst, at: now, perSecond, burst };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    b.perSecond = perSecond;
    b.burst = burst;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.buckets.set(key, b);
      return { ok: true };
    }
    this.buckets.set(key, b);
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perSecond)) };
  }

  /**
   * Forget buckets that would be full by now (bounded memory with many identities), each judged
   * by its own rate and size: judged by the caller's, another identity's traffic refilled the
   * bucket of one with a slower rate (a per-user quota) early.
   */
  sweep(): void {
    const now = this.clock();
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * b.perSecond >= b.burst) this.buckets.delete(key);
    }
  }
}
