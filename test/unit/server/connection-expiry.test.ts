/**
 * Connections cut when their certificate expires (rev-live F1: nothing checked a client
 * certificate's notAfter after the handshake, so a busy keep-alive connection, a stream or an
 * exec session went on past it): the deadline's arithmetic, and the timer on a real Duplex with
 * a fake clock.
 */
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cutReason } from '../../../src/server/connection-cuts.js';
import { expireIfDue, isExpired, nextCheckIn, RECHECK_MS, watchExpiry } from '../../../src/server/connection-expiry.js';

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
});
