/**
 * Go's `strings.ToLower`: each code point by its simple lower-case mapping (unicode.ToLower).
 * dockerd's embedded DNS folds names so, not in ASCII only: an alias written with U+212A
 * (KELVIN SIGN) answers `k...`. JavaScript's `toLowerCase` differs in two ways, both handled by
 * mapping one code point at a time: U+0130 (`İ`) becomes two code points there (Go: `i`), and a
 * final `Σ` becomes `ς` in context (Go: `σ`).
 */
export function goLower(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === '\u0130') {
      out += 'i';
      continue;
    }
    const lower = ch.toLowerCase();
    // A mapping to several code points is not a simple one: Go keeps the code point.
    out += [...lower].length === 1 ? lower : ch;
  }
  return out;
}
