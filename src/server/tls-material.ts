/**
 * The listener's TLS material read from disk and checked before use: the CA bundle, the server
 * certificate chain and key (which must match), and the optional CRL.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { TlsConfig } from '../config/types.js';
import { parseCrl } from './crl.js';

/** Loaded TLS material plus what the metrics need to know about it. */
export interface TlsMaterial {
  options: SecureContextOptions;
  serverNotAfter: Date;
  caNotAfter: Date[];
  /** Serial numbers (lowercase hex) the CRL revokes; empty without a CRL. */
  revokedSerials: Set<string>;
}

/** Split a PEM bundle into its certificates. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Read and check the TLS files. Throws an Error naming the file that is wrong. */
export async function loadTlsMaterial(tls: TlsConfig): Promise<TlsMaterial> {
  const read = (file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  const ca = read(tls.ca);
  const cert = read(tls.cert);
  const key = read(tls.key);
  const crl = tls.crl ? read(tls.crl) : undefined;
  const caCerts = splitPem(ca.toString('utf8'));
  if (caCerts.length === 0) throw new Error(`${tls.ca}: no PEM certificate found`);
  const serverPem = splitPem(cert.toString('utf8'))[0];
  if (!serverPem) throw new Error(`${tls.cert}: no PEM certificate found`);
  const server = new X509Certificate(serverPem);
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new Error(`${tls.key}: not a usable private key (${(err as Error).message})`, { cause: err });
  }
  const pub = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!pub.equals(server.publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new Error(`${tls.key}: private key does not match the certificate in ${tls.cert}`);
  }
  const revokedSerials = crl ? await parseCrl(crl.toString('utf8'), caCerts, tls.crl as string) : new Set<string>();
  return {
    options: { ca, cert, key, crl, minVersion: 'TLSv1.2' },
    serverNotAfter: new Date(server.validTo),
    caNotAfter: caCerts.map((pem) => new Date(new X509Certificate(pem).validTo)),
    revokedSerials,
  };
}
