/**
 * Preloaded into a gateway by `ab.mjs --idle` (`node --expose-gc --import heap-probe.mjs`): on
 * SIGUSR2 it runs three full collections, then appends V8's used and total heap and the
 * process's memory usage, as one JSON line, to `heap-probe-<pid>.jsonl` in its working directory
 * (each bench gateway runs in its own). A measuring instrument, not part of the gateway.
 */
import { appendFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

process.on('SIGUSR2', () => {
  const gc = typeof globalThis.gc === 'function' ? globalThis.gc : undefined;
  for (let i = 0; gc && i < 3; i++) gc();
  const heap = getHeapStatistics();
  const line = { gc: gc !== undefined, usedHeap: heap.used_heap_size, totalHeap: heap.total_heap_size, memory: process.memoryUsage() };
  appendFileSync(`heap-probe-${process.pid}.jsonl`, `${JSON.stringify(line)}\n`);
});
