/** Open streams counted per identity up to a maximum (stream-counter.ts). */
import { describe, expect, it } from 'vitest';
import { StreamCounter } from '../../../src/tenancy/stream-counter.js';

describe('stream counter', () => {
  it('counts open streams up to the maximum', () => {
    const s = new StreamCounter();
    const c1 = s.tryOpen('a', 2);
    const c2 = s.tryOpen('a', 2);
    expect(s.tryOpen('a', 2)).toBeUndefined();
    c1?.();
    c1?.();
    expect(s.count('a')).toBe(1);
    expect(s.tryOpen('a', 2)).toBeDefined();
    c2?.();
  });
});
