/**
 * The CRL expiry watch's timer (crl-expiry-cuts.ts): set for the next nextUpdate of the CRLs in
 * force, and, while a CRL in force has expired, every minute even when no nextUpdate is ahead
 * (rev-fix-reload R1: before, an expired CRL with none ahead left no timer at all, and a
 * connection of its CA that got past the sweep was never looked at again).
 */
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchCrlExpiry } from '../../../src/runtime/crl-expiry-cuts.js';
import type { CrlInfo } from '../../../src/server/crl.js';

const T0 = Date.parse('2026-12-06T12:00:00Z');
const crl = (ca: string, thisUpdate: number, nextUpdate?: number): CrlInfo => ({ issuer: `CN=${ca}`, ca, thisUpdate: new Date(thisUpdate), nextUpdate: nextUpdate === undefined ? undefined : new Date(nextUpdate) }) as CrlInfo;
/** A connection without an identity: the watch cuts it when any CRL in force has expired. */
function fakeSocket(): TLSSocket {
  const s = { destroyed: false, destroy: () => void (s.destroyed = true) };
  return s as unknown as TLSSocket;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('watchCrlExpiry timer', () => {
  it.each([
    { name: 'the only CRL expired, no nextUpdate ahead', crls: [crl('a', T0 - 10_000, T0 - 1000)], cutAfterMs: 60_000 },
    { name: 'an expired CRL and another without nextUpdate', crls: [crl('a', T0 - 10_000, T0 - 1000), crl('b', T0 - 10_000)], cutAfterMs: 60_000 },
    { name: 'a CRL expiring in 5 s', crls: [crl('a', T0 - 10_000, T0 + 5000)], cutAfterMs: 5000 },
    { name: 'a CRL without nextUpdate', crls: [crl('a', T0 - 10_000)], cutAfterMs: undefined },
  ])('$name: a connection that arrives after the check is cut (after $cutAfterMs ms)', ({ crls, cutAfterMs }) => {
    vi.useFakeTimers({ now: T0 });
    const open: TLSSocket[] = [];
    const closed: number[] = [];
    const watch = watchCrlExpiry({ material: () => ({ crls, caNames: [] }), connections: () => open, closed: (n) => closed.push(n), now: () => Date.now() });
    watch.check();
    const late = fakeSocket();
    open.push(late);
    vi.advanceTimersByTime(61_000);
    watch.stop();
    expect(late.destroyed).toBe(cutAfterMs !== undefined);
    expect(closed).toEqual(cutAfterMs === undefined ? [] : [1]);
  });
});
