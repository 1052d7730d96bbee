/**
 * The command of a container dockerd creates, as dockerd 20.10's `merge` (daemon/commit.go)
 * makes it from the create body and the image: the image's `Cmd` only when the body's
 * `Entrypoint` and `Cmd` both have length 0, and the image's `Entrypoint` only when the body's
 * `Entrypoint` is also nil. The body's values decode as a StrSlice: absent and `null` are nil,
 * `[]` is empty but not nil, and a JSON string is a list of one (`""` too). Pure.
 */
import type { JsonValue } from '../core/types.js';
import { field } from '../facts/go-fold.js';

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
