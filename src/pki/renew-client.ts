/** `certs renew`: a new key and certificate for an existing client name. */
import { join, resolve } from 'node:path';
import { writeBundle, type BundleFiles } from './bundle.js';
import { checkBundleDestination } from './bundle-destination.js';
import { fingerprintOf } from './ca.js';
import { openCaAndIndex } from './ca-and-index.js';
import { withIndexLock } from './index-lock.js';
import { PkiError } from './errors.js';
import type { KeyType } from './key-pair.js';
import { issueLeaf } from './leaf-certificate.js';
import { clientSubject, validateClientName } from './names.js';
import { pkiPaths } from './paths.js';
import { type IndexEntry, issuedCertificateFields, writeIndex } from './pki-index.js';
import { DEFAULT_CLIENT_DAYS, checkDays } from './validity.js';

/** Options of `renewClient`. */
export interface RenewClientOptions {
  dir: string;
  name: string;
  days?: number;
  /** Key type of the new key (default: that of the certificate being renewed). */
  keyType?: KeyType;
  now?: Date;
}

/** What `renewClient` wrote, and the certificate it renewed. */
export interface RenewClientResult {
  bundle: BundleFiles;
  entry: IndexEntry;
  previous: IndexEntry;
}

/**
 * Issues a new certificate with the same name and groups as the newest unrevoked one of
 * `name`, with a new key, serial and validity, into the same bundle directory. The previous
 * certificate is NOT revoked: it stays valid until it expires, so a teammate is not cut off
 * before receiving the new bundle; revoke it by serial once it is no longer needed.
 */
export async function renewClient(opts: RenewClientOptions): Promise<RenewClientResult> {
  return withIndexLock(pkiPaths(opts.dir).dir, () => renewClientLocked(opts));
}

async function renewClientLocked(opts: RenewClientOptions): Promise<RenewClientResult> {
  validateClientName(opts.name);
  const days = checkDays(opts.days ?? DEFAULT_CLIENT_DAYS, '--days');
  const now = opts.now ?? new Date();
  const paths = pkiPaths(opts.dir);
  const { ca, index } = await openCaAndIndex(paths);
  const candidates = index.certs.filter((e) => e.kind === 'client' && e.name === opts.name);
  const previous = candidates.filter((e) => !e.revoked).at(-1);
  if (!previous) {
    throw new PkiError(
      candidates.length === 0 ? 'PKI_NOT_FOUND' : 'PKI_ALREADY_REVOKED',
      candidates.length === 0
        ? `no client "${opts.name}" in the index; use "certs issue ${opts.name}"`
        : `every certificate of "${opts.name}" is revoked; issue a new one with "certs issue ${opts.name}"`,
    );
  }
  const keyType = opts.keyType ?? previous.keyType;
  const bundleDir = resolve(previous.bundle ?? join(paths.clients, opts.name));
  // The bundle directory may since have become another client's (or a CA's): do not write into it.
  await checkBundleDestination(index, paths.dir, bundleDir, previous.name, fingerprintOf(ca.cert));
  const leaf = await issueLeaf(ca, { kind: 'client', subject: clientSubject(previous.name, previous.groups), keyType, days, now });
  const bundle = await writeBundle(bundleDir, { caPem: ca.bundlePem, certPem: leaf.certPem, keyPem: leaf.keyPem });
  const entry: IndexEntry = {
    ...previous,
    ...issuedCertificateFields(leaf),
    keyType,
    bundle: bundleDir,
  };
  delete entry.revoked;
  index.certs.push(entry);
  await writeIndex(paths.index, index);
  return { bundle, entry, previous };
}
