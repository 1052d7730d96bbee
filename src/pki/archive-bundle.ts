/** `certs issue --archive`: a client bundle as a single `.tar.gz` to hand over. */
import { constants } from 'node:fs';
import { access, lstat, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { BundleFiles } from './bundle.js';
import { enclosingCaDir } from './ca-directory.js';
import { PkiError } from './errors.js';
import { PRIVATE_MODE, PUBLIC_MODE, writeFileAtomic } from './files.js';
import { BUNDLE_FILES } from './paths.js';
import { tarGz } from './tar-gz.js';

/**
 * Writes `archivePath` (mode 0600: it holds a private key) containing `<name>/ca.pem`,
 * `<name>/cert.pem` and `<name>/key.pem` (0600), under a 0700 directory `<name>/`.
 * Returns the absolute archive path.
 */
export async function archiveBundle(bundle: BundleFiles, name: string, archivePath: string): Promise<string> {
  const [ca, cert, key] = await Promise.all([readFile(bundle.ca), readFile(bundle.cert), readFile(bundle.key)]);
  const data = tarGz([
    { path: name, mode: 0o700 },
    { path: `${name}/${BUNDLE_FILES.ca}`, mode: PUBLIC_MODE, content: ca },
    { path: `${name}/${BUNDLE_FILES.cert}`, mode: PUBLIC_MODE, content: cert },
    { path: `${name}/${BUNDLE_FILES.key}`, mode: PRIVATE_MODE, content: key },
  ]);
  const abs = resolve(archivePath);
  await writeFileAtomic(abs, data, PRIVATE_MODE);
  return abs;
}

/** Where an archive must not go, and whether an existing file may be replaced. */
export interface ArchiveGuard {
  /** The CA directory: nothing inside it is ever replaced by an archive. */
  caDir: string;
  /** The bundle directory the archive is made from. */
  bundleDir: string;
  /** Replace an existing file (`--force`). */
  force: boolean;
}

/** `path` with symbolic links of its existing part resolved, so `a/../certs` or a link into the CA directory is seen for what it is. */
async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

const isInside = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * Refuse an archive path that cannot or must not be written, before anything is issued: its
 * directory must exist and be writable, and the path must not be a directory. Otherwise `certs
 * issue` would fail after the certificate is signed and indexed, and a retry would be refused
 * because the name already has a valid certificate. A path inside the CA directory (where it
 * would replace `ca-key.pem`, `index.json`, ...), inside another CA directory, or inside the
 * bundle directory is always refused; an existing regular file (or link to one) is replaced
 * only with `guard.force`, anything else (FIFO, device, dangling link) never. Returns the
 * absolute path.
 */
export async function checkArchiveDestination(archivePath: string, guard: ArchiveGuard): Promise<string> {
  const abs = resolve(archivePath);
  const dir = dirname(abs);
  const refuse = (why: string): PkiError => new PkiError('PKI_BAD_ARCHIVE', `--archive ${abs}: ${why}; nothing was issued`);
  let info;
  try {
    info = await stat(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw refuse(code === 'ENOENT' ? `the directory ${dir} does not exist (create it first)` : `cannot use the directory ${dir} (${(err as Error).message})`);
  }
  if (!info.isDirectory()) throw refuse(`${dir} is not a directory`);
  const real = join(await realPathOf(dir), basename(abs));
  for (const [inside, what] of [[guard.caDir, 'the CA directory'], [guard.bundleDir, 'the bundle directory']] as const) {
    const forbidden = await realPathOf(inside);
    if (isInside(real, forbidden)) throw refuse(`that is inside ${what} ${forbidden}; write the archive elsewhere`);
  }
  const otherCa = await enclosingCaDir(await realPathOf(dir));
  if (otherCa !== undefined) throw refuse(`that is inside the CA directory ${otherCa}; write the archive elsewhere`);
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw refuse(`the directory ${dir} is not writable`);
  }
  let existing;
  try {
    existing = await lstat(abs);
  } catch {
    // ENOENT: the usual case, a new file.
  }
  if (existing?.isDirectory() || (existing?.isSymbolicLink() && (await stat(abs).catch(() => undefined))?.isDirectory())) {
    throw refuse('that is a directory; name the .tar.gz file to write');
  }
  // Even with --force, only a regular file (or a link to one) is replaced: a FIFO, a device or
  // a link to /proc/self/fd/1 would become a regular file (as root, /dev/stdout would).
  if (existing && !existing.isFile()) {
    const target = existing.isSymbolicLink() ? await stat(abs).catch(() => undefined) : existing;
    if (!target?.isFile()) {
      throw refuse(`that is ${existing.isSymbolicLink() ? 'a symbolic link to ' : ''}${target ? 'not a regular file' : 'nothing (a dangling symbolic link)'}; name a regular .tar.gz file to write`);
    }
  }
  if (existing && !guard.force) throw refuse('the file exists; name a new file, or pass --force to replace it');
  return abs;
}
