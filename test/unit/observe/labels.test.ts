import { describe, expect, it } from 'vitest';
import { boundedLabel, methodLabel, statusClass } from '../../../src/observe/labels.js';
import { createRecentKeys } from '../../../src/observe/recent-keys.js';

describe('statusClass', () => {
  it.each([
    [101, '101'],
    [100, '1xx'],
    [200, '2xx'],
    [204, '2xx'],
    [304, '3xx'],
    [403, '4xx'],
    [502, '5xx'],
    [0, 'none'],
    [600, 'none'],
    [Number.NaN, 'none'],
  ])('%s -> %s', (status, want) => {
    expect(statusClass(status)).toBe(want);
  });
});

describe('methodLabel', () => {
  it.each([
    ['GET', 'GET'],
    ['post', 'POST'],
    ['PROPFIND', 'OTHER'],
    ['G\nET', 'OTHER'],
  ])('%j -> %s', (m, want) => {
    expect(methodLabel(m)).toBe(want);
  });
});

describe('boundedLabel', () => {
  it('sanitises, keeps known values and caps distinct ones', () => {
    const l = boundedLabel(2, 10);
    expect(l.value(undefined)).toBe('unknown');
    expect(l.value('')).toBe('unknown');
    expect(l.value('a b\n"c')).toBe('a%20b%0A%22c');
    expect(l.value('ContainerCreateAndMore')).toBe('ContainerC');
    expect(l.value('third')).toBe('other');
    expect(l.value('a b\n"c')).toBe('a%20b%0A%22c');
  });
});

describe('createRecentKeys', () => {
  it('evicts by age and by size, oldest first', () => {
    let t = 0;
    const keys = createRecentKeys({ ttlMs: 100, max: 2, now: () => t });
    expect(keys.touch('a')).toEqual([]);
    t = 50;
    expect(keys.touch('b')).toEqual([]);
    t = 60;
    expect(keys.touch('a')).toEqual([]); // refreshes a: order is now b, a
    expect(keys.touch('c')).toEqual(['b']);
    t = 159;
    expect(keys.prune()).toEqual([]);
    t = 160;
    expect(keys.prune()).toEqual(['a', 'c']);
    expect(keys.size).toBe(0);
  });
});
