/**
 * Intermediate CAs: a CA certificate signed by another CA (root -> intermediate -> client).
 * `certs` itself always creates a self-signed root; this is for operators and tests that want
 * the root offline and a subordinate CA doing the day-to-day issuing.
 */
import { type CaSigner, type NewCa } from './ca.js';
import { generateCaKey } from './ca-key.js';
import type { KeyType } from './key-pair.js';
import { randomSerial } from './serial.js';
import { validity } from './validity.js';
import { x509 } from './webcrypto.js';

/** What to put in a new intermediate CA certificate. */
export interface IntermediateRequest {
  /** Subject CN; the subject is `CN=<commonName>, O=dockgate`. */
  commonName: string;
  keyType: KeyType;
  days: number;
  now: Date;
}

/**
 * Signs a subordinate CA with `parent`: basicConstraints CA:true with pathLen 0 (it may issue
 * leaves, not further CAs), keyUsage keyCertSign + cRLSign, SKI, AKI of the parent. Its
 * validity ends no later than the parent's. The returned `bundlePem` is the intermediate
 * followed by the parent's bundle, ready to be a gateway's `tls.ca` and a client's `ca.pem`.
 */
export async function createIntermediateCa(parent: CaSigner, req: IntermediateRequest): Promise<NewCa> {
  const { keys, ski, signer } = await generateCaKey(req.keyType);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [req.commonName] }, { O: ['dockgate'] }],
    issuer: parent.cert.subjectName,
    publicKey: keys.publicKey,
    signingKey: parent.key,
    signingAlgorithm: parent.algorithm.signing,
    ...validity(req.now, req.days, parent.cert.notAfter),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ski,
      parent.authorityKeyId,
    ],
  });
  const certPem = cert.toString('pem') + '\n';
  return {
    cert,
    certPem,
    bundlePem: certPem + parent.bundlePem,
    ...signer,
  };
}
