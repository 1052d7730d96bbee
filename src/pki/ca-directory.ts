/**
 * Recognising a dockgate CA directory above a path, so that neither a bundle (`--out`, `renew`)
 * nor an archive (`--archive`) is written inside another CA's directory: its `clients/`, a
 * `replaced-<time>/` of it, or next to its key.
 */
import { dirname, join } from 'node:path';
import { exists } from './files.js';

/**
 * True when `dir` holds `ca.pem` and `ca-key.pem` or `index.json`: a CA directory (an
 * `index.json` alone, as in many a project directory, does not make one).
 */
export async function isCaDirectory(dir: string): Promise<boolean> {
  if (!(await exists(join(dir, 'ca.pem')))) return false;
  return (await exists(join(dir, 'ca-key.pem'))) || (await exists(join(dir, 'index.json')));
}

/** The nearest CA directory that is `from` or above it, or undefined. */
export async function enclosingCaDir(from: string): Promise<string | undefined> {
  for (let at = from; ; at = dirname(at)) {
    if (await isCaDirectory(at)) return at;
    if (dirname(at) === at) return undefined;
  }
}
