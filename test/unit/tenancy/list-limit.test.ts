/** listLimit (src/tenancy/list-limit.ts): a container list's `limit`, read as dockerd reads it (rev-seal2 F5). Pure. */
import { describe, expect, it } from 'vitest';
import { listLimit } from '../../../src/tenancy/list-limit.js';

describe('listLimit', () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['', undefined],
    ['1', 1],
    ['3', 3],
    ['+2', 2],
    ['007', 7],
    ['0', undefined],
    ['-1', undefined],
    ['x', undefined],
    ['1.5', undefined],
    [' 1', undefined],
    ['1e3', undefined],
    ['99999999999999999999', undefined],
  ])('%j: %j', (raw, want) => {
    expect(listLimit(raw)).toBe(want);
  });
});
