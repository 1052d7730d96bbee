/**
 * A set of recently seen keys with a time-to-live and a size cap, oldest first. Used to keep
 * per-client-certificate series only for clients seen lately, so the metric stays bounded.
 */

/** Recently seen keys; `touch` returns the keys that fell out so their series can be removed. */
export interface RecentKeys {
  /** Mark `key` as seen now; returns keys evicted by the size cap or by age. */
  touch(key: string): string[];
  /** Evict keys not seen within the TTL; returns them. */
  prune(): string[];
  readonly size: number;
}

/** Create a recent-keys set. `now` gives milliseconds (injected so tests control time). */
export function createRecentKeys(opts: { ttlMs: number; max: number; now?: () => number }): RecentKeys {
  const now = opts.now ?? Date.now;
  // A Map iterates in insertion order; re-inserting on touch keeps it ordered by last use.
  const lastSeen = new Map<string, number>();

  function prune(): string[] {
    const cutoff = now() - opts.ttlMs;
    const evicted: string[] = [];
    for (const [key, at] of lastSeen) {
      if (at > cutoff) break;
      lastSeen.delete(key);
      evicted.push(key);
    }
    return evicted;
  }

  return {
    touch(key) {
      lastSeen.delete(key);
      lastSeen.set(key, now());
      const evicted = prune();
      while (lastSeen.size > opts.max) {
        const oldest = lastSeen.keys().next().value as string;
        lastSeen.delete(oldest);
        evicted.push(oldest);
      }
      return evicted;
    },
    prune,
    get size() {
      return lastSeen.size;
    },
  };
}
