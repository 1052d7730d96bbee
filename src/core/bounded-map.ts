/**
 * A cache of values that depend on their key alone, holding at most `max` entries: past that,
 * the entry stored first goes. Lookups do not reorder, so it is first-in first-out, which is
 * enough where the keys in use are few and stable (the certificates of a CA's clients).
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  /** @param max the most entries kept (at least 1). */
  constructor(private readonly max: number) {}

  /** The value kept for `key`, if any. */
  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Keep `value` for `key`, dropping the oldest entry when full. Returns `value`. */
  set(key: K, value: V): V {
    if (!this.entries.has(key) && this.entries.size >= Math.max(1, this.max)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    return value;
  }

  /** How many entries are kept. */
  get size(): number {
    return this.entries.size;
  }
}
