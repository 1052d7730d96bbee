/** `certs revoke`: put certificates on the CRL. */
import { loadCa } from './ca.js';
import { writeCrl } from './crl.js';
import { checkCrlSuccession } from './crl-succession.js';
import { withIndexLock } from './index-lock.js';
import { PkiError } from './errors.js';
import { pkiPaths } from './paths.js';
import { readIndexFound, writeIndex, type IndexEntry, type PkiIndex } from './pki-index.js';
import type { RevocationReason } from './revocation-reason.js';
import { normalizeSerial } from './serial.js';
import { DEFAULT_CRL_DAYS } from './validity.js';

/** Options of `revokeCert`. */
export interface RevokeCertOptions {
  dir: string;
  /** A serial (any hex spelling) or a client name. */
  nameOrSerial: string;
  reason?: RevocationReason;
  /** Days until the CRL's nextUpdate (default 30). */
  crlDays?: number;
  now?: Date;
}

/**
 * Finds what `nameOrSerial` designates: the certificate with that serial, else every
 * unrevoked client certificate with that name (a renewed name has several, and taking access
 * away must take all of them). Throws PKI_NOT_FOUND or PKI_ALREADY_REVOKED.
 */
export function selectForRevocation(index: PkiIndex, nameOrSerial: string): IndexEntry[] {
  const serial = normalizeSerial(nameOrSerial);
  const bySerial = serial === undefined ? undefined : index.certs.find((e) => e.serial === serial);
  if (bySerial) {
    if (bySerial.revoked) throw new PkiError('PKI_ALREADY_REVOKED', `serial ${bySerial.serial} (${bySerial.name}) is already revoked`);
    return [bySerial];
  }
  const byName = index.certs.filter((e) => e.kind === 'client' && e.name === nameOrSerial);
  if (byName.length === 0) throw new PkiError('PKI_NOT_FOUND', `no certificate with name or serial "${nameOrSerial}" in the index`);
  const unrevoked = byName.filter((e) => !e.revoked);
  if (unrevoked.length === 0) throw new PkiError('PKI_ALREADY_REVOKED', `every certificate of "${nameOrSerial}" is already revoked`);
  return unrevoked;
}

/**
 * Marks the selected certificates revoked in the index and rewrites `crl.pem` (signed by the
 * CA, next crlNumber), after checking that the index accounts for the CRL on disk
 * (crl-succession.ts). The CRL is written before the index: if the second write fails, the
 * revocation is still enforced, and a retry finds the index unchanged.
 */
export async function revokeCert(opts: RevokeCertOptions): Promise<IndexEntry[]> {
  return withIndexLock(pkiPaths(opts.dir).dir, () => revokeCertLocked(opts));
}

async function revokeCertLocked(opts: RevokeCertOptions): Promise<IndexEntry[]> {
  const paths = pkiPaths(opts.dir);
  const now = opts.now ?? new Date();
  const ca = await loadCa(paths);
  const { index, found } = await readIndexFound(paths.index);
  await checkCrlSuccession(paths, ca, index, found);
  const selected = selectForRevocation(index, opts.nameOrSerial);
  for (const entry of selected) entry.revoked = { at: now.toISOString(), reason: opts.reason ?? 'unspecified' };
  await writeCrl(paths, ca, index, now, opts.crlDays ?? DEFAULT_CRL_DAYS);
  await writeIndex(paths.index, index);
  return selected;
}

/** Options of `refreshCrl`. */
export interface RefreshCrlOptions {
  dir: string;
  /** Days until nextUpdate (default 30). */
  crlDays?: number;
  now?: Date;
}

/**
 * Re-signs `crl.pem` with fresh dates and the same entries (before nextUpdate passes). Like
 * `revokeCert`, refuses (PKI_BAD_INDEX) when `index.json` is missing or older than the CRL on
 * disk (crl-succession.ts).
 */
export async function refreshCrl(opts: RefreshCrlOptions): Promise<{ crlNumber: number; nextUpdate: Date }> {
  return withIndexLock(pkiPaths(opts.dir).dir, () => refreshCrlLocked(opts));
}

async function refreshCrlLocked(opts: RefreshCrlOptions): Promise<{ crlNumber: number; nextUpdate: Date }> {
  const paths = pkiPaths(opts.dir);
  const now = opts.now ?? new Date();
  const ca = await loadCa(paths);
  const { index, found } = await readIndexFound(paths.index);
  await checkCrlSuccession(paths, ca, index, found);
  const crl = await writeCrl(paths, ca, index, now, opts.crlDays ?? DEFAULT_CRL_DAYS);
  await writeIndex(paths.index, index);
  return { crlNumber: index.crlNumber, nextUpdate: crl.nextUpdate ?? now };
}
