/** The file layout of a dockgate CA directory (`certs init --dir`). */
import { join, resolve } from 'node:path';

/** Absolute paths of every file `certs` reads or writes in a CA directory. */
export interface PkiPaths {
  dir: string;
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  crl: string;
  index: string;
  clients: string;
}

/** Resolves the layout of the CA directory `dir` (relative to the working directory). */
export function pkiPaths(dir: string): PkiPaths {
  const abs = resolve(dir);
  return {
    dir: abs,
    ca: join(abs, 'ca.pem'),
    caKey: join(abs, 'ca-key.pem'),
    serverCert: join(abs, 'server-cert.pem'),
    serverKey: join(abs, 'server-key.pem'),
    crl: join(abs, 'crl.pem'),
    index: join(abs, 'index.json'),
    clients: join(abs, 'clients'),
  };
}

/** File names inside a client bundle: what `DOCKER_CERT_PATH` expects. */
export const BUNDLE_FILES = { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem' } as const;
