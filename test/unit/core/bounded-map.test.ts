/** BoundedMap: a first-in first-out cache of at most `max` entries. */
import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../../src/core/bounded-map.js';

describe('BoundedMap', () => {
  it.each<[string, number, Array<[string, number]>, Array<[string, number | undefined]>, number]>([
    ['keeps entries up to max', 3, [['a', 1], ['b', 2], ['c', 3]], [['a', 1], ['b', 2], ['c', 3]], 3],
    ['past max the entry stored first goes', 2, [['a', 1], ['b', 2], ['c', 3]], [['a', undefined], ['b', 2], ['c', 3]], 2],
    ['storing a kept key again replaces its value and drops nothing', 2, [['a', 1], ['b', 2], ['a', 9]], [['a', 9], ['b', 2]], 2],
    ['a replaced key keeps its place in the order', 2, [['a', 1], ['b', 2], ['a', 9], ['c', 3]], [['a', undefined], ['b', 2], ['c', 3]], 2],
    ['max below 1 keeps one entry', 0, [['a', 1], ['b', 2]], [['a', undefined], ['b', 2]], 1],
  ])('%s', (_name, max, sets, want, size) => {
    const map = new BoundedMap<string, number>(max);
    for (const [k, v] of sets) expect(map.set(k, v)).toBe(v);
    for (const [k, v] of want) expect(map.get(k)).toBe(v);
    expect(map.size).toBe(size);
  });
});
