/** `certs list`: what the CA issued, with each certificate's status. */
import { loadCaCert } from './ca.js';
import { checkCrlSuccession } from './crl-succession.js';
import { pkiPaths } from './paths.js';
import { certStatus, readIndexFound, type CertStatus, type IndexEntry } from './pki-index.js';

/** An index entry with its status at the time of listing. */
export interface ListedCert extends IndexEntry {
  status: CertStatus;
}

/**
 * Every certificate in the index of `dir`, in issue order, with its status at `now`. Throws
 * PKI_NO_CA when `dir` holds no `ca.pem`: a mistyped `--dir` must not read as "nothing issued".
 * Nor must a CA directory that lost its index (or got an older one back): PKI_BAD_INDEX when
 * `index.json` does not account for this CA's `crl.pem`, as `crl`, `revoke`, `issue`, `renew`
 * and `rotate-server` refuse it (crl-succession.ts). A CA without index.json and without a CRL
 * of its own (made by other tools) lists as empty.
 */
export async function listCerts(dir: string, now: Date = new Date()): Promise<ListedCert[]> {
  const paths = pkiPaths(dir);
  const cert = await loadCaCert(paths);
  const { index, found } = await readIndexFound(paths.index);
  await checkCrlSuccession(paths, { cert }, index, found, 'list');
  return index.certs.map((entry) => ({ ...entry, status: certStatus(entry, now) }));
}
