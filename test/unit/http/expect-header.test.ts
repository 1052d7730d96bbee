/**
 * The Expect header as Go's net/http reads it: the first header's value only, hasToken's
 * boundaries and ASCII case, an empty value as none; a 100 only for HTTP/1.1 with a body.
 */
import { describe, expect, it } from 'vitest';
import { continueWanted, expectation, firstExpect, hasContinueToken } from '../../../src/http/expect-header.js';

describe('expectation', () => {
  it.each([
    [[], 'none'],
    [['Host', 'x'], 'none'],
    [['Expect', ''], 'none'],
    [['Expect', ' \t '], 'none'],
    [['Expect', '100-continue'], 'continue'],
    [['expect', '100-Continue'], 'continue'],
    [['EXPECT', '100-CONTINUE'], 'continue'],
    [['Expect', '100-continue, foo'], 'continue'],
    [['Expect', 'foo 100-continue'], 'continue'],
    [['Expect', 'foo,\t100-continue'], 'continue'],
    [['Expect', 'foo'], 'unsupported'],
    [['Expect', 'FOO'], 'unsupported'],
    [['Expect', '200-ok'], 'unsupported'],
    [['Expect', '100-continues'], 'unsupported'],
    [['Expect', 'x100-continue'], 'unsupported'],
    // Node's boundary is any non-word character; Go's only space, tab, comma.
    [['Expect', 'foo;100-continue'], 'unsupported'],
    [['Expect', '100-continue=1'], 'unsupported'],
    // The first Expect header decides (Go's Header.get); Node joins them with ", ".
    [['Expect', 'foo', 'Expect', '100-continue'], 'unsupported'],
    [['Expect', '100-continue', 'Expect', 'foo'], 'continue'],
    [['Expect', '', 'Expect', '100-continue'], 'none'],
    [['Expect', '', 'Expect', 'foo'], 'none'],
    [['X-Expect', 'foo', 'Expect', '100-continue'], 'continue'],
    [['Expectation', 'foo'], 'none'],
    // Only header names count.
    [['X-Name', 'Expect', 'Expect', ''], 'none'],
  ])('%j -> %s', (raw, want) => {
    expect(expectation(raw)).toBe(want);
  });

  it('trims the value as textproto does', () => {
    expect(firstExpect(['Expect', ' \t100-continue \t'])).toBe('100-continue');
    expect(firstExpect(['Host', 'x'])).toBeUndefined();
  });

  it('non-ASCII case folding does not shift the token', () => {
    expect(hasContinueToken('İİ 100-continue')).toBe(true);
    expect(hasContinueToken('İ100-continue')).toBe(false);
  });
});

describe('continueWanted', () => {
  const v = (major: number, minor: number) => ({ httpVersionMajor: major, httpVersionMinor: minor });
  it.each([
    [v(1, 1), {}, false],
    [v(1, 1), { 'content-length': '0' }, false],
    [v(1, 1), { 'content-length': '00' }, false],
    [v(1, 1), { 'content-length': '5' }, true],
    [v(1, 1), { 'transfer-encoding': 'chunked' }, true],
    [v(1, 0), { 'content-length': '5' }, false],
    [v(1, 0), { 'transfer-encoding': 'chunked' }, false],
  ])('%j %j -> %s', (version, headers, want) => {
    expect(continueWanted(version, headers)).toBe(want);
  });
});
