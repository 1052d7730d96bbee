import { describe, expect, it } from 'vitest';
import { apiVersionBelow, compareApiVersions } from '../../../src/facts/api-version.js';

describe('compareApiVersions (moby versions.compare)', () => {
  it.each([
    ['1.40', '1.41', -1],
    ['1.41', '1.41', 0],
    ['1.42', '1.41', 1],
    ['1.040', '1.40', 0],
    ['1.4', '1.40', -1],
    ['1.100', '1.41', 1],
    ['1', '1.0', 0],
    ['1.41.0', '1.41', 0],
    ['1.41.1', '1.41', 1],
    ['2', '1.99', 1],
    ['1..41', '1.41', -1],
    ['1.', '1.0', 0],
    ['1.99999999999999999999', '1.41', 1],
  ])('%s vs %s -> %d', (a, b, want) => {
    expect(compareApiVersions(a, b)).toBe(want);
  });

  it('a request without a version prefix is never below (the daemon uses its newest)', () => {
    expect(apiVersionBelow(undefined, '1.41')).toBe(false);
    expect(apiVersionBelow('1.38', '1.41')).toBe(true);
    expect(apiVersionBelow('1.41', '1.41')).toBe(false);
  });
});
