/**
 * Copies of decoded request bodies for tenancy to edit. Their objects have no prototype, as the
 * decoder's (go-json.ts) have: keys there are the client's (network names keying
 * `EndpointsConfig`, label keys, ...), and in an object with Object.prototype a key such as
 * `__proto__`, `constructor` or `toString` reads a prototype member where the client sent
 * nothing, and `obj["__proto__"] = v` replaces the prototype instead of adding the key.
 * structuredClone gives every copy Object.prototype back. Pure.
 */
import type { JsonObject, JsonValue } from '../core/types.js';

/** An empty object without a prototype: every key set on it is an own key. */
export function emptyObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

/** A deep copy of a decoded JSON value, each object without a prototype, keys in their order. */
export function copyBody<T extends JsonValue>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => copyBody(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out = emptyObject();
  for (const key of Object.keys(value)) out[key] = copyBody((value as JsonObject)[key] as JsonValue);
  return out as T;
}

/**
 * The value of `obj`'s own key `key`, never one of its prototype's members (undefined when
 * `obj` has no such own key).
 */
export function ownValue(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Set `obj`'s own key `key` to `value`, also when `key` is `__proto__` and `obj` has a prototype. */
export function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}
