/**
 * Go's encoding/json field-name folding, so the gateway looks a body field up exactly as
 * dockerd's decoder finds it: ASCII upper-casing, and for other runes
 * unicode.ToUpper(unicode.ToLower(r)) with *simple* case mappings (so `ſ` = `S`, Kelvin sign = `K`).
 */
import type { JsonObject, JsonValue } from '../core/types.js';

/** Simple (one code point to one code point) case mapping, as Go's unicode.ToLower/ToUpper. */
function simpleMap(cp: number, toUpper: boolean): number {
  if (cp === 0x130 && !toUpper) return 0x69; // Go: ToLower('İ') = 'i' (JS gives two code points)
  const s = String.fromCodePoint(cp);
  const mapped = toUpper ? s.toUpperCase() : s.toLowerCase();
  const first = mapped.codePointAt(0);
  // A full mapping that expands (ß -> SS) has no simple equivalent: Go keeps the rune.
  return first !== undefined && String.fromCodePoint(first) === mapped ? first : cp;
}

/** Fold a JSON object key the way Go's encoding/json does before comparing with struct fields. */
export function goFold(name: string): string {
  let out = '';
  for (const ch of name) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) {
      out += cp >= 0x61 && cp <= 0x7a ? String.fromCharCode(cp - 0x20) : ch;
    } else {
      out += String.fromCodePoint(simpleMap(simpleMap(cp, false), true));
    }
  }
  return out;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Look up a struct field of a decoded body with Go's matching (exact key first, then folded),
 * following a path of field names: `field(body, 'HostConfig', 'Privileged')`.
 * Decoded bodies never hold two keys that fold alike (the decoder refuses them), so the
 * match is unambiguous. Returns undefined when any step is missing or not an object.
 */
export function field(value: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let cur = value;
  for (const name of path) {
    if (!isObject(cur)) return undefined;
    if (Object.prototype.hasOwnProperty.call(cur, name)) {
      cur = cur[name];
      continue;
    }
    const want = goFold(name);
    let found: JsonValue | undefined;
    for (const key of Object.keys(cur)) {
      if (goFold(key) === want) {
        found = cur[key];
        break;
      }
    }
    cur = found;
  }
  return cur;
}

export { isObject };
