/**
 * The owner labels a create adds to a body's top-level labels map, without copying that map.
 * The decoded body (facts.body) stays as the client sent it, so withOwnerLabels (labels.ts)
 * worked on a deep copy; for a 4 MiB create with 300 000 labels, copying the map cost as much
 * as decoding it (copyBody 485 ms of a 3.4 s stall of the event loop, rev-stall). Here the copy
 * holds, in the map's place, an overlay: a fresh map with the added labels only, and the body
 * is serialised (serialiseBody) as the map with the added labels after its own entries, the
 * bytes JSON.stringify wrote of the merged copy. Only where that is certain: every added key
 * new to the map and none an array index (JSON.stringify writes those first). Such a copy is
 * for serialiseWithin (rewritten-body.ts) alone: a reader of its labels sees the added ones
 * only, and JSON.stringify writes them alone. Only container creates use it (container-create.ts,
 * admin-create.ts), whose rewrites after the labels read and write other fields, and whose
 * copy goes to the daemon through serialiseWithin only. Pure, but for the random placeholder a
 * serialisation writes in the map's place and replaces.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject, JsonValue } from '../core/types.js';
import { goKey, isObject } from '../facts/go-fold.js';
import { copyBody, emptyObject } from './body-copy.js';
import { withOwnerLabels } from './labels.js';

/** A body copy's overlaid map: where it is, the added labels, and the client's map they go after. */
interface Overlay {
  /** The key of the copy's top level that holds `added` (the client's spelling of `Labels`). */
  key: string;
  /** The added labels: what the copy holds at `key`. */
  added: JsonObject;
  /** The client's map, shared with facts.body: never written to. */
  map: JsonObject;
}

/** Body copies made by overlaidCopy, with their overlay. */
const overlays = new WeakMap<JsonObject, Overlay>();

/** An array index (`0` to 2^32 - 2, no leading zero): JSON.stringify writes these keys first. */
function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/**
 * A copy of `body` with `labels` added to its top-level map field `name`, the map itself not
 * copied (see the module comment), or undefined where the merged copy is needed instead: no
 * such field, one that is no object (goObjectAt replaces or refuses it), an added key already
 * in the map (its value would be replaced where it stands) or an array index.
 */
export function overlaidCopy(body: JsonObject, name: string, labels: Record<string, string>): JsonObject | undefined {
  const key = goKey(body, name);
  if (key === undefined) return undefined;
  const map = body[key];
  if (!isObject(map)) return undefined;
  const keys = Object.keys(labels);
  if (keys.some((k) => Object.hasOwn(map, k) || isArrayIndex(k))) return undefined;
  const added = emptyObject();
  for (const k of keys) added[k] = labels[k] as string;
  const root = emptyObject();
  for (const k of Object.keys(body)) root[k] = k === key ? added : copyBody(body[k] as JsonValue);
  overlays.set(root, { key, added, map });
  return root;
}

/** The JSON of `map` with the entries of `added` after its own (new keys, no array index: see overlaidCopy). */
function mergedJson(map: JsonObject, added: JsonObject): string {
  const own = JSON.stringify(map);
  const more = JSON.stringify(added);
  if (more === '{}') return own;
  if (own === '{}') return more;
  return `${own.slice(0, -1)},${more.slice(1)}`;
}

/**
 * JSON.stringify of `value`, a body copy's overlay written as the merged map it stands for:
 * the bytes the merged copy gave. Any other value is JSON.stringify's.
 */
export function serialiseBody(value: JsonValue): string {
  const overlay = isObject(value) ? overlays.get(value) : undefined;
  if (overlay === undefined || !isObject(value) || value[overlay.key] !== overlay.added) return JSON.stringify(value);
  const placeholder = `dockgate-labels-${randomBytes(16).toString('hex')}`;
  value[overlay.key] = placeholder;
  let text: string;
  try {
    text = JSON.stringify(value);
  } finally {
    value[overlay.key] = overlay.added;
  }
  const quoted = JSON.stringify(placeholder);
  const at = text.indexOf(quoted);
  // The placeholder is random: a body holding it too is a body that could not have been made
  // for it. Still, only a single occurrence is replaced; else the merged map is written whole.
  if (at < 0 || text.indexOf(quoted, at + 1) >= 0) {
    const merged = Object.assign(copyBody(overlay.map), overlay.added);
    const copy = emptyObject();
    for (const k of Object.keys(value)) copy[k] = k === overlay.key ? merged : (value[k] as JsonValue);
    return JSON.stringify(copy);
  }
  return text.slice(0, at) + mergedJson(overlay.map, overlay.added) + text.slice(at + quoted.length);
}

/**
 * withOwnerLabels(body, ['Labels'], labels) for a container create whose copy is only written
 * by serialiseWithin: the client's map not copied where overlaidCopy can leave it (see the
 * module comment), else withOwnerLabels' merged copy.
 */
export function withCreateLabels(body: JsonValue | undefined, labels: Record<string, string>): JsonObject {
  return (isObject(body) ? overlaidCopy(body, 'Labels', labels) : undefined) ?? withOwnerLabels(body, ['Labels'], labels);
}
