/**
 * Go's percent-decoding (net/url `unescape`) for paths and query components, made strict:
 * the decoded bytes must be valid UTF-8, because JavaScript strings cannot carry the raw
 * bytes Go would pass on, and a lossy decode would let us see a different name than dockerd.
 */
import { FactsError, type FactsErrorCode } from './errors.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Decode `%XX` escapes; with `plusIsSpace` (query components) `+` becomes a space.
 * Throws a FactsError with `code` for a truncated or non-hex escape or invalid UTF-8.
 * `s` must be ASCII (raw targets are checked before this runs).
 */
export function percentDecode(s: string, plusIsSpace: boolean, code: FactsErrorCode): string {
  if (!s.includes('%') && !(plusIsSpace && s.includes('+'))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      // Not quoted: a query value may be a secret (`buildargs`).
      if (hi < 0 || lo < 0) throw new FactsError(code, 'invalid percent escape');
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (c === 0x2b && plusIsSpace) {
      bytes.push(0x20);
    } else {
      bytes.push(c);
    }
  }
  try {
    return UTF8.decode(new Uint8Array(bytes));
  } catch {
    throw new FactsError(code, 'escapes decode to invalid UTF-8');
  }
}
