/**
 * The CA and its index as the commands that add a certificate to `index.json` open them (certs
 * issue, renew, rotate-server): the CA signer, then the index, refused (PKI_BAD_INDEX) when a CRL
 * later built from it could not replace `crl.pem` (crl-succession.ts).
 */
import { type CaSigner, loadCa } from './ca.js';
import { checkCrlSuccession } from './crl-succession.js';
import type { PkiPaths } from './paths.js';
import { type PkiIndex, readIndexFound } from './pki-index.js';

/** The CA signer and the index of `paths`, checked before the index is written back. */
export async function openCaAndIndex(paths: PkiPaths): Promise<{ ca: CaSigner; index: PkiIndex }> {
  const ca = await loadCa(paths);
  const { index, found } = await readIndexFound(paths.index);
  // A lost or older index.json would be written back without the revocations crl.pem holds.
  await checkCrlSuccession(paths, ca, index, found, 'index');
  return { ca, index };
}
