/**
 * The gateway's server key and certificate as `certs init` and `certs rotate-server` write them:
 * the files (key before certificate, so that a watcher seeing the new certificate finds the
 * matching key already in place) and the certificate's index entry.
 */
import { PRIVATE_MODE, PUBLIC_MODE, writeFileAtomic } from './files.js';
import type { ServerSans } from './hosts.js';
import type { KeyType } from './key-pair.js';
import type { IssuedLeaf } from './leaf-certificate.js';
import type { PkiPaths } from './paths.js';
import { type IndexEntry, issuedCertificateFields } from './pki-index.js';

/** Write the server's key (0600), then its certificate (0644), each atomically. */
export async function writeServerPair(paths: Pick<PkiPaths, 'serverKey' | 'serverCert'>, server: IssuedLeaf): Promise<void> {
  await writeFileAtomic(paths.serverKey, server.keyPem, PRIVATE_MODE);
  await writeFileAtomic(paths.serverCert, server.certPem, PUBLIC_MODE);
}

/** The index entry of a server certificate issued with `keyType` for `sans`. */
export function serverIndexEntry(server: IssuedLeaf, keyType: KeyType, sans: ServerSans): IndexEntry {
  return {
    kind: 'server',
    name: 'server',
    groups: [],
    ...issuedCertificateFields(server),
    keyType,
    sans,
  };
}
