/**
 * What `certs init --force` keeps of the CA it replaces. The old CA key is still needed after
 * the switch: its CRL must be re-signed (an expired CRL refuses every client of that CA while
 * `tls.ca` still trusts it) and its clients revoked until every bundle is re-issued. So the old
 * CA directory's files are copied, and its `clients/` moved, into `DIR/replaced-<time>/`
 * (mode 0700): a CA directory of its own, on which `certs crl --dir` and `certs revoke --dir`
 * work.
 */
import { mkdir, readFile, realpath, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_MODE, PUBLIC_MODE, exists, writeFileAtomic } from './files.js';
import type { PkiPaths } from './paths.js';
import { moveBundlePaths } from './replaced-index.js';

/** The files `certs init` writes: what it must neither overwrite unasked nor lose when forced. */
export function initFiles(paths: PkiPaths): string[] {
  return [paths.ca, paths.caKey, paths.serverCert, paths.serverKey, paths.crl, paths.index];
}

/** `replaced-2026-01-05T09-55-00Z`: a directory name without `:` (tar and scp read it as a host). */
export function replacedDirName(now: Date): string {
  return `replaced-${now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-')}`;
}

/**
 * Copies every existing init file of `paths` (keys 0600, the rest 0644) and moves `clients/`
 * into a new `replaced-<time>` directory (0700) inside the CA directory; in the copied index,
 * bundle paths inside the old `clients/` are rewritten to where they moved. Returns its path,
 * or undefined when there was nothing to keep (no init file and no `clients/`).
 */
export async function keepReplacedCa(paths: PkiPaths, now: Date): Promise<string | undefined> {
  const present: string[] = [];
  for (const file of initFiles(paths)) if (await exists(file)) present.push(file);
  // A clients/ left without a CA is moved too: left in place, the new CA's issue of the same
  // names would be refused (another bundle in the way).
  if (present.length === 0 && !(await exists(paths.clients))) return undefined;
  const base = join(paths.dir, replacedDirName(now));
  let target = base;
  for (let n = 2; ; n++) {
    try {
      await mkdir(target, { mode: PRIVATE_DIR_MODE });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      target = `${base}-${n}`;
    }
  }
  const privateFiles = new Set([paths.caKey, paths.serverKey]);
  for (const file of present) {
    if (file === paths.index) continue;
    await writeFileAtomic(join(target, basename(file)), await readFile(file), privateFiles.has(file) ? PRIVATE_MODE : PUBLIC_MODE);
  }
  const movedClients = join(target, basename(paths.clients));
  const fromClients = [paths.clients, await realpath(paths.clients).catch(() => paths.clients)];
  if (await exists(paths.clients)) await rename(paths.clients, movedClients);
  // The copied index must point the bundles at where they went, not at the new CA's clients/.
  if (present.includes(paths.index)) {
    const raw = await readFile(paths.index);
    const text = raw.toString('utf8');
    const moved = moveBundlePaths(text, fromClients, movedClients);
    await writeFileAtomic(join(target, basename(paths.index)), moved === text ? raw : moved, PUBLIC_MODE);
  }
  return target;
}
