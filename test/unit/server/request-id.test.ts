/**
 * Request ids (also sent as X-Dockgate-Request-Id): `<8 hex digits of this process>-<counter in
 * base 36>`, unique within a process and across restarts (the prefix is random per process).
 */
import { describe, expect, it, vi } from 'vitest';
import { nextRequestId } from '../../../src/server/request-id.js';

const SHAPE = /^([0-9a-f]{8})-([0-9a-z]+)$/;

describe('nextRequestId', () => {
  it('has the documented shape, one prefix per process and a base-36 counter that goes up by one', () => {
    const ids = Array.from({ length: 1000 }, () => nextRequestId());
    const parts = ids.map((id) => SHAPE.exec(id));
    expect(parts.every((m) => m !== null)).toBe(true);
    expect(new Set(parts.map((m) => m?.[1])).size).toBe(1);
    const counters = parts.map((m) => parseInt(m?.[2] ?? '', 36));
    for (let i = 1; i < counters.length; i += 1) expect(counters[i]).toBe((counters[0] ?? 0) + i);
    expect(new Set(ids).size).toBe(ids.length);
    // base 36, no padding: 36 ids in a row cross a digit.
    expect(parts.some((m) => /[a-z]/.test(m?.[2] ?? ''))).toBe(true);
  });

  it('the first id of a process counts from 1', async () => {
    vi.resetModules();
    const fresh = await import('../../../src/server/request-id.js');
    expect(SHAPE.exec(fresh.nextRequestId())?.[2]).toBe('1');
    expect(SHAPE.exec(fresh.nextRequestId())?.[2]).toBe('2');
  });

  it('another process (a restart) has another prefix', async () => {
    const prefixes = new Set<string>();
    for (let i = 0; i < 8; i += 1) {
      vi.resetModules();
      const fresh = await import('../../../src/server/request-id.js');
      prefixes.add(fresh.nextRequestId().split('-')[0] ?? '');
    }
    // 8 random 32-bit prefixes: a collision is a one-in-10^8 event.
    expect(prefixes.size).toBe(8);
  });
});
