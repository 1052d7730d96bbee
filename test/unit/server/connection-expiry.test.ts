/**
 * Connections cut when their certificate expires (rev-live F1: nothing checked a client
 * certificate's notAfter after the handshake, so a busy keep-alive connection, a stream or an
 * exec session went on past it): the deadline's arithmetic, and the timer on a real Duplex with
 * a fake clock.
 */
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cutReason } from '../../../src/server/connection-cuts.js';
import { expireIfDue, isExpired, nextCheckIn, pendingDeadlines, RECHECK_MS, watchExpiry } from '../../../src/server/connection-expiry.js';

describe('isExpired and nextCheckIn', () => {
  it.each<[string, number, number, boolean, number]>([
    ['well before: wait until it', 10_000, 5_000, false, 5_000],
    ['one ms before: still valid', 10_000, 9_999, false, 1],
    ['at notAfter: expired (OpenSSL: a notAfter earlier than or equal to now; rev-fix-http F4)', 10_000, 10_000, true, 0],
    ['one ms past: expired', 10_000, 10_001, true, 0],
    ['long-lived: at most RECHECK_MS (setTimeout caps at 2^31-1 ms; the wall clock may step)', 400 * 86_400_000, 0, false, RECHECK_MS],
  ])('%s', (_name, notAfter, now, expired, wait) => {
    expect([isExpired(notAfter, now), nextCheckIn(notAfter, now)]).toEqual([expired, wait]);
  });
});

describe('watchExpiry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  function watched(notAfter: number): { socket: PassThrough; expiring: ReturnType<typeof vi.fn> } {
    const socket = new PassThrough();
    const expiring = vi.fn();
    watchExpiry(socket, notAfter, expiring);
    return { socket, expiring };
  }

  it('cuts the connection as expired just after notAfter, reporting once', () => {
    const { socket, expiring } = watched(1_030_000);
    vi.advanceTimersByTime(29_999);
    expect([socket.destroyed, expireIfDue(socket)]).toEqual([false, false]);
    vi.advanceTimersByTime(1_000);
    expect([socket.destroyed, cutReason(socket), expiring.mock.calls.length]).toEqual([true, 'expired', 1]);
    expect(expireIfDue(socket)).toBe(true);
    expect(expiring.mock.calls.length).toBe(1);
  });

  it('a certificate valid for days: looked at again every RECHECK_MS, cut when the wall clock passes it', () => {
    const { socket } = watched(1_000_000 + 3 * 86_400_000);
    vi.advanceTimersByTime(RECHECK_MS * 3);
    expect(socket.destroyed).toBe(false);
    // The wall clock steps forward past notAfter (timers do not see it): cut at the next look.
    vi.setSystemTime(1_000_000 + 4 * 86_400_000);
    vi.advanceTimersByTime(RECHECK_MS);
    expect(cutReason(socket)).toBe('expired');
  });

  it('a request arriving after notAfter, before the timer fired: expireIfDue cuts at once', () => {
    const { socket, expiring } = watched(1_030_000);
    vi.setSystemTime(1_031_000);
    expect(expireIfDue(socket)).toBe(true);
    expect([socket.destroyed, cutReason(socket), expiring.mock.calls.length]).toEqual([true, 'expired', 1]);
  });

  it('already expired (a handshake that straddled notAfter): cut at once', () => {
    const { socket } = watched(999_000);
    expect(cutReason(socket)).toBe('expired');
  });

  it('a connection that closed first: its timer is gone, nothing reported', async () => {
    const { socket, expiring } = watched(1_030_000);
    socket.destroy();
    await vi.advanceTimersByTimeAsync(60_000);
    expect([vi.getTimerCount(), cutReason(socket), expiring.mock.calls.length]).toEqual([0, undefined, 0]);
  });

  it('no date: not watched', () => {
    const { socket } = watched(Number.NaN);
    expect([vi.getTimerCount(), expireIfDue(socket)]).toEqual([0, false]);
  });

  it('a connection not watched: expireIfDue is false', () => {
    expect(expireIfDue(new PassThrough())).toBe(false);
  });

  // Many connections share one timer: each row opens connections with these deadlines (ms after
  // the start), closes some, moves the clock, and lists which were cut and what is still pending.
  it.each<[string, number[], number[], (number | ['step', number])[], number[], number]>([
    ['deadlines in any order: each cut at its own', [30_000, 10_000, 20_000], [], [10_000], [1], 2],
    ['the same deadline: all cut together, each reported', [10_000, 10_000, 10_000], [], [10_000], [0, 1, 2], 0],
    ['one ms before the earliest: none cut', [10_000, 10_000], [], [9_999], [], 2],
    ['a closed connection: neither cut nor pending, the others still are', [10_000, 10_000, 20_000], [1], [20_000], [0, 2], 0],
    ['the earliest closed: the next one is still cut on time', [10_000, 20_000], [0], [20_000], [1], 0],
    ['long-lived ones and a clock stepped forward: cut at the next look, within RECHECK_MS', [5 * 86_400_000, 9 * 86_400_000, 2 * 86_400_000], [], [RECHECK_MS, ['step', 6 * 86_400_000], RECHECK_MS], [0, 2], 1],
  ])('%s', async (_name, deadlines, closed, moves, cut, stillPending) => {
    const conns = deadlines.map((d) => watched(1_000_000 + d));
    for (const i of closed) conns[i]?.socket.destroy();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    for (const m of moves) {
      if (typeof m === 'number') await vi.advanceTimersByTimeAsync(m);
      else vi.setSystemTime(Date.now() + m[1]);
    }
    const cutNow = conns.flatMap((c, i) => (cutReason(c.socket) === 'expired' ? [i] : []));
    const reports = conns.map((c) => c.expiring.mock.calls.length);
    expect([cutNow, reports, pendingDeadlines()]).toEqual([cut, conns.map((_, i) => (cut.includes(i) ? 1 : 0)), stillPending]);
    for (const c of conns) c.socket.destroy();
    await vi.advanceTimersByTimeAsync(0);
    expect([pendingDeadlines(), vi.getTimerCount()]).toEqual([0, 0]);
  });

  it('a new connection with an earlier deadline than those pending: the timer is set for it', async () => {
    const late = watched(1_000_000 + 50_000);
    const early = watched(1_000_000 + 5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect([cutReason(early.socket), cutReason(late.socket), vi.getTimerCount()]).toEqual(['expired', undefined, 1]);
    late.socket.destroy();
    await vi.advanceTimersByTimeAsync(0);
    expect([pendingDeadlines(), vi.getTimerCount()]).toEqual([0, 0]);
  });

  it('a socket watched twice: the later deadline stands, and nothing is left pending once it closes', async () => {
    const { socket, expiring } = watched(1_000_000 + 50_000);
    const again = vi.fn();
    watchExpiry(socket, 1_000_000 + 10_000, again);
    expect(pendingDeadlines()).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect([cutReason(socket), expiring.mock.calls.length, again.mock.calls.length, pendingDeadlines(), vi.getTimerCount()]).toEqual(['expired', 0, 1, 0, 0]);
  });

  it('a report that throws: its connection is cut all the same, and the others with that deadline and later are too', async () => {
    const first = watched(1_000_000 + 10_000);
    first.expiring.mockImplementation(() => {
      throw new Error('report failed');
    });
    const same = watched(1_000_000 + 10_000);
    const later = watched(1_000_000 + 20_000);
    await expect(vi.advanceTimersByTimeAsync(10_000)).rejects.toThrow('report failed');
    // The timer, armed again, looks at the rest at the next turn (setTimeout's 1 ms).
    await vi.advanceTimersByTimeAsync(1);
    expect([cutReason(first.socket), cutReason(same.socket), cutReason(later.socket)]).toEqual(['expired', 'expired', undefined]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect([cutReason(later.socket), pendingDeadlines(), vi.getTimerCount()]).toEqual(['expired', 0, 0]);
  });

  it('1000 connections, one timer; all closed, nothing left', async () => {
    const conns = Array.from({ length: 1000 }, (_, i) => watched(1_000_000 + 1_000 + ((i * 7919) % 5_000)));
    expect([vi.getTimerCount(), pendingDeadlines()]).toEqual([1, 1000]);
    await vi.advanceTimersByTimeAsync(3_500);
    const cutSoFar = conns.filter((c) => cutReason(c.socket) === 'expired').length;
    const due = conns.filter((_, i) => 1_000 + ((i * 7919) % 5_000) <= 3_500).length;
    expect([cutSoFar, pendingDeadlines()]).toEqual([due, 1000 - due]);
    for (const c of conns) c.socket.destroy();
    await vi.advanceTimersByTimeAsync(0);
    expect([pendingDeadlines(), vi.getTimerCount(), conns.every((c) => c.expiring.mock.calls.length <= 1)]).toEqual([0, 0, true]);
  });
});
