/**
 * Whether the bundle files in a directory are this CA's bundle of a client. The index records
 * where it wrote a client's bundle, but not that the files there are still that bundle: after
 * `init --force` the replaced CA's index keeps `--out` paths, and a new CA may have issued the
 * same name into the same directory since (rev-day3 F1). So the files themselves are checked.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FILES } from './paths.js';
import type { PkiIndex } from './pki-index.js';

/** SHA-256 fingerprint (lowercase hex, the index's form) of the first certificate in a PEM file, or undefined. */
async function fingerprintOfFile(path: string): Promise<string | undefined> {
  try {
    return new X509Certificate(await readFile(path)).fingerprint256.replace(/:/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * True when `dir`'s `cert.pem` is one of `name`'s client certificates in `index` (by
 * fingerprint, which also fixes serial and issuer), or its `ca.pem` starts with this CA's
 * certificate (`caFingerprint`). A missing or unreadable file matches nothing.
 */
export async function isBundleOfThisCa(dir: string, index: PkiIndex, name: string, caFingerprint: string): Promise<boolean> {
  const cert = await fingerprintOfFile(join(dir, BUNDLE_FILES.cert));
  if (cert !== undefined && index.certs.some((e) => e.kind === 'client' && e.name === name && e.fingerprint === cert)) return true;
  return (await fingerprintOfFile(join(dir, BUNDLE_FILES.ca))) === caFingerprint;
}
