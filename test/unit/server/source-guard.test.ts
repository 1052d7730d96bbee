/** The per-source handshake guard: in-progress cap, block after failures, source keys, bounded table. */
import { describe, expect, it } from 'vitest';
import { createSourceGuard, sourceKey } from '../../../src/server/source-guard.js';

const limits = { handshakesInProgress: 2, failures: 3, windowMs: 10_000, blockMs: 30_000, maxSources: 4 };

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

  it('blocks a source whose failures pass the limit within the window, for blockMs, then lets it in again', () => {
    let now = 0;
    const g = createSourceGuard(limits, () => now);
    expect([1, 2, 3].map(() => g.failed('192.0.2.1'))).toEqual([false, false, false]);
    expect(g.arrive('192.0.2.1')).toBeUndefined();
    g.settled('192.0.2.1');
    expect(g.failed('192.0.2.1')).toBe(true);
    expect(g.blocked()).toBe(1);
    expect(g.arrive('192.0.2.1')).toEqual({ kind: 'blocked', untilMs: 30_000, failures: 4 });
    expect(g.arrive('192.0.2.9')).toBeUndefined();
    now = 29_999;
    expect(g.arrive('192.0.2.1')?.kind).toBe('blocked');
    now = 30_000;
    expect(g.arrive('192.0.2.1')).toBeUndefined();
    expect(g.blocked()).toBe(0);
    // A new window: three more failures are tolerated again.
    expect([1, 2, 3].map(() => g.failed('192.0.2.1'))).toEqual([false, false, false]);
  });

  it('failures spread over windows never block', () => {
    let now = 0;
    const g = createSourceGuard(limits, () => now);
    for (let i = 0; i < 12; i++) {
      expect(g.failed('192.0.2.1')).toBe(false);
      now += 4_000; // three per 10 s window at most
    }
  });

  it('no address (a socket already gone): nothing is counted or refused', () => {
    const g = createSourceGuard(limits, () => 0);
    expect([g.arrive(undefined), g.arrive(undefined), g.arrive(undefined)]).toEqual([undefined, undefined, undefined]);
    expect(g.failed(undefined)).toBe(false);
  });

  it('the table is bounded: past maxSources the stalest idle source is forgotten first', () => {
    const g = createSourceGuard(limits, () => 0);
    g.arrive('192.0.2.1'); // in progress: kept
    for (const a of ['192.0.2.2', '192.0.2.3', '192.0.2.4']) g.failed(a);
    g.failed('192.0.2.5'); // evicts 192.0.2.2, the stalest entry with nothing in progress
    expect([g.failed('192.0.2.2'), g.failed('192.0.2.2'), g.failed('192.0.2.2')]).toEqual([false, false, false]);
    expect(g.arrive('192.0.2.1')).toBeUndefined(); // still knows its handshake in progress
    expect(g.arrive('192.0.2.1')).toEqual({ kind: 'busy', inProgress: 2 });
  });
});
