/**
 * One async lock per key: a quota check and the create it admits run under the caller's lock,
 * released only when the daemon has answered, so concurrent creates by one identity are
 * counted one after another and exactly the quota succeeds.
 */

/** Serialises critical sections per key. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Wait for `key`'s lock; resolves to the release function (call it exactly once). */
  async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      // Drop the entry when nobody queued behind us.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
