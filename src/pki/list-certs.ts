/** `certs list`: what the CA issued, with each certificate's status. */
import { access } from 'node:fs/promises';
import { noCaError } from './ca.js';
import { pkiPaths } from './paths.js';
import { certStatus, readIndex, type CertStatus, type IndexEntry } from './pki-index.js';

/** An index entry with its status at the time of listing. */
export interface ListedCert extends IndexEntry {
  status: CertStatus;
}

/**
 * Every certificate in the index of `dir`, in issue order, with its status at `now`. Throws
 * PKI_NO_CA when `dir` holds no `ca.pem`: a mistyped `--dir` must not read as "nothing issued".
 */
export async function listCerts(dir: string, now: Date = new Date()): Promise<ListedCert[]> {
  const paths = pkiPaths(dir);
  try {
    await access(paths.ca);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw noCaError(paths, paths.ca);
    throw err;
  }
  const index = await readIndex(paths.index);
  return index.certs.map((entry) => ({ ...entry, status: certStatus(entry, now) }));
}
