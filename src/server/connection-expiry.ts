/**
 * Connections whose client certificate (or a CA of its verified chain) expires while they are
 * open are cut when it does, as `expired` (connection-cuts.ts): OpenSSL checks the dates only at
 * the handshake, and a client that keeps its connection busy (a request every few seconds, an
 * `events` stream, an `exec` session) would otherwise keep its access past its certificate's
 * end. One timer for the process, armed for the earliest deadline of the open connections (a
 * heap of them, each taken out when its connection closes), at most RECHECK_MS ahead: a timer
 * and two listener closures per connection were about 0.5 KB of every idle stream. Each request
 * on a connection compares the clock with its deadline too (expireIfDue), so a timer that fires
 * late (a busy event loop, the wall clock stepped forward) lets no request through.
 */
import type { Duplex } from 'node:stream';
import { DeadlineHeap } from '../core/deadline-heap.js';
import { cutConnection } from './connection-cuts.js';

/**
 * Longest single wait: setTimeout takes at most 2^31-1 ms (longer fires at once), and timers run
 * on a monotonic clock while notAfter is wall-clock time, so the deadline is looked at again at
 * least this often: a wall clock stepped forward cuts the connection within this time.
 */
export const RECHECK_MS = 60_000;

/** A connection's deadline, and what cutting it reports. */
interface Watch {
  readonly socket: Duplex;
  /** notAfter (ms since the epoch). */
  readonly deadline: number;
  /** Called once, just before the connection is cut. */
  readonly expiring: () => void;
  /** Its place in `pending` (-1 once out). */
  heapIndex: number;
}

const watches = new WeakMap<Duplex, Watch>();

/** The deadlines of open connections not cut yet, earliest first. */
const pending = new DeadlineHeap<Watch>();

/** The one timer, armed while `pending` holds a deadline. */
let timer: NodeJS.Timeout | undefined;

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

/** (Re)arm the timer for the earliest pending deadline, read against the clock now; none when nothing is pending. */
function arm(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
  const first = pending.peek();
  if (!first) return;
  timer = setTimeout(checkPending, nextCheckIn(first.deadline, Date.now()));
  timer.unref();
}

/** The timer's turn: cut every connection whose deadline has passed, then wait for the next one. */
function checkPending(): void {
  timer = undefined;
  const now = Date.now();
  try {
    for (let first = pending.peek(); first && isExpired(first.deadline, now); first = pending.peek()) {
      pending.remove(first);
      expireIfDue(first.socket, now);
    }
  } finally {
    // Also after a report that threw: the deadlines still pending keep their timer.
    arm();
  }
}

/** A watched connection's 'close' listener (one function for all): its deadline is no longer waited for. */
function unwatch(this: Duplex): void {
  const watch = watches.get(this);
  if (watch && pending.remove(watch) && pending.size === 0) arm();
}

/**
 * Cut `socket` (as `expired`) once the clock reaches `notAfter` (ms since the epoch), calling
 * `expiring` first; already past, at once. Its deadline is forgotten when it closes.
 */
export function watchExpiry(socket: Duplex, notAfter: number, expiring: () => void): void {
  // A date Node could not read (never seen: OpenSSL has checked it) gives no deadline.
  if (!Number.isFinite(notAfter)) return;
  const watch: Watch = { socket, deadline: notAfter, expiring, heapIndex: -1 };
  // Watched again: this deadline replaces the earlier one, whose entry would keep the socket.
  const earlier = watches.get(socket);
  if (earlier) pending.remove(earlier);
  watches.set(socket, watch);
  if (expireIfDue(socket) || socket.destroyed) return;
  // The listener of the earlier watch serves this one (it looks the socket's watch up).
  if (!earlier) socket.on('close', unwatch);
  pending.push(watch);
  // A new earliest deadline: the timer is set for it (one not earliest is looked at by then).
  if (pending.peek() === watch) arm();
}

/**
 * When `socket`'s deadline has passed: cut it as `expired` (reported once) and return true. A
 * comparison otherwise; false for a connection not watched.
 */
export function expireIfDue(socket: Duplex, now = Date.now()): boolean {
  const watch = watches.get(socket);
  if (!watch || !isExpired(watch.deadline, now)) return false;
  if (!socket.destroyed) {
    try {
      watch.expiring();
    } finally {
      // Cut even when the report threw: a failed log line keeps no access open.
      cutConnection(socket, 'expired');
    }
  }
  return true;
}

/** Connections whose deadline the timer waits for (for tests). */
export function pendingDeadlines(): number {
  return pending.size;
}
