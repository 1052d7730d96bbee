/** Log lines made safe to read (escape.ts): characters a terminal or editor acts on escaped, long values cut with a marker. */
import { describe, expect, it } from 'vitest';
import { HIDDEN_CHARACTER } from '../../../src/core/hidden-characters.js';
import { escapeJsonLine, truncate } from '../../../src/observe/escape.js';

describe('escapeJsonLine', () => {
  it.each([
    ['C1 CSI', '"a\u009b31mb"', '"a\\u009b31mb"'],
    ['line separator', '"a\u2028b\u2029c"', '"a\\u2028b\\u2029c"'],
    ['DEL', '"\u007f"', '"\\u007f"'],
    ['bidi override', '"\u202e"', '"\\u202e"'],
    // names37: the other hidden characters (hidden-characters.ts): a client named mal<ZWSP>lory read as mallory.
    ['zero-width space', '"mal\u200blory"', '"mal\\u200blory"'],
    ['zero-width joiner, word joiner, BOM', '"a\u200db\u2060c\ufeff"', '"a\\u200db\\u2060c\\ufeff"'],
    ['soft hyphen, variation selector, Hangul filler', '"a\u00adb\ufe0fc\u3164"', '"a\\u00adb\\ufe0fc\\u3164"'],
    ['Arabic letter mark, isolates', '"\u061ca\u2067b\u2069"', '"\\u061ca\\u2067b\\u2069"'],
    ['tag character beyond U+FFFF: its surrogate pair', '"a\u{e0041}"', '"a\\udb40\\udc41"'],
    ['the line\'s final newline and an emoji kept', '{"a":"\u{1f600}é"}\n', '{"a":"\u{1f600}é"}\n'],
    ['plain text and JSON escapes untouched', '{"a":"b\\n\\u001b[31m é"}', '{"a":"b\\n\\u001b[31m é"}'],
    // review37b: a value that is the text \u202e (backslash, u, ...) stays that text, apart from the character.
    ['an escape written as text beside the character', JSON.stringify({ a: '\\u202e\u202e' }), '{"a":"\\\\u202e\\u202e"}'],
    ['a lone surrogate as JSON.stringify writes it', JSON.stringify({ a: 'x\ud800y' }), '{"a":"x\\ud800y"}'],
  ])('%s', (_name, line, want) => {
    expect(escapeJsonLine(line)).toBe(want);
    expect(JSON.parse(escapeJsonLine(line))).toEqual(JSON.parse(line));
  });

  // review37b: every character, the BMP's and the default-ignorable planes' (tag characters, variation
  // selectors supplement), comes back from the line unchanged, and none of the hidden ones stays raw.
  it.each([
    ['U+0000-U+FFFF', 0, 0xffff],
    ['U+E0000-U+E0FFF', 0xe0000, 0xe0fff],
    ['U+1D173-U+1D17A (musical format characters), U+1F600', 0x1d173, 0x1f600],
  ])('round trip of %s', (_name, from, to) => {
    const chars: string[] = [];
    for (let cp = from; cp <= to; cp++) if (cp < 0xd800 || cp > 0xdfff) chars.push(String.fromCodePoint(cp));
    const value = chars.join('');
    const line = escapeJsonLine(`${JSON.stringify({ a: value })}\n`);
    expect(line.slice(0, -1)).not.toMatch(HIDDEN_CHARACTER);
    expect(JSON.parse(line)).toEqual({ a: value });
  });
});

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['abcdefghijkl', 4, 'abcd...[truncated 8 chars]'],
    ['ab\u{1F600}cd', 3, 'ab...[truncated 4 chars]'],
    ['abcd', 4, 'abcd'], // exactly at the limit: kept whole, no marker
  ])('%j at %d', (v, max, want) => {
    expect(truncate(v, max)).toBe(want);
  });

  it('keeps 1024 characters by default (docs/observability.md), and cuts the 1025th', () => {
    expect(truncate('x'.repeat(1024))).toBe('x'.repeat(1024));
    expect(truncate('x'.repeat(1025))).toBe(`${'x'.repeat(1024)}...[truncated 1 chars]`);
  });
});
