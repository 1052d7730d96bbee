import { describe, expect, it } from 'vitest';
import { countRecords, LineQueue } from '../../../src/observe/line-queue.js';

const queue = (...chunks: string[]) => {
  const q = new LineQueue();
  for (const c of chunks) q.push(Buffer.from(c));
  return q;
};
const text = (q: LineQueue) => q.all().map((c) => c.toString()).join('');

describe('LineQueue.dropOldest: the oldest whole lines go, a leading bare newline stays', () => {
  it.each([
    ['under the cap: nothing', ['a1\nb2\n'], 6, 'a1\nb2\n', 0, 0],
    ['one line over', ['a1\nb2\nc3\n'], 6, 'b2\nc3\n', 3, 1],
    ['a byte over: the whole oldest line', ['a1\nb2\nc3\n'], 8, 'b2\nc3\n', 3, 1],
    ['across chunks: a whole chunk, then lines of the next', ['a1\nb2\n', 'c3\nd4\ne5\n'], 6, 'd4\ne5\n', 9, 3],
    ['a cap under one line: everything', ['a1\nb2\n'], 2, '', 6, 2],
    ['the newline ending a broken record is kept in front', ['\n', 'a1\nb2\nc3\n'], 7, '\nb2\nc3\n', 3, 1],
  ])('%s', (_label, chunks, max, want, bytes, records) => {
    const q = queue(...chunks);
    expect(q.dropOldest(max)).toEqual({ bytes, records });
    expect(text(q)).toBe(want);
    expect(q.length).toBe(Buffer.byteLength(want));
  });
});

describe('LineQueue.dropFirstBytes', () => {
  it('keeps the rest of the oldest chunk, and drops a chunk that is all gone', () => {
    const q = queue('a1\nb2\n', 'c3\n');
    q.dropFirstBytes(3);
    expect([text(q), q.length]).toEqual(['b2\nc3\n', 6]);
    q.dropFirstBytes(3);
    expect([text(q), q.length, q.all().length]).toEqual(['c3\n', 3, 1]);
  });
});

describe('countRecords', () => {
  it.each([
    ['a\nb\n', 2],
    ['\na\n', 1],
    ['', 0],
    ['ab', 1],
  ])('%j -> %d', (s, n) => {
    expect(countRecords(Buffer.from(s))).toBe(n);
  });
});
describe('LineQueue ignores empty chunks', () => {
  it('an empty push leaves an empty queue empty (a writer would otherwise spin on a chunk it can never drop)', () => {
    const q = new LineQueue();
    q.push(Buffer.alloc(0));
    expect(q.first()).toBeUndefined();
    expect(q.all()).toEqual([]);
    expect(q.shift()).toBeUndefined();
  });
});

describe('dropOldest counts a leading bare newline against the cap', () => {
  it('a broken record\'s newline plus two records, cap 10: the oldest record goes, 6 bytes stay', () => {
    const q = new LineQueue();
    q.push(Buffer.from('\n'));
    q.push(Buffer.from('aaaa\n'));
    q.push(Buffer.from('bbbb\n'));
    expect(q.length).toBe(11);
    expect(q.dropOldest(10)).toEqual({ bytes: 5, records: 1 });
    expect(q.length).toBe(6);
    expect(Buffer.concat(q.all()).toString()).toBe('\nbbbb\n');
  });
});
