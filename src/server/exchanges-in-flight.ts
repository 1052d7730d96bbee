/**
 * The exchanges in flight on the Docker API listener, counted from the observer's records, so that
 * shutdown can wait until every exchange it cut off has reported (its audit record written).
 */
import type { Observer } from '../core/observer.js';

/**
 * Exchanges in flight: one per `request` or `upgrade` event, done when the observer gets its
 * record (every exchange reports exactly once, also when its connection is destroyed).
 */
export function trackExchanges(observer: Observer) {
  let open = 0;
  let wake: (() => void) | undefined;
  return {
    observer: {
      ...observer,
      requestFinished(record) {
        observer.requestFinished(record);
        open -= 1;
        if (open <= 0) wake?.();
      },
    } satisfies Observer,
    started(): void {
      open += 1;
    },
    /** Resolves with the number still open once none is, or after `ms`. */
    settled(ms: number): Promise<number> {
      if (open <= 0) return Promise.resolve(0);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          wake = undefined;
          resolve(open);
        }, ms);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve(0);
        };
      });
    },
  };
}
