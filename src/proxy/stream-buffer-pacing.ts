/**
 * Young-generation collections paced by the stream buffers piling up outside V8's heap.
 *
 * Every piece a socket read hands to JavaScript is a new buffer whose memory lives outside
 * V8's heap (malloc's) until the buffer object is collected. A relayed stream allocates
 * almost nothing else, so V8 sees no reason to collect the young generation, and collects it
 * for such buffers only once 32 MiB of them have piled up (its threshold for external memory,
 * fixed at twice its default semi-space size, whatever `--max-semi-space-size` says). Each
 * stream chunk is then fresh memory from malloc: glibc keeps the pages after the stream (its
 * heap stayed about 30 MiB larger), and the pile counts against the old generation's limit,
 * which started a full collection every ~8 MiB of a stream on a gateway that had been serving
 * (docs/benchmarks.md, "Streams and V8's full collections").
 *
 * So while streams flow, the gateway watches the memory V8 counts outside its heap
 * (`external_memory`, read after every {@link CHECK_EVERY_BYTES} relayed) and asks for a
 * young-generation collection once it has grown {@link PILE_BYTES} above its lowest point
 * since the last one: the dead buffers are freed while their memory is still warm in the
 * caches, and malloc hands it out again. Reading the figure rather than counting bytes keeps
 * the pile the same size whatever a path allocates per byte relayed (a parsed HTTP body
 * holds each byte twice, the socket's read and the parser's copy; a hijacked tunnel once per
 * direction). A collection of a young generation that holds almost only dead buffers takes a
 * fraction of a millisecond.
 *
 * V8's `gc()` is not exposed by default; it is taken from a throwaway context created with
 * `--expose-gc` switched on for that moment only (the main context gets no `gc` global). If
 * that fails, pacing is off and V8 collects on its own schedule, as before.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Growth of V8's external memory (since its last low point) that sets off a collection. */
export const PILE_BYTES = 4 * 1024 * 1024;

/** Bytes relayed between two readings of V8's external memory. */
export const CHECK_EVERY_BYTES = 256 * 1024;

/** Collects V8's young generation now. */
export type YoungCollector = () => void;

/** What a pacer reads and calls: V8's own in {@link noteStreamed}, stand-ins in tests. */
export interface PacerOptions {
  /** Collect once external memory is this far above its low point. */
  pile: number;
  /** Read external memory after every this many bytes relayed. */
  checkEvery: number;
  /** V8's external memory now, in bytes. */
  external: () => number;
  collect: YoungCollector;
}

/**
 * Returns `noteRelayed(bytes)`: after every `checkEvery` bytes it reads `external()` and calls
 * `collect` when that is `pile` or more above the lowest reading since the last collection (or
 * since the pacer was made).
 * V8 takes the buffers a collection freed off that figure only at its next collection (the
 * sweep's counters are settled then), so the low point is tracked rather than assumed.
 */
export function createStreamPacer(opts: PacerOptions): (bytes: number) => void {
  let sinceCheck = 0;
  let low = opts.external();
  return function noteRelayed(bytes: number): void {
    sinceCheck += bytes;
    if (sinceCheck < opts.checkEvery) return;
    sinceCheck = 0;
    const now = opts.external();
    if (now < low) low = now;
    if (now - low < opts.pile) return;
    opts.collect();
    low = opts.external();
  };
}

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => unknown;

/** V8's young-generation collection, or undefined when `gc()` cannot be had. */
export function youngCollector(): YoungCollector | undefined {
  let gc: unknown;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('typeof gc === "function" ? gc : undefined');
  } catch {
    gc = undefined;
  } finally {
    // Only the throwaway context gets `gc`; contexts created later do not.
    setFlagsFromString('--no-expose-gc');
  }
  if (typeof gc !== 'function') return undefined;
  const collect = gc as GcFunction;
  return () => void collect({ type: 'minor' });
}

let pacer: ((bytes: number) => void) | undefined;

/**
 * Note `bytes` of a stream relayed (either direction); V8 collects its young generation when
 * the buffers outside its heap have piled up (see the top of this file). The collector is set
 * up on the first call.
 */
export function noteStreamed(bytes: number): void {
  if (pacer === undefined) {
    const collect = youngCollector();
    const external = (): number => getHeapStatistics().external_memory;
    pacer = collect ? createStreamPacer({ pile: PILE_BYTES, checkEvery: CHECK_EVERY_BYTES, external, collect }) : () => {};
  }
  pacer(bytes);
}
