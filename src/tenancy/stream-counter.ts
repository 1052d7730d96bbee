/** Concurrent long-lived streams per identity, for the `streams` quota. */

/** Counts open streams by key. */
export class StreamCounter {
  private readonly open = new Map<string, number>();

  /** Open a stream for `key` unless `max` are open; returns the close function, or undefined when full. */
  tryOpen(key: string, max: number): (() => void) | undefined {
    const n = this.open.get(key) ?? 0;
    if (n >= max) return undefined;
    this.open.set(key, n + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  /** Streams open for `key`. */
  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}
