/** A client bundle directory: `ca.pem`, `cert.pem`, `key.pem`, usable as `DOCKER_CERT_PATH`. */
import { join } from 'node:path';
import { PRIVATE_MODE, PUBLIC_MODE, ensurePrivateDir, writeFileAtomic } from './files.js';
import { BUNDLE_FILES } from './paths.js';

/** Absolute paths of a bundle's three files. */
export interface BundleFiles {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

/** The three file paths inside bundle directory `dir`. */
export function bundleFiles(dir: string): BundleFiles {
  return { dir, ca: join(dir, BUNDLE_FILES.ca), cert: join(dir, BUNDLE_FILES.cert), key: join(dir, BUNDLE_FILES.key) };
}

/**
 * Writes a bundle (directory 0700 when created, key 0600). The key goes first so that
 * `cert.pem` never names a key that is not there yet.
 */
export async function writeBundle(dir: string, material: { caPem: string; certPem: string; keyPem: string }): Promise<BundleFiles> {
  const files = bundleFiles(dir);
  await ensurePrivateDir(dir);
  await writeFileAtomic(files.key, material.keyPem, PRIVATE_MODE);
  await writeFileAtomic(files.cert, material.certPem, PUBLIC_MODE);
  await writeFileAtomic(files.ca, material.caPem, PUBLIC_MODE);
  return files;
}
