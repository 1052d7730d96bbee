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

/** Any character outside ASCII (surrogates included). */
const NON_ASCII = /[\u0080-\uffff]/;

/** Fold a JSON object key the way Go's encoding/json does before comparing with struct fields. */
export function goFold(name: string): string {
  // ASCII only (nearly every key): upper-casing a-z is the whole fold.
  if (!NON_ASCII.test(name)) return name.toUpperCase();
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
 * Folded key -> key, for each object the body decoder produced (go-json.ts fills it as it
 * parses). Decoded objects are never modified afterwards (tenancy edits a structuredClone),
 * so the index stays exact.
 */
const foldedKeys = new WeakMap<JsonObject, ReadonlyMap<string, string>>();

/** Record the folded-key index of a decoded object (called by the decoder only). */
export function rememberFoldedKeys(obj: JsonObject, index: ReadonlyMap<string, string>): void {
  foldedKeys.set(obj, index);
}

/** The key of `obj` whose fold is `want`: from the decoder's index, else by scanning. */
function keyFoldingTo(obj: JsonObject, want: string): string | undefined {
  const index = foldedKeys.get(obj);
  if (index) return index.get(want);
  for (const key of Object.keys(obj)) if (goFold(key) === want) return key;
  return undefined;
}

/**
 * Look up a struct field of a decoded body with Go's matching (exact key first, then folded),
 * following a path of field names: `field(body, 'HostConfig', 'Privileged')`.
 * Decoded bodies never hold two keys that fold alike (the decoder refuses them), so the
 * match is unambiguous. Returns undefined when any step is missing or not an object.
 * A miss costs one index lookup on decoded bodies, not a pass over their keys: a body with
 * hundreds of thousands of keys must not cost that much per guard field.
 */
export function field(value: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let cur = value;
  for (const name of path) {
    if (!isObject(cur)) return undefined;
    const key = goKey(cur, name);
    cur = key === undefined ? undefined : cur[key];
  }
  return cur;
}

/**
 * The key of `obj` that Go's decoder would fill for struct field `name` (exact match first,
 * then folded), or undefined.
 */
export function goKey(obj: JsonObject, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return name;
  return keyFoldingTo(obj, goFold(name));
}

export { isObject };
