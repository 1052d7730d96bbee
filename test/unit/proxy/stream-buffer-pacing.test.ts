/**
 * Stream pacing: a collection after every `pace` bytes relayed, and the collector is V8's
 * young-generation collection, taken without giving the main context a `gc` global.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createStreamPacer, PACE_BYTES, youngCollector } from '../../../src/proxy/stream-buffer-pacing.js';

const MiB = 1024 * 1024;

/** Allocate `n` small objects and drop them. */
function makeGarbage(n: number): number {
  const pieces = [];
  for (let i = 0; i < n; i++) pieces.push({ i, s: `piece ${i}` });
  return pieces.length;
}

const newSpaceUsed = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0;

describe('createStreamPacer', () => {
  it.each([
    { name: 'nothing relayed', pace: 8 * MiB, notes: [], collections: 0 },
    { name: 'just under the pace', pace: 8 * MiB, notes: [4 * MiB, 4 * MiB - 1], collections: 0 },
    { name: 'exactly the pace', pace: 8 * MiB, notes: [4 * MiB, 4 * MiB], collections: 1 },
    { name: '64 KiB reads of 256 MiB', pace: 4 * MiB, notes: Array(4096).fill(64 * 1024), collections: 64 },
    { name: 'one piece larger than the pace', pace: 8 * MiB, notes: [20 * MiB], collections: 1 },
    { name: 'the count restarts after a collection', pace: 10, notes: [9, 9, 9, 9, 9], collections: 2 },
    { name: 'empty pieces', pace: 10, notes: [0, 0, 0], collections: 0 },
  ])('$name: $collections collection(s)', ({ pace, notes, collections }) => {
    let calls = 0;
    const note = createStreamPacer(pace, () => (calls += 1));
    for (const n of notes) note(n);
    expect(calls).toBe(collections);
  });

  it('the shipped pace is a few MiB: far below V8s own 32 MiB threshold, far above one read', () => {
    expect(PACE_BYTES).toBeGreaterThanOrEqual(1 * MiB);
    expect(PACE_BYTES).toBeLessThanOrEqual(16 * MiB);
  });
});

describe('youngCollector', () => {
  it('runs a young-generation (minor) collection and leaves no gc global behind', async () => {
    const collect = youngCollector();
    expect(collect).toBeTypeOf('function');
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();

    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) kinds.push((entry as PerformanceEntry & { detail: { kind: number } }).detail.kind);
    });
    observer.observe({ entryTypes: ['gc'] });
    // Fill the young generation with garbage, then collect: read synchronously around the call,
    // so no collection of V8's own can land in between.
    makeGarbage(20_000);
    const before = newSpaceUsed();
    collect?.();
    const after = newSpaceUsed();
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    expect(before).toBeGreaterThan(256 * 1024);
    expect(after).toBeLessThan(before / 4);
    expect(kinds).toContain(constants.NODE_PERFORMANCE_GC_MINOR);
  });
});
