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
 * Folded key -> key, for each struct object the body decoder produced (go-json.ts fills it as
 * it parses), or null for a decoded Go map (`Labels`, driver options, ...), whose keys Go
 * matches exactly. Decoded objects are never modified afterwards (tenancy edits a
 * copy: tenancy/body-copy.ts), so the index stays exact.
 */
const foldedKeys = new WeakMap<JsonObject, ReadonlyMap<string, string> | null>();

/** Record the folded-key index of a decoded struct, or null for a map (called by the decoder only). */
export function rememberFoldedKeys(obj: JsonObject, index: ReadonlyMap<string, string> | null): void {
  foldedKeys.set(obj, index);
}

/**
 * The key of `obj` whose fold is `want`: from the decoder's index, none in a decoded map,
 * else by scanning.
 */
function keyFoldingTo(obj: JsonObject, want: string): string | undefined {
  const index = foldedKeys.get(obj);
  if (index) return index.get(want);
  if (index === null) return undefined;
  for (const key of Object.keys(obj)) if (goFold(key) === want) return key;
  return undefined;
}

/**
 * Look up a struct field of a decoded body with Go's matching (exact key first, then folded),
 * following a path of field names: `field(body, 'HostConfig', 'Privileged')`.
 * Decoded structs never hold two keys that fold alike (the decoder refuses them), so the
 * match is unambiguous. Inside a decoded Go map (`Labels`, `DriverOpts`, ...) keys that fold
 * alike are distinct entries and only the exact key matches, as in Go: a guard that must see
 * every spelling of a map key uses `mapEntries`. Returns undefined when any step is missing
 * or not an object.
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
 * then folded; exact only in a decoded map), or undefined.
 */
export function goKey(obj: JsonObject, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return name;
  return keyFoldingTo(obj, goFold(name));
}

/**
 * A struct field name together with its fold, made once (at module load) for a look-up that
 * runs on every request: `fieldAt` then folds nothing and allocates nothing, where `field`
 * folds each name it misses (a new string) and gathers its path into a new array.
 */
export interface FieldName {
  /** The field's name as dockerd's struct spells it, e.g. `HostConfig`. */
  readonly name: string;
  /** `goFold(name)`. */
  readonly folded: string;
}

/** Prepare a path of struct field names for `fieldAt`: `fieldPath('HostConfig', 'Ulimits')`. */
export function fieldPath(...names: string[]): readonly FieldName[] {
  return names.map((name) => ({ name, folded: goFold(name) }));
}

/** A body field's place, prepared once: its dotted path for messages, and `at` for `fieldAt`. */
export interface FieldPlace {
  /** The path as messages name it, e.g. `HostConfig.Ulimits`. */
  readonly path: string;
  /** The same path prepared by `fieldPath`. */
  readonly at: readonly FieldName[];
}

/** Prepare a field's place (`fieldPlace('Healthcheck', 'Test')`); call it at module load, never per request. */
export function fieldPlace(...names: string[]): FieldPlace {
  return { path: names.join('.'), at: fieldPath(...names) };
}

/** `field(value, ...names)` along a path prepared by `fieldPath`: the same look-up, step by step. */
export function fieldAt(value: JsonValue | undefined, path: readonly FieldName[]): JsonValue | undefined {
  let cur = value;
  for (const { name, folded } of path) {
    if (!isObject(cur)) return undefined;
    const key = Object.prototype.hasOwnProperty.call(cur, name) ? name : keyFoldingTo(cur, folded);
    cur = key === undefined ? undefined : cur[key];
  }
  return cur;
}

/**
 * Every entry of a map-valued `value` (driver options, `Labels`, ...) whose key folds like
 * `name`, in body order: dockerd reads one exact key, but a Go map may hold `device` and
 * `DEVICE` side by side, so a check or a record that looks a map key up case-insensitively
 * must see them all, never just one. Empty when `value` is not an object.
 */
export function mapEntries(value: JsonValue | undefined, name: string): { key: string; value: JsonValue }[] {
  if (!isObject(value)) return [];
  const want = goFold(name);
  const wantPoints = [...want].length;
  const out: { key: string; value: JsonValue }[] = [];
  for (const key of Object.keys(value)) {
    // Go folds one code point to one (1 or 2 UTF-16 units): no other key length can match,
    // so a map of many keys is not folded key by key.
    if (key.length < wantPoints || key.length > 2 * wantPoints) continue;
    if (goFold(key) === want) out.push({ key, value: value[key] as JsonValue });
  }
  return out;
}

export { isObject };
