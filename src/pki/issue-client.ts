/** `certs issue`: a client certificate and its bundle. */
import { join, resolve } from 'node:path';
import { writeBundle, type BundleFiles } from './bundle.js';
import { checkBundleDestination } from './bundle-destination.js';
import { fingerprintOf } from './ca.js';
import { openCaAndIndex } from './ca-and-index.js';
import { withIndexLock } from './index-lock.js';
import { PkiError } from './errors.js';
import type { KeyType } from './key-pair.js';
import { issueLeaf } from './leaf-certificate.js';
import { clientSubject, validateGroups, validateNewClientName } from './names.js';
import { nameWarnings } from './names-lookalike.js';
import { pkiPaths } from './paths.js';
import { activeClientEntries, type IndexEntry, issuedCertificateFields, writeIndex } from './pki-index.js';
import { DEFAULT_CLIENT_DAYS, checkDays } from './validity.js';

/** Options of `issueClient`. */
export interface IssueClientOptions {
  /** CA directory. */
  dir: string;
  /** Client name: the subject CN and the identity policies see. */
  name: string;
  /** Groups: one subject OU each, in this order. */
  groups?: string[];
  /** Lifetime in days (default 365, never beyond the CA's expiry). */
  days?: number;
  /** Bundle directory (default `<dir>/clients/<name>`). */
  out?: string;
  keyType?: KeyType;
  /** Issue although a valid certificate for this name exists (the old one stays valid). */
  force?: boolean;
  now?: Date;
}

/** What `issueClient` wrote. */
export interface IssueClientResult {
  bundle: BundleFiles;
  entry: IndexEntry;
  /** Why the name may be mistaken for another in logs and lists (names-lookalike.ts); issued all the same. */
  warnings: string[];
}

/**
 * Signs a client certificate (subject `CN=name, OU=group...`, EKU clientAuth only) and writes
 * its bundle. Refuses (PKI_NAME_EXISTS) when the name already holds a certificate that is
 * neither revoked nor expired, unless `force`: `renew` is the way to replace one. Refuses
 * (PKI_BAD_OUT) a bundle directory holding another bundle or a CA (bundle-destination.ts).
 */
export async function issueClient(opts: IssueClientOptions): Promise<IssueClientResult> {
  return withIndexLock(pkiPaths(opts.dir).dir, () => issueClientLocked(opts));
}

async function issueClientLocked(opts: IssueClientOptions): Promise<IssueClientResult> {
  validateNewClientName(opts.name);
  const groups = opts.groups ?? [];
  validateGroups(groups);
  const days = checkDays(opts.days ?? DEFAULT_CLIENT_DAYS, '--days');
  const now = opts.now ?? new Date();
  const keyType = opts.keyType ?? 'ecdsa';
  const paths = pkiPaths(opts.dir);
  const { ca, index } = await openCaAndIndex(paths);

  const active = activeClientEntries(index, opts.name, now);
  if (active.length > 0 && !opts.force) {
    throw new PkiError(
      'PKI_NAME_EXISTS',
      `"${opts.name}" already has a valid certificate (serial ${active[0]?.serial}); use "certs renew ${opts.name}", revoke it first, or pass --force`,
    );
  }

  const bundleDir = resolve(opts.out ?? join(paths.clients, opts.name));
  await checkBundleDestination(index, paths.dir, bundleDir, opts.name, fingerprintOf(ca.cert));
  const warnings = nameWarnings(opts.name, index);

  const leaf = await issueLeaf(ca, { kind: 'client', subject: clientSubject(opts.name, groups), keyType, days, now });
  const bundle = await writeBundle(bundleDir, { caPem: ca.bundlePem, certPem: leaf.certPem, keyPem: leaf.keyPem });
  const entry: IndexEntry = {
    kind: 'client',
    name: opts.name,
    groups: [...groups],
    ...issuedCertificateFields(leaf),
    keyType,
    bundle: bundleDir,
  };
  index.certs.push(entry);
  await writeIndex(paths.index, index);
  return { bundle, entry, warnings };
}
