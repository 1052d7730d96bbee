/**
 * Counter series for the per-request counters: an increment adds to a plain number, and the
 * sums reach prom-client's counter when it is collected (every scrape, every `get()`).
 * prom-client's own `inc()` hashes and validates the label set on every call, kept children
 * included, which every proxied request paid three times (docs/benchmarks.md). What a scrape
 * shows is the same: collection happens before the counter's values are read.
 */
import type { Counter } from 'prom-client';

/** One label set of a deferred counter. */
export interface DeferredSeries {
  /** Add `value` (a non-negative finite number) to the series. */
  inc(value?: number): void;
}

/** The series of one counter, by a key the caller derives from the label values. */
export interface DeferredCounts<L extends string> {
  /** The series for `key`, created with `labels` the first time. */
  series(key: string, labels: () => Partial<Record<L, string>>): DeferredSeries;
  /** Hand the pending sums to the counter. Pass as the counter's `collect`. */
  flush(): void;
}

interface Pending extends DeferredSeries {
  labels: Partial<Record<string, string>>;
  sum: number;
}

/** Deferred series for `counter()`; the counter is looked up lazily so it can name `flush` as its `collect`. */
export function deferredCounts<L extends string>(counter: () => Counter<L>): DeferredCounts<L> {
  const all = new Map<string, Pending>();
  return {
    series(key, labels) {
      let s = all.get(key);
      if (!s) {
        const entry: Pending = {
          labels: labels(),
          sum: 0,
          inc(value = 1) {
            // prom-client refuses these with a throw; a metric must never break a request.
            if (value > 0 && Number.isFinite(value)) entry.sum += value;
          },
        };
        all.set(key, (s = entry));
      }
      return s;
    },
    flush() {
      const c = counter();
      for (const s of all.values()) {
        if (s.sum === 0) continue;
        c.inc(s.labels as Partial<Record<L, string>>, s.sum);
        s.sum = 0;
      }
    },
  };
}
