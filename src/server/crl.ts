/**
 * Reads a PEM CRL and checks that one of the trusted CA certificates signed it, so a corrupt
 * or foreign CRL is refused before it reaches the TLS context.
 */
import { x509 } from '../pki/webcrypto.js';

/** Normalise a serial number for comparison: lowercase hex without leading zeros. */
export function normalizeSerialHex(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, '');
}

/** One verified CRL of the file. */
export interface CrlInfo {
  /** Issuer DN (a CA of the bundle). */
  issuer: string;
  /** After this, OpenSSL refuses every certificate the issuer signed ("CRL has expired"). */
  nextUpdate?: Date;
}

/** What a CRL file says, once verified. */
export interface ParsedCrl {
  /** Revoked serials (normalised hex) across every CRL in the file. */
  serials: Set<string>;
  crls: CrlInfo[];
}

/**
 * Parse `pem` (one or more CRLs) and verify each against the CA certificates.
 * Throws an Error naming `file` when a CRL is unreadable, issued by an unknown CA or unsigned.
 */
export async function parseCrl(pem: string, caPems: readonly string[], file: string): Promise<ParsedCrl> {
  const blocks = pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g);
  if (!blocks) throw new Error(`${file}: no PEM CRL found`);
  const cas = caPems.map((p) => new x509.X509Certificate(p));
  const serials = new Set<string>();
  const crls: CrlInfo[] = [];
  for (const block of blocks) {
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(block);
    } catch (err) {
      throw new Error(`${file}: not a valid CRL (${(err as Error).message})`, { cause: err });
    }
    // Several CAs may share a subject (a re-keyed CA): any one whose key verifies it will do.
    const candidates = cas.filter((ca) => ca.subject === crl.issuer);
    if (candidates.length === 0) throw new Error(`${file}: CRL issuer "${crl.issuer}" is not one of the trusted CAs`);
    let verified = false;
    for (const ca of candidates) if (!verified && (await crl.verify({ publicKey: ca.publicKey }))) verified = true;
    if (!verified) throw new Error(`${file}: CRL signature of "${crl.issuer}" does not verify against that CA`);
    for (const entry of crl.entries) serials.add(normalizeSerialHex(entry.serialNumber));
    crls.push({ issuer: crl.issuer, nextUpdate: crl.nextUpdate });
  }
  return { serials, crls };
}

/**
 * Node's TLS sets OpenSSL's CRL_CHECK_ALL: every certificate of a chain (not just the client's)
 * needs a CRL from its issuer, or the handshake fails with "unable to get certificate CRL".
 * Returns the subjects of trusted CAs that have no CRL, i.e. whose certificates will be refused.
 */
export function casWithoutCrl(caPems: readonly string[], crls: readonly CrlInfo[]): string[] {
  const covered = new Set(crls.map((c) => c.issuer));
  return caPems.map((p) => new x509.X509Certificate(p).subject).filter((s) => !covered.has(s));
}
