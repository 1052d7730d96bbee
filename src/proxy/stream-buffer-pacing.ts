/**
 * Young-generation collections paced by the bytes the gateway streams.
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
 * Asking for a young-generation collection after every {@link PACE_BYTES} relayed keeps the
 * pile small: the dead buffers are freed while their memory is still warm in the caches and
 * malloc hands it out again. A collection of a young generation that holds almost only dead
 * buffers takes a fraction of a millisecond.
 *
 * V8's `gc()` is not exposed by default; it is taken from a throwaway context created with
 * `--expose-gc` switched on for that moment only (the main context gets no `gc` global). If
 * that fails, pacing is off and V8 collects on its own schedule, as before.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes relayed between two young-generation collections. */
export const PACE_BYTES = 4 * 1024 * 1024;

/** Collects V8's young generation now. */
export type YoungCollector = () => void;

/** Counts relayed bytes and calls `collect` after every `pace` of them. */
export function createStreamPacer(pace: number, collect: YoungCollector): (bytes: number) => void {
  let since = 0;
  return function noteRelayed(bytes: number): void {
    since += bytes;
    if (since < pace) return;
    since = 0;
    collect();
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
 * Note `bytes` of a stream relayed (either direction); after every {@link PACE_BYTES} V8
 * collects its young generation. The collector is set up on the first call.
 */
export function noteStreamed(bytes: number): void {
  if (pacer === undefined) {
    const collect = youngCollector();
    pacer = collect ? createStreamPacer(PACE_BYTES, collect) : () => {};
  }
  pacer(bytes);
}
