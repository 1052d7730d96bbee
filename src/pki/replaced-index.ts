/**
 * The index copied into `replaced-<time>/` by `certs init --force`. Its client entries name
 * their bundle by absolute path (`DIR/clients/alice`), and `clients/` has just moved to
 * `DIR/replaced-<time>/clients/`. Copied unchanged, `renew alice --dir DIR/replaced-<time>`
 * would write an old-CA bundle into `DIR/clients/alice`, over the new CA's bundle of alice.
 */
import { isAbsolute, join, relative } from 'node:path';

/** `path` inside `dir` (or `dir` itself): its relative path, else undefined. */
function inside(dir: string, path: string): string | undefined {
  const rel = relative(dir, path);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return rel;
  return undefined;
}

/**
 * Rewrites, in the JSON text of an index, every `certs[].bundle` inside one of `fromClients`
 * (the moved `clients/`, as resolved and as its real path) to the same place under
 * `toClients`. Other bundles (`--out` elsewhere) are left as they are. Text that is not an
 * index-shaped JSON object is returned unchanged: the copy must not fail over it.
 */
export function moveBundlePaths(indexText: string, fromClients: readonly string[], toClients: string): string {
  let data: unknown;
  try {
    data = JSON.parse(indexText);
  } catch {
    return indexText;
  }
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { certs?: unknown }).certs)) return indexText;
  let changed = false;
  for (const entry of (data as { certs: unknown[] }).certs) {
    if (typeof entry !== 'object' || entry === null) continue;
    const bundle = (entry as { bundle?: unknown }).bundle;
    if (typeof bundle !== 'string') continue;
    for (const from of fromClients) {
      const rel = inside(from, bundle);
      if (rel === undefined) continue;
      (entry as { bundle: string }).bundle = join(toClients, rel);
      changed = true;
      break;
    }
  }
  return changed ? JSON.stringify(data, null, 2) + '\n' : indexText;
}
