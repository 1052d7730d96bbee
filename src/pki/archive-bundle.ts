/** `certs issue --archive`: a client bundle as a single `.tar.gz` to hand over. */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { BundleFiles } from './bundle.js';
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

/**
 * Refuse an archive path that cannot be written, before anything is issued: its directory
 * must exist and be writable, and the path must not be a directory. Otherwise `certs issue`
 * would fail after the certificate is signed and indexed, and a retry would be refused because
 * the name already has a valid certificate. Returns the absolute path.
 */
export async function checkArchiveDestination(archivePath: string): Promise<string> {
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
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw refuse(`the directory ${dir} is not writable`);
  }
  try {
    if ((await stat(abs)).isDirectory()) throw refuse('that is a directory; name the .tar.gz file to write');
  } catch (err) {
    if (err instanceof PkiError) throw err;
    // ENOENT: the usual case, a new file.
  }
  return abs;
}
