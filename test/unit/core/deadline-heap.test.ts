/**
 * The heap the certificate-expiry timer looks at: entries come out earliest first, whatever the
 * order they went in and whichever were taken out in between, and each knows its place.
 */
import { describe, expect, it } from 'vitest';
import { DeadlineHeap, type HeapEntry } from '../../../src/core/deadline-heap.js';

interface Entry extends HeapEntry {
  name: string;
}

function entry(name: string, deadline: number): Entry {
  return { name, deadline, heapIndex: -1 };
}

/** Push `pushed` (name:deadline), remove `removed` by name, then pop everything: the deadlines in order. */
function run(pushed: [string, number][], removed: string[]): { popped: number[]; removedResults: boolean[]; leftIndexes: number[] } {
  const heap = new DeadlineHeap<Entry>();
  const entries = new Map(pushed.map(([n, d]) => [n, entry(n, d)]));
  for (const e of entries.values()) heap.push(e);
  const removedResults = removed.map((n) => heap.remove(entries.get(n) as Entry));
  const popped: number[] = [];
  for (let e = heap.pop(); e; e = heap.pop()) popped.push(e.deadline);
  return { popped, removedResults, leftIndexes: [...entries.values()].map((e) => e.heapIndex) };
}

/** 200 deadlines in a scrambled order, with repeats. */
const many: [string, number][] = Array.from({ length: 200 }, (_, i) => [`e${i}`, (i * 7919) % 97]);

describe('DeadlineHeap', () => {
  it.each<[string, [string, number][], string[], number[], boolean[]]>([
    ['empty', [], [], [], []],
    ['one', [['a', 5]], [], [5], []],
    ['pushed in reverse: earliest first', [['a', 3], ['b', 2], ['c', 1]], [], [1, 2, 3], []],
    ['the same deadline: all of them come out', [['a', 4], ['b', 4], ['c', 4], ['d', 1]], [], [1, 4, 4, 4], []],
    ['the earliest removed', [['a', 1], ['b', 2], ['c', 3]], ['a'], [2, 3], [true]],
    ['the last removed', [['a', 1], ['b', 2], ['c', 3]], ['c'], [1, 2], [true]],
    ['a middle one removed: the one moved into its place goes up', [['a', 1], ['b', 50], ['c', 2], ['d', 60], ['e', 70], ['f', 3], ['g', 4]], ['d'], [1, 2, 3, 4, 50, 70], [true]],
    ['removed twice: the second time false', [['a', 1], ['b', 2]], ['a', 'a'], [2], [true, false]],
    ['all removed', [['a', 1], ['b', 2]], ['b', 'a'], [], [true, true]],
  ])('%s', (_name, pushed, removed, popped, removedResults) => {
    const r = run(pushed, removed);
    expect([r.popped, r.removedResults, r.leftIndexes.every((i) => i === -1)]).toEqual([popped, removedResults, true]);
  });

  it('200 entries, every third removed: the rest come out sorted', () => {
    const removed = many.filter((_, i) => i % 3 === 0).map(([n]) => n);
    const expected = many.filter((_, i) => i % 3 !== 0).map(([, d]) => d).sort((a, b) => a - b);
    const r = run(many, removed);
    expect([r.popped, r.removedResults.every(Boolean)]).toEqual([expected, true]);
  });

  it('an entry of another heap is not removed', () => {
    const a = new DeadlineHeap<Entry>();
    const b = new DeadlineHeap<Entry>();
    const x = entry('x', 1);
    const y = entry('y', 2);
    a.push(x);
    b.push(y);
    expect([a.remove(y), a.size, b.size, b.peek()?.name]).toEqual([false, 1, 1, 'y']);
  });
});
