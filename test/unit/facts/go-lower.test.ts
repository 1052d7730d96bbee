/** goLower: Go's strings.ToLower, one code point at a time (what dockerd's DNS folds names with). */
import { describe, expect, it } from 'vitest';
import { goLower } from '../../../src/facts/go-lower.js';

describe('goLower', () => {
  it.each([
    ['DB', 'db'],
    ['Web1.Shared', 'web1.shared'],
    ['\u212Atore', 'ktore'],
    ['\u0130x', 'ix'],
    ['\u00C5SA', '\u00E5sa'],
    ['\u212B', '\u00E5'],
    ['O\u03A3', 'o\u03C3'],
    ['\u{10400}', '\u{10428}'],
    ['already', 'already'],
    ['', ''],
  ])('%j -> %j', (raw, want) => {
    expect(goLower(raw)).toBe(want);
  });
});
