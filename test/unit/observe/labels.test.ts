import { describe, expect, it } from 'vitest';
import { boundedLabel, labelToken, methodLabel, statusClass } from '../../../src/observe/labels.js';
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

describe('labelToken cuts at maxLength code points, not UTF-16 units', () => {
  it.each([
    ['ab', 2, 'ab'],
    ['abc', 2, 'ab'],
    ['a\u{1F600}', 2, 'a%F0%9F%98%80'], // 3 units, 2 code points: nothing cut
    ['\u{1F600}\u{1F600}', 2, '%F0%9F%98%80%F0%9F%98%80'],
    ['\u{1F600}\u{1F600}\u{1F600}', 2, '%F0%9F%98%80%F0%9F%98%80'],
    ['ab\u{1F600}', 2, 'ab'],
    ['\ud800x', 2, '%EF%BF%BDx'], // a lone surrogate, as Buffer writes it
    ['\ud800xy', 2, '%EF%BF%BDx'],
    ['', 2, ''],
  ])('%j, %i -> %j', (raw, maxLength, token) => {
    expect(labelToken(raw, maxLength)).toBe(token);
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
