/**
 * Waiting on a condition without sleeping: whatever can change it calls `notify` (a socket's
 * data, connection or close), and `until` re-checks then. The forwarder's timing tests wait on
 * these events instead of fixed delays, which a loaded machine outlasts.
 */
import type { Socket } from 'node:net';

/** A condition re-checked on every notified change. */
export class Changes {
  private readonly waiters = new Set<() => void>();

  /** Something a condition may read has changed: re-check the waiting ones. */
  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves true once `check()` holds, false if it still does not after `ms` (a bound for a failing test, not a delay). */
  until(check: () => boolean, ms = 10_000): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.waiters.delete(waiter);
        clearTimeout(timer);
        resolve(ok);
      };
      const waiter = (): void => {
        if (check()) done(true);
      };
      const timer = setTimeout(() => done(check()), ms);
      this.waiters.add(waiter);
    });
  }
}

/** Resolves when `socket` has closed, whatever error came before (`events.once` would reject on one). */
export function closeOf(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) resolve();
    else socket.once('close', () => resolve());
  });
}
