/**
 * Connections whose client certificate (or a CA of its verified chain) expires while they are
 * open are cut when it does, as `expired` (connection-cuts.ts): OpenSSL checks the dates only at
 * the handshake, and a client that keeps its connection busy (a request every few seconds, an
 * `events` stream, an `exec` session) would otherwise keep its access past its certificate's
 * end. One timer per connection, cleared when it closes; each request on it compares the clock
 * with the deadline too (expireIfDue), so a timer that fires late (a busy event loop, the wall
 * clock stepped forward) lets no request through.
 */
import type { Duplex } from 'node:stream';
import { cutConnection } from './connection-cuts.js';

/**
 * Longest single wait: setTimeout takes at most 2^31-1 ms (longer fires at once), and timers run
 * on a monotonic clock while notAfter is wall-clock time, so the deadline is looked at again at
 * least this often: a wall clock stepped forward cuts the connection within this time.
 */
export const RECHECK_MS = 60_000;

/** A connection's deadline, and what cutting it reports. */
interface Watch {
  notAfter: number;
  /** Called once, just before the connection is cut. */
  expiring: () => void;
  timer?: NodeJS.Timeout;
}

const watches = new WeakMap<Duplex, Watch>();

/**
 * Whether a certificate whose notAfter is `notAfter` (ms) has expired at `now`: from notAfter
 * itself on, as OpenSSL counts it (X509_cmp_time: a notAfter earlier than or equal to now).
 */
export function isExpired(notAfter: number, now: number): boolean {
  return now >= notAfter;
}

/** How long to wait before looking at a deadline `notAfter` again, at `now`: until it, at most RECHECK_MS. */
export function nextCheckIn(notAfter: number, now: number): number {
  return Math.max(0, Math.min(notAfter - now, RECHECK_MS));
}

/**
 * Cut `socket` (as `expired`) once the clock reaches `notAfter` (ms since the epoch), calling
 * `expiring` first; already past, at once. The timer goes with the connection.
 */
export function watchExpiry(socket: Duplex, notAfter: number, expiring: () => void, now: () => number = Date.now): void {
  // A date Node could not read (never seen: OpenSSL has checked it) gives no deadline.
  if (!Number.isFinite(notAfter)) return;
  const watch: Watch = { notAfter, expiring };
  watches.set(socket, watch);
  const check = (): void => {
    watch.timer = undefined;
    if (expireIfDue(socket, now())) return;
    watch.timer = setTimeout(check, nextCheckIn(notAfter, now()));
    watch.timer.unref();
  };
  socket.once('close', () => {
    if (watch.timer) clearTimeout(watch.timer);
    watch.timer = undefined;
  });
  check();
}

/**
 * When `socket`'s deadline has passed: cut it as `expired` (reported once) and return true. A
 * comparison otherwise; false for a connection not watched.
 */
export function expireIfDue(socket: Duplex, now = Date.now()): boolean {
  const watch = watches.get(socket);
  if (!watch || !isExpired(watch.notAfter, now)) return false;
  if (!socket.destroyed) {
    watch.expiring();
    cutConnection(socket, 'expired');
  }
  return true;
}
