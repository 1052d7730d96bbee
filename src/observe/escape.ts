/**
 * Keep audit values on one line and harmless in a terminal. JSON serialisation escapes C0
 * controls (`\n`, ESC, ...) but leaves DEL, C1 controls (U+0080-U+009F, where U+009B is a
 * one-byte CSI), the JavaScript line separators U+2028/U+2029 and bidi overrides raw;
 * `escapeJsonLine` rewrites those as `\uXXXX` escapes, which is lossless inside JSON strings.
 */

/** Characters JSON.stringify leaves raw that can still forge, hide or re-order a log line. */
const RISKY = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Escape the risky characters of one serialised JSON line. They can only occur inside string
 * literals (never in JSON syntax), so `\uXXXX` there decodes back to the same value.
 */
export function escapeJsonLine(line: string): string {
  return line.replace(RISKY, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
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
