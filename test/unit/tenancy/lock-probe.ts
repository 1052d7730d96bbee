/** A probe of a KeyedMutex for the lock tests: is a key's lock free right now? */
import type { KeyedMutex, LockKind } from '../../../src/tenancy/keyed-mutex.js';

/** Whether the lock of `kind` `name` can be taken within an event-loop turn (the probe releases it once it has it). */
export async function isFree(locks: KeyedMutex, kind: LockKind, name: string): Promise<boolean> {
  let taken = false;
  let asked = false;
  void locks.acquire(kind, name).then((release) => {
    taken = !asked;
    // A probe that had to queue lets go as soon as it gets the lock.
    release();
  });
  await new Promise((resolve) => setImmediate(resolve));
  asked = true;
  return taken;
}
