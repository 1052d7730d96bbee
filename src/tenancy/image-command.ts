/**
 * Which parts of an image's command dockerd copies into a container it creates, as dockerd
 * 20.10's `merge` (daemon/commit.go) decides from the create body: the image's `Cmd` only when
 * the body's `Entrypoint` and `Cmd` both have length 0, and the image's `Entrypoint` only when
 * the body's `Entrypoint` is also nil. The body's values decode as a StrSlice: absent and
 * `null` are nil, `[]` is empty but not nil, and a JSON string is a list of one (`""` too).
 * Pure.
 */
import type { JsonValue } from '../core/types.js';
import { field } from '../facts/go-fold.js';

/** How many elements a body's Cmd or Entrypoint decodes to (a string: one); -1 for nil. */
function strSliceLength(v: JsonValue | undefined): number {
  if (v === undefined || v === null) return -1;
  return Array.isArray(v) ? v.length : 1;
}

/** The image's `Cmd` and `Entrypoint` (from its inspect `Config`) that a create with `body` takes over. */
export function copiedImageCommand(body: JsonValue | undefined, imageConfig: Record<string, JsonValue>): JsonValue[] {
  const entrypoint = strSliceLength(field(body, 'Entrypoint'));
  if (entrypoint > 0) return [];
  const copied: JsonValue[] = [];
  if (strSliceLength(field(body, 'Cmd')) <= 0 && imageConfig.Cmd !== undefined) copied.push(imageConfig.Cmd);
  if (entrypoint < 0 && imageConfig.Entrypoint !== undefined) copied.push(imageConfig.Entrypoint);
  return copied;
}

/** A Cmd or Entrypoint as dockerd decodes it (a StrSlice: a string is a list of one); undefined for nil. */
function strSlice(v: JsonValue | undefined): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  // Go decodes a null element into "" (rev-late F1: ["sleep", "1000", "#(nop)", null] lists as
  // `sleep 1000 #(nop) `); other elements that are not strings fail dockerd's decoding (the
  // create is refused): none to run.
  return Array.isArray(v) ? v.flatMap((x) => (typeof x === 'string' ? [x] : x === null ? [''] : [])) : [];
}

/**
 * The command a container created with `body` from an image of `imageConfig` runs: its
 * Entrypoint followed by its Cmd after the merge (daemon/commit.go), which dockerd splits into
 * the container's `Path` (the first) and `Args` (the rest). Pure.
 */
export function effectiveCommand(body: JsonValue | undefined, imageConfig: Record<string, JsonValue>): string[] {
  let entrypoint = strSlice(field(body, 'Entrypoint'));
  let cmd = strSlice(field(body, 'Cmd'));
  if ((entrypoint?.length ?? 0) === 0) {
    if ((cmd?.length ?? 0) === 0) cmd = strSlice(imageConfig.Cmd);
    if (entrypoint === undefined) entrypoint = strSlice(imageConfig.Entrypoint);
  }
  return [...(entrypoint ?? []), ...(cmd ?? [])];
}
