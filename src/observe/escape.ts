/**
 * Keep audit values on one line and harmless in a terminal. JSON serialisation escapes C0
 * controls (`\n`, ESC, ...) but leaves the other hidden characters (hidden-characters.ts) raw:
 * DEL, C1 controls (U+0080-U+009F, where U+009B is a one-byte CSI), the JavaScript line
 * separators U+2028/U+2029, bidi overrides, zero-width and other invisible characters (a
 * client named `\u202Eecila` would read as "alice"); `escapeJsonLine` rewrites those as
 * `\uXXXX` escapes, which is lossless inside JSON strings.
 */
import { HIDDEN_CLASS, unitEscape } from '../core/hidden-characters.js';

/**
 * Characters JSON.stringify leaves raw that can still forge, hide or re-order a log line: the
 * hidden ones but C0, which JSON has escaped already (and the line's own final newline).
 */
const RISKY = new RegExp(`(?![\\u0000-\\u001f])[${HIDDEN_CLASS}]`, 'gu');

/** A UTF-16 unit from DEL (U+007F) up: every risky character holds one. */
const BEYOND_ASCII = /[\u007f-\uffff]/;

/**
 * Escape the risky characters of one serialised JSON line. They can only occur inside string
 * literals (never in JSON syntax), so `\uXXXX` there (a surrogate pair beyond U+FFFF) decodes
 * back to the same value.
 */
export function escapeJsonLine(line: string): string {
  // Every risky character is beyond U+007E. Most lines are ASCII: this test is several times
  // faster than the Unicode property classes of RISKY, and this runs on every log line.
  if (!BEYOND_ASCII.test(line)) return line;
  return line.replace(RISKY, (ch) => unitEscape(ch, 'lower'));
}

/** Longest string value kept in an audit record. */
export const MAX_VALUE_LENGTH = 1024;

/** Cut `value` to `max` UTF-16 units (not splitting a surrogate pair) with a visible marker. */
export function truncate(value: string, max = MAX_VALUE_LENGTH): string {
  if (value.length <= max) return value;
  let cut = max;
  const last = value.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${value.slice(0, cut)}...[truncated ${value.length - cut} chars]`;
}
