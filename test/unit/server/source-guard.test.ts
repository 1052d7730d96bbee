/** The per-source handshake guard: in-progress cap, block after failures, source keys, bounded table. */
import { describe, expect, it } from 'vitest';
import { createSourceGuard, sourceKey } from '../../../src/server/source-guard.js';

const limits = { handshakesInProgress: 2, failures: 3, windowMs: 10_000, blockMs: 30_000, maxSources: 4 };
const R = 'unknown-ca';

describe('sourceKey', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1', 'fe80:0:0:0::/64'],
    // Link-local peers on different links are different sources.
    ['fe80::1%eth0', 'fe80:0:0:0::/64%eth0'],
    ['fe80::9%eth1', 'fe80:0:0:0::/64%eth1'],
    // '::' standing for one group only: the groups after it land in the /64.
    ['2001:db8::3:4:5:6:7', '2001:db8:0:3::/64'],
    // Not an IPv4-mapped address, though it starts like one: keyed as IPv6.
    ['::ffff:1:2:3', '0:0:0:0::/64'],
  ])('%s -> %s', (address, key) => {
    expect(sourceKey(address)).toBe(key);
  });
});

describe('createSourceGuard', () => {
  it('caps the handshakes one source has in progress; settling frees a place; other sources are apart', () => {
    const g = createSourceGuard(limits, () => 0);
    expect([g.arrive('192.0.2.1'), g.arrive('192.0.2.1'), g.arrive('192.0.2.1')]).toEqual([undefined, undefined, { kind: 'busy', inProgress: 2 }]);
    expect(g.arrive('192.0.2.2')).toBeUndefined();
    g.settled('192.0.2.1');
    expect(g.arrive('192.0.2.1')).toBeUndefined();
    // One IPv6 /64 is one source.
    expect([g.arrive('2001:db8::1'), g.arrive('2001:db8::2'), g.arrive('2001:db8::3')]).toEqual([undefined, undefined, { kind: 'busy', inProgress: 2 }]);
  });

  it('blocks a source whose failures pass the limit, for blockMs, naming the reasons; then lets it in again', () => {
    let now = 0;
    const g = createSourceGuard(limits, () => now);
    expect([g.failed('192.0.2.1', R), g.failed('192.0.2.1', 'no-certificate'), g.failed('192.0.2.1', R)]).toEqual([undefined, undefined, undefined]);
    expect(g.arrive('192.0.2.1')).toBeUndefined();
    g.settled('192.0.2.1');
    expect(g.failed('192.0.2.1', R)).toEqual({ source: '192.0.2.1', failures: 4, reasons: { 'unknown-ca': 3, 'no-certificate': 1 } });
    expect(g.arrive('192.0.2.1')).toEqual({ kind: 'blocked', untilMs: 30_000, failures: 4 });
    expect(g.arrive('192.0.2.9')).toBeUndefined();
    now = 29_999;
    expect(g.arrive('192.0.2.1')?.kind).toBe('blocked');
    now = 30_000;
    expect(g.arrive('192.0.2.1')).toBeUndefined();
    // Long after: a fresh count.
    expect([1, 2, 3].map(() => g.failed('192.0.2.1', R))).toEqual([undefined, undefined, undefined]);
  });

  it('the window slides: a burst on either side of a window edge counts as one', () => {
    let now = 0;
    const g = createSourceGuard(limits, () => now);
    g.failed('192.0.2.1', R);
    now = 9_900;
    expect([g.failed('192.0.2.1', R), g.failed('192.0.2.1', R)]).toEqual([undefined, undefined]);
    now = 10_100; // the next window: 3 of the last 10 s were in the previous one
    expect(g.failed('192.0.2.1', R)?.source).toBe('192.0.2.1');
  });

  it('a block started by the previous window\'s failures names their reasons too', () => {
    let now = 0;
    const g = createSourceGuard(limits, () => now);
    expect(g.failed('192.0.2.1', 'no-certificate')).toBeUndefined();
    now = 9_900;
    expect([g.failed('192.0.2.1', 'no-certificate'), g.failed('192.0.2.1', 'no-certificate')]).toEqual([undefined, undefined]);
    now = 10_100;
    // The reasons were those of the new window only: { 'unknown-ca': 1 }, which sent the operator after a CA.
    expect(g.failed('192.0.2.1', R)).toEqual({ source: '192.0.2.1', failures: 4, reasons: { 'no-certificate': 3, 'unknown-ca': 1 } });
  });

  it('failures spread out never block', () => {
    let now = 0;
    const g = createSourceGuard(limits, () => now);
    for (let i = 0; i < 20; i++) {
      expect(g.failed('192.0.2.1', R)).toBeUndefined();
      now += 5_000; // two per 10 s
    }
  });

  it('a handshake settled twice frees one place, not two', () => {
    const g = createSourceGuard(limits, () => 0);
    expect(g.arrive('10.0.0.9')).toBeUndefined();
    g.failed('10.0.0.9', 'unknown-ca'); // keeps the source's entry
    g.settled('10.0.0.9');
    g.settled('10.0.0.9');
    expect(g.arrive('10.0.0.9')).toBeUndefined();
    expect(g.arrive('10.0.0.9')).toBeUndefined();
    expect(g.arrive('10.0.0.9')).toEqual({ kind: 'busy', inProgress: 2 });
  });

  it('no address (a socket already gone): nothing is counted or refused', () => {
    const g = createSourceGuard(limits, () => 0);
    expect([g.arrive(undefined), g.arrive(undefined), g.arrive(undefined)]).toEqual([undefined, undefined, undefined]);
    expect([1, 2, 3, 4, 5].map(() => g.failed(undefined, R))).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('the window slides by whole windows: the previous window counts by the share of it still within the last windowMs', () => {
    let now = 0;
    const g = createSourceGuard(limits, () => now);
    expect([1, 2, 3].map(() => g.failed('192.0.2.1', R))).toEqual([undefined, undefined, undefined]);
    // 15 s on: half of the window before (0-10 s) is within the last 10 s, so 1 + 3 * 0.5.
    now = 15_000;
    expect(g.failed('192.0.2.1', R)).toBeUndefined();
    // 2 + 1.5 > 3.
    expect(g.failed('192.0.2.1', R)?.failures).toBe(4);
    // Closed on arrival, the source is told the estimate that started the block (not the 5 of both windows).
    expect(g.arrive('192.0.2.1')).toEqual({ kind: 'blocked', untilMs: 45_000, failures: 4 });
    now = 21_000;
    expect(g.arrive('192.0.2.1')).toEqual({ kind: 'blocked', untilMs: 45_000, failures: 4 });
  });

  it('a block names the failures of both windows it counted', () => {
    let now = 0;
    const g = createSourceGuard(limits, () => now);
    g.failed('192.0.2.1', R);
    now = 9_900;
    g.failed('192.0.2.1', R);
    g.failed('192.0.2.1', R);
    now = 10_100;
    expect(g.failed('192.0.2.1', R)?.failures).toBe(4);
    expect(g.arrive('192.0.2.1')).toEqual({ kind: 'blocked', untilMs: 40_100, failures: 4 });
  });

  it('failures while blocked (handshakes already in progress) neither extend the block nor report it again', () => {
    let now = 0;
    const g = createSourceGuard(limits, () => now);
    for (let i = 0; i < 3; i++) g.failed('192.0.2.1', R);
    expect(g.failed('192.0.2.1', R)?.source).toBe('192.0.2.1');
    now = 10_000;
    expect([g.failed('192.0.2.1', R), g.failed('192.0.2.1', R)]).toEqual([undefined, undefined]);
    now = 30_000;
    expect(g.arrive('192.0.2.1')).toBeUndefined();
  });

  it('the table is bounded: past maxSources the stalest idle source is forgotten first, never a blocked one', () => {
    const g = createSourceGuard(limits, () => 0);
    for (let i = 0; i < 4; i++) g.failed('192.0.2.1', R); // blocked
    g.arrive('192.0.2.2'); // in progress
    g.failed('192.0.2.3', R);
    g.failed('192.0.2.4', R);
    // Full. Newcomers push out 192.0.2.3, then 192.0.2.4 (idle), then the busy one; never the blocked one.
    for (const a of ['192.0.2.5', '192.0.2.6', '192.0.2.7']) g.failed(a, R);
    expect(g.arrive('192.0.2.1')?.kind).toBe('blocked');
    for (const a of ['192.0.2.8', '192.0.2.9', '192.0.2.10', '192.0.2.11']) g.failed(a, R);
    expect(g.arrive('192.0.2.1')?.kind).toBe('blocked');
  });

  it('a table full of blocked sources still admits newcomers (untracked), without lifting a block', () => {
    const g = createSourceGuard({ ...limits, maxSources: 2 }, () => 0);
    for (const a of ['192.0.2.1', '192.0.2.2']) for (let i = 0; i < 4; i++) g.failed(a, R);
    expect(g.arrive('192.0.2.3')).toBeUndefined();
    expect(g.arrive('192.0.2.1')?.kind).toBe('blocked');
    expect(g.arrive('192.0.2.2')?.kind).toBe('blocked');
    // Untracked: the table does not grow past maxSources, so the newcomer's failures are not counted.
    expect(Array.from({ length: 6 }, () => g.failed('192.0.2.3', R))).toEqual(Array<undefined>(6).fill(undefined));
  });

  it('a full table of idle sources makes room for a newcomer, which is then counted and blocked', () => {
    const g = createSourceGuard({ ...limits, maxSources: 2 }, () => 0);
    g.failed('192.0.2.1', R);
    g.failed('192.0.2.2', R);
    expect([1, 2, 3, 4].map(() => g.failed('192.0.2.3', R)?.source)).toEqual([undefined, undefined, undefined, '192.0.2.3']);
    expect(g.arrive('192.0.2.3')?.kind).toBe('blocked');
  });

  it('a full table forgets an idle source before one with handshakes in progress (which would lose its count)', () => {
    const g = createSourceGuard({ ...limits, maxSources: 2 }, () => 0);
    g.arrive('192.0.2.1');
    g.arrive('192.0.2.1'); // at its cap
    g.failed('192.0.2.2', R); // idle
    g.failed('192.0.2.3', R); // pushes out 192.0.2.2
    expect(g.arrive('192.0.2.1')).toEqual({ kind: 'busy', inProgress: 2 });
  });

  it('a table full of busy sources forgets the stalest of them for a newcomer, which is then counted', () => {
    const g = createSourceGuard({ ...limits, maxSources: 2 }, () => 0);
    g.arrive('192.0.2.1');
    g.arrive('192.0.2.1');
    g.arrive('192.0.2.2'); // one in progress
    expect([1, 2, 3, 4].map(() => g.failed('192.0.2.3', R)?.source)).toEqual([undefined, undefined, undefined, '192.0.2.3']);
    // 192.0.2.1 went (the stalest); 192.0.2.2 kept its count.
    expect([g.arrive('192.0.2.2'), g.arrive('192.0.2.2')]).toEqual([undefined, { kind: 'busy', inProgress: 2 }]);
  });
});
