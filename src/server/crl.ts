/**
 * Reads a PEM CRL and checks that one of the trusted CA certificates signed it, so a corrupt
 * or foreign CRL is refused before it reaches the TLS context.
 */
import { x509 } from '../pki/webcrypto.js';

/** Normalise a serial number for comparison: lowercase hex without leading zeros. */
export function normalizeSerialHex(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, '');
}

/**
 * Parse `pem` (one or more CRLs) and verify each against the CA certificates.
 * Returns the revoked serials; throws an Error naming `file` when a CRL is unreadable or unsigned.
 */
export async function parseCrl(pem: string, caPems: readonly string[], file: string): Promise<Set<string>> {
  const blocks = pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g);
  if (!blocks) throw new Error(`${file}: no PEM CRL found`);
  const serials = new Set<string>();
  for (const block of blocks) {
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(block);
    } catch (err) {
      throw new Error(`${file}: not a valid CRL (${(err as Error).message})`, { cause: err });
    }
    const issuer = caPems.map((p) => new x509.X509Certificate(p)).find((ca) => ca.subject === crl.issuer);
    if (!issuer) throw new Error(`${file}: CRL issuer "${crl.issuer}" is not one of the trusted CAs`);
    if (!(await crl.verify({ publicKey: issuer.publicKey }))) throw new Error(`${file}: CRL signature does not verify against its CA`);
    for (const entry of crl.entries) serials.add(normalizeSerialHex(entry.serialNumber));
  }
  return serials;
}
