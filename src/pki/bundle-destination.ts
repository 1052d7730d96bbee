/**
 * Where `certs issue` may write a bundle. `--out` names any directory, and writing `key.pem`,
 * `cert.pem` and `ca.pem` there replaces what is in it: another client's key (whose index entry
 * still points there, so a later `renew` of that client writes into a directory holding
 * someone else's bundle), or the `ca.pem` of another CA directory (e.g. the separate scraper CA
 * observability.md recommends), breaking that CA. So the directory is checked before anything
 * is signed.
 */
import { readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PkiError } from './errors.js';
import { enclosingCaDir } from './ca-directory.js';
import { exists } from './files.js';
import { isBundleOfThisCa } from './bundle-of-this-ca.js';
import { BUNDLE_FILES, pkiPaths } from './paths.js';
import type { PkiIndex } from './pki-index.js';

/** Files that make a directory a CA directory: never written into. */
const CA_DIRECTORY_FILES = ['ca-key.pem', 'index.json'] as const;

/**
 * `path` with its symbolic links resolved: the real path of its nearest existing ancestor with
 * the missing rest appended, so that a bundle directory not yet made (`certs/clients/bob`, with
 * `certs` a link) and the CA directory it lies in (`certs`) resolve alike.
 */
async function realOrResolved(path: string): Promise<string> {
  const rest: string[] = [];
  let at = resolve(path);
  for (;;) {
    const real = await realpath(at).catch(() => undefined);
    if (real !== undefined) return join(real, ...rest.reverse());
    const up = dirname(at);
    if (up === at) return resolve(path);
    rest.push(basename(at));
    at = up;
  }
}

/**
 * The client name whose bundle the index places in `bundleDir` (the latest such entry), or
 * undefined. An entry without `bundle` is in `<caDir>/clients/<name>`.
 */
export async function bundleOwner(index: PkiIndex, caDir: string, bundleDir: string): Promise<string | undefined> {
  const target = await realOrResolved(bundleDir);
  const clients = pkiPaths(caDir).clients;
  for (const entry of [...index.certs].reverse()) {
    if (entry.kind !== 'client') continue;
    if ((await realOrResolved(entry.bundle ?? join(clients, entry.name))) === target) return entry.name;
  }
  return undefined;
}

/**
 * Throws PKI_BAD_OUT (nothing is issued) when `bundleDir` holds `ca-key.pem` or `index.json`
 * (a CA directory), lies inside a CA directory other than `caDir` (the nearest one above it,
 * ca-directory.ts), or holds `key.pem`, `cert.pem` or `ca.pem` and the index does not place
 * `name`'s bundle there, or places it there but the files are not this CA's (`cert.pem` none of
 * `name`'s certificates in the index and `ca.pem` not this CA's certificate, `caFingerprint`):
 * another CA's bundle of the same name, e.g. after `init --force`. Re-issuing `name` into its
 * own bundle directory stays allowed (with `--force` while it has a valid certificate, as before).
 */
export async function checkBundleDestination(
  index: PkiIndex,
  caDir: string,
  bundleDir: string,
  name: string,
  caFingerprint: string,
): Promise<void> {
  const dir = resolve(bundleDir);
  const refuse = (why: string) => new PkiError('PKI_BAD_OUT', `bundle directory ${dir}: ${why}; nothing was issued`);
  // A dangling link would fail only after signing, with a bare ENOENT.
  const link = await readlink(dir).catch(() => undefined);
  if (link !== undefined && !(await exists(dir))) throw refuse(`it is a dangling symbolic link (to ${link}); remove it or create its target`);
  for (const file of CA_DIRECTORY_FILES) {
    if (await exists(join(dir, file))) throw refuse(`it holds ${file}, so it is a CA directory; write the bundle elsewhere (--out)`);
  }
  // A bundle inside another CA directory (its clients/, or a replaced-<time>/ of it) belongs to
  // that CA: renew --dir DIR/replaced-<time> must not write an old-CA bundle into DIR/clients/.
  const enclosing = await enclosingCaDir(dirname(await realOrResolved(dir)));
  const realCa = await realOrResolved(caDir);
  if (enclosing !== undefined && enclosing !== realCa) {
    const ca = realCa === resolve(caDir) ? realCa : `${resolve(caDir)} (${realCa})`;
    throw refuse(`it is inside ${enclosing}, another CA directory than ${ca}; write the bundle elsewhere (--out)`);
  }
  const present: string[] = [];
  for (const file of Object.values(BUNDLE_FILES)) if (await exists(join(dir, file))) present.push(file);
  if (present.length === 0) return;
  const owner = await bundleOwner(index, caDir, dir);
  if (owner === name) {
    if (await isBundleOfThisCa(dir, index, name, caFingerprint)) return;
    throw refuse(
      `it holds ${present.join(', ')}, which the index places there for "${name}" but which is not a bundle this CA issued to "${name}" (another CA's, e.g. after init --force); name a new or empty directory with --out, or move those files away`,
    );
  }
  throw refuse(
    `it already holds ${present.join(', ')}${owner === undefined ? ', which the index does not list as a bundle of' : `, the bundle of "${owner}", not of`} "${name}"; name a new or empty directory with --out, or move those files away`,
  );
}
