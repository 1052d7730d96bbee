/** `certs issue --archive`: a client bundle as a single `.tar.gz` to hand over. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BundleFiles } from './bundle.js';
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
