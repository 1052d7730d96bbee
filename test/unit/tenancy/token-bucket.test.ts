/** Per-identity rate limiting (token-bucket.ts), on an injected clock. */
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../../src/tenancy/token-bucket.js';

describe('token bucket with an injected clock', () => {
  it('allows the burst, refuses with Retry-After, refills over time', () => {
    let now = 0;
    const b = new TokenBuckets(() => now);
    expect([1, 2, 3].map(() => b.take('a', 0.5, 3).ok)).toEqual([true, true, true]);
    expect(b.take('a', 0.5, 3)).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(b.take('b', 0.5, 3).ok).toBe(true);
    now = 1000;
    expect(b.take('a', 0.5, 3)).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 2000;
    expect(b.take('a', 0.5, 3).ok).toBe(true);
    expect(b.take('a', 0.5, 3).ok).toBe(false);
  });

  it('a sweep judges each bucket by its own rate: a fast identity\'s traffic does not refill a slow one', () => {
    let now = 0;
    const b = new TokenBuckets(() => now);
    // bob: 0.2/s, burst 3, used up; carol: 100/s, burst 1000.
    expect([1, 2, 3, 4].map(() => b.take('bob', 0.2, 3).ok)).toEqual([true, true, true, false]);
    now = 1500;
    expect(b.take('carol', 100, 1000).ok).toBe(true);
    // Judged by carol's rate, bob's bucket (0.3 tokens now) looked full and was dropped.
    b.sweep();
    expect(b.take('bob', 0.2, 3)).toEqual({ ok: false, retryAfterSeconds: 4 });
    // Full buckets are forgotten: bob's after 15 s, carol's at once (999 of 1000 + refill).
    now = 20_000;
    b.sweep();
    expect([1, 2, 3, 4].map(() => b.take('bob', 0.2, 3).ok)).toEqual([true, true, true, false]);
  });
});
