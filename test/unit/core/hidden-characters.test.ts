/** The one set of hidden characters (hidden-characters.ts) and how they are written for display. */
import { describe, expect, it } from 'vitest';
import { escapeHidden, HIDDEN_CHARACTER, hiddenCharactersOf, INVISIBLE_CHARACTER, unitEscape } from '../../../src/core/hidden-characters.js';

describe('hidden characters', () => {
  it.each<[string, string, boolean, boolean]>([
    ['right-to-left override', '\u202E', true, true],
    ['zero-width space', '\u200B', true, true],
    ['byte order mark', '\uFEFF', true, true],
    ['soft hyphen', '\u00AD', true, true],
    ['combining grapheme joiner', '\u034F', true, true],
    ['variation selector 16', '\uFE0F', true, true],
    ['tag letter A', '\u{E0041}', true, true],
    ['Arabic number sign (a format character)', '\u0600', true, true],
    ['newline (a control)', '\n', false, true],
    ['C1 CSI', '\u009B', false, true],
    ['line separator', '\u2028', false, true],
    ['paragraph separator', '\u2029', false, true],
    ['letter', 'a', false, false],
    ['space', ' ', false, false],
    ['no-break space (visible as a space)', '\u00A0', false, false],
    ['e with acute', '\u00E9', false, false],
    ['emoji', '\u{1F600}', false, false],
  ])('%s: invisible %s, hidden %s', (_what, ch, invisible, hidden) => {
    expect([INVISIBLE_CHARACTER.test(ch), HIDDEN_CHARACTER.test(ch)]).toEqual([invisible, hidden]);
  });

  it.each<[string, string]>([
    ['\u202Eecila', '\\u202Eecila'],
    ['a\nb\tc', 'a\\u000Ab\\u0009c'],
    ['alice\u{E0041}', 'alice\\uDB40\\uDC41'],
    ['Zoë 日本 \u{1F600}', 'Zoë 日本 \u{1F600}'],
    ['ok\u007F', 'ok\\u007F'],
    ['\u0000 !~', '\\u0000 !~'],
    [' !~ denied ContainerCreate for alice', ' !~ denied ContainerCreate for alice'],
  ])('escapeHidden(%j) is %j, which reads back as the same string', (text, shown) => {
    expect(escapeHidden(text)).toBe(shown);
    expect(JSON.parse(`"${shown}"`)).toBe(text);
  });

  it('escapes the same characters as the hidden class does, for every UTF-16 unit (its printable-ASCII shortcut skips none)', () => {
    const everyHidden = new RegExp(HIDDEN_CHARACTER.source, 'gu');
    const differing: string[] = [];
    for (let unit = 0; unit <= 0xffff; unit++) {
      const text = `a${String.fromCharCode(unit)}b`;
      if (escapeHidden(text) !== text.replace(everyHidden, (ch) => unitEscape(ch))) differing.push(unitEscape(String.fromCharCode(unit)));
    }
    expect(differing).toEqual([]);
  });

  it('is idempotent (callers escape text that may hold escapes already) and leaves backslashes as they are', () => {
    for (const text of ['\u202Eecila', 'a\nb\u001b[2J', 'alice\u{E0041}', 'C:\\Users\\dev\\x', 'literal \\u202E', 'Zoë \u00AD']) {
      expect(escapeHidden(escapeHidden(text))).toBe(escapeHidden(text));
    }
    expect(escapeHidden('C:\\Users\\dev')).toBe('C:\\Users\\dev');
    // The documented ambiguity (docs/observability.md): the six characters print as the escape does.
    expect(escapeHidden('\\u202Eecila')).toBe(escapeHidden('\u202Eecila'));
  });

  it('unitEscape writes lower case on request; hiddenCharactersOf lists each once, in order', () => {
    expect(unitEscape('\u202E', 'lower')).toBe('\\u202e');
    expect(hiddenCharactersOf('a\u200Bb\u202Ec\u200B')).toEqual(['\\u200B', '\\u202E']);
  });
});
