/** `certs list`: what the CA issued, with each certificate's status. */
import { pkiPaths } from './paths.js';
import { certStatus, readIndex, type CertStatus, type IndexEntry } from './pki-index.js';

/** An index entry with its status at the time of listing. */
export interface ListedCert extends IndexEntry {
  status: CertStatus;
}

/** Every certificate in the index of `dir`, in issue order, with its status at `now`. */
export async function listCerts(dir: string, now: Date = new Date()): Promise<ListedCert[]> {
  const index = await readIndex(pkiPaths(dir).index);
  return index.certs.map((entry) => ({ ...entry, status: certStatus(entry, now) }));
}
