/** How many timers a piece of code unrefs: for tests that a timer does not keep the process alive. */
import { vi } from 'vitest';

/** Run `fn` with setTimeout spied (real timers still set), and return how often `unref` was called on the timers it set. */
export function unrefCount(fn: () => void): number {
  let unrefs = 0;
  const real = globalThis.setTimeout;
  const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms: number) => {
    const timer = real(callback, ms);
    const realUnref = timer.unref.bind(timer);
    timer.unref = () => {
      unrefs++;
      return realUnref();
    };
    return timer;
  }) as typeof setTimeout);
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return unrefs;
}
