/**
 * The admin listener's TLS material: the server certificate and key, and, when scrapers must
 * present client certificates, the CA bundle and an optional CRL. Loaded with the Docker
 * listener's checks (key matches certificate, CRL signed by a CA of the bundle), so a mistake
 * is refused at start or at reload, not at the first scrape.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SecureContextOptions } from 'node:tls';
import type { AdminTlsConfig } from '../config/types.js';
import type { CrlInfo } from '../server/crl.js';
import { checkServerCertificate, loadTlsMaterial, type TlsMaterial } from '../server/tls-material.js';

/** Loaded admin TLS material. */
export interface AdminTlsMaterial {
  options: SecureContextOptions;
  /** What a connection's certificate is checked against at each request; undefined without `ca`. */
  revocation?: Pick<TlsMaterial, 'revocations' | 'caNames'>;
  /** The certificates of `ca`, so open connections can be checked after it changes; empty without. */
  caCerts: X509Certificate[];
  /** The CRLs of `crl`, so a reload cannot go back to an older one; empty without. */
  crls: CrlInfo[];
  /** Problems that do not stop loading but will refuse scrapers; to be logged. */
  warnings: string[];
}

/** Read and check the files of `admin.tls`. Throws an Error naming the file that is wrong. */
export async function loadAdminTls(tls: AdminTlsConfig): Promise<AdminTlsMaterial> {
  if (tls.ca !== undefined) {
    // partialChain: a scraper's own (self-signed) certificate may be pinned in `ca`, as before:
    // an entry that is not a CA is a warning here, not an error.
    const material = await loadTlsMaterial({ ca: tls.ca, cert: tls.cert, key: tls.key, crl: tls.crl, partialChain: true });
    return {
      options: material.options,
      revocation: { revocations: material.revocations, caNames: material.caNames },
      caCerts: material.caCerts,
      crls: material.crls,
      warnings: material.warnings,
    };
  }
  const read = async (file: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  const cert = await read(tls.cert);
  const key = await read(tls.key);
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`${tls.cert}: not a valid certificate (${(err as Error).message})`, { cause: err });
  }
  checkServerCertificate(parsed, tls.cert);
  let matches: boolean;
  try {
    matches = parsed.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new Error(`${tls.key}: not a usable private key for ${tls.cert} (${(err as Error).message})`, { cause: err });
  }
  if (!matches) throw new Error(`${tls.key}: private key does not match the certificate in ${tls.cert}`);
  return { options: { cert, key, minVersion: 'TLSv1.2' }, caCerts: [], crls: [], warnings: [] };
}
