/**
 * Stream pacing: a young-generation collection whenever V8's external memory has grown by the
 * pile since its low point, read only every so many relayed bytes; and the collector is V8's
 * young-generation collection, taken without giving the main context a `gc` global.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { CHECK_EVERY_BYTES, createStreamPacer, PILE_BYTES, youngCollector } from '../../../src/proxy/stream-buffer-pacing.js';

const MiB = 1024 * 1024;
const KiB = 1024;

/**
 * A stand-in for V8's external memory: each relayed byte allocates `perByte` bytes; a
 * collection frees everything allocated since the one before, but (as V8 does) takes it off
 * the figure only at the following collection.
 */
function fakeV8(perByte: number, base = 2 * MiB) {
  let external = base;
  let young = 0; // allocated since the last collection
  let unsettled = 0; // freed by the last collection, still counted
  let reads = 0;
  let collections = 0;
  let maxYoung = 0;
  return {
    relay(bytes: number) {
      young += bytes * perByte;
      external += bytes * perByte;
      maxYoung = Math.max(maxYoung, young);
    },
    retain(bytes: number) {
      external += bytes;
    },
    external: () => {
      reads += 1;
      return external;
    },
    collect: () => {
      collections += 1;
      external -= unsettled;
      unsettled = young;
      young = 0;
    },
    stats: () => ({ reads, collections, maxYoung }),
  };
}

describe('createStreamPacer', () => {
  it.each([
    { name: 'nothing relayed', perByte: 2, pieces: [], collections: [0, 0] },
    { name: 'a small answer relayed', perByte: 2, pieces: Array(16).fill(64 * KiB), collections: [0, 0] },
    { name: '256 MiB archive, parsed body (2 bytes held per byte)', perByte: 2, pieces: Array(4096).fill(64 * KiB), collections: [120, 128] },
    { name: '256 MiB through a tunnel (1 byte per byte)', perByte: 1, pieces: Array(4096).fill(64 * KiB), collections: [60, 64] },
    { name: '256 MiB in 1 KiB log lines', perByte: 2, pieces: Array(256 * 1024).fill(KiB), collections: [120, 128] },
    { name: 'one piece larger than the pile', perByte: 1, pieces: [20 * MiB], collections: [1, 1] },
  ])('$name: $collections collections', ({ perByte, pieces, collections }) => {
    const v8 = fakeV8(perByte);
    const note = createStreamPacer({ pile: PILE_BYTES, checkEvery: CHECK_EVERY_BYTES, external: v8.external, collect: v8.collect });
    let relayed = 0;
    for (const n of pieces as number[]) {
      v8.relay(n);
      note(n);
      relayed += n;
    }
    const { reads, collections: done, maxYoung } = v8.stats();
    expect(done).toBeGreaterThanOrEqual(collections[0] as number);
    expect(done).toBeLessThanOrEqual(collections[1] as number);
    // Reads are paced by bytes (plus one at the start and one after each collection), not one
    // per piece.
    expect(reads).toBeLessThanOrEqual(1 + Math.floor(relayed / CHECK_EVERY_BYTES) + done);
    // With pieces no larger than a check, the pile never grows past the limit by more than one
    // check's worth of allocation.
    if (pieces.some((n) => n > CHECK_EVERY_BYTES)) return;
    expect(maxYoung).toBeLessThanOrEqual(PILE_BYTES + CHECK_EVERY_BYTES * perByte);
  });

  it('memory that stays (not garbage) sets off one collection, not one per check', () => {
    const v8 = fakeV8(0);
    const note = createStreamPacer({ pile: 4 * MiB, checkEvery: 256 * KiB, external: v8.external, collect: v8.collect });
    v8.retain(5 * MiB);
    for (let i = 0; i < 1000; i++) note(256 * KiB);
    expect(v8.stats().collections).toBe(1);
  });

  it('a drop in external memory between checks (a collection of V8 its own) becomes the new low point', () => {
    let external = 10 * MiB;
    let collections = 0;
    const note = createStreamPacer({ pile: 4 * MiB, checkEvery: 1, external: () => external, collect: () => (collections += 1) });
    note(1); // low 10 MiB
    external = 3 * MiB;
    note(1); // low 3 MiB
    external = 6.5 * MiB;
    note(1);
    expect(collections).toBe(0);
    external = 7 * MiB;
    note(1);
    expect(collections).toBe(1);
  });
});

/** Allocate `n` small objects and drop them. */
function makeGarbage(n: number): number {
  const pieces = [];
  for (let i = 0; i < n; i++) pieces.push({ i, s: `piece ${i}` });
  return pieces.length;
}

const newSpaceUsed = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0;

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
