import { describe, expect, it } from 'vitest';
import { upstreamErrorKind } from '../../../src/proxy/upstream-errors.js';

describe('upstreamErrorKind: the same split on the request and the upgrade paths', () => {
  it.each([
    // No connection could be made.
    ['ENOENT', 'unreachable'],
    ['ECONNREFUSED', 'unreachable'],
    ['EACCES', 'unreachable'],
    ['ENOTFOUND', 'unreachable'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['ETIMEDOUT', 'unreachable'],
    // One was made and broke (the daemon died or dropped it before or while answering).
    ['ECONNRESET', 'failed'],
    ['EPIPE', 'failed'],
    ['', 'failed'],
    [undefined, 'failed'],
  ])('%s -> %s', (code, kind) => {
    expect(upstreamErrorKind(code)).toBe(kind);
  });
});
