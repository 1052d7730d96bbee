/**
 * Holding a TLS reload's read, for tests of reloads that overlap: the loader wrapped by
 * `heldLoader` (in a test file's `vi.mock` factory, around the real loader) reads the files as
 * usual, then, if `holdNextRead` was called, waits until released. Vitest gives each test file
 * its own instance of this module, so the factory and the test share one gate.
 */

/** The next held read: `read` is called once it has read the files, then it waits for `release`. */
let next: { read: () => void; release: Promise<void> } | undefined;

/** `load`, whose next call waits (after reading, before answering) when `holdNextRead` asked it to. */
export function heldLoader<A, R>(load: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
  return async (arg: A) => {
    const hold = next;
    next = undefined;
    const result = await load(arg).then((value) => ({ value }), (err: unknown) => ({ err }));
    if (hold) {
      hold.read();
      await hold.release;
    }
    if ('err' in result) throw result.err;
    return result.value;
  };
}

/** Hold the next read of the wrapped loader: `read` resolves once it has read the files. */
export function holdNextRead(): { read: Promise<void>; release(): void } {
  let read = (): void => {};
  let release = (): void => {};
  const readDone = new Promise<void>((resolve) => (read = resolve));
  next = { read, release: new Promise<void>((resolve) => (release = resolve)) };
  return { read: readDone, release };
}
