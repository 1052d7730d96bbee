/**
 * Which CA of `tls.ca` a CRL, a revocation or a certificate belongs to. Not the CA's name alone:
 * `dockgate certs init` named every CA `CN=dockgate CA <hostname>, O=dockgate` before names
 * carried the creation time and key id (pki/names.ts caSubject), so two CAs of one host made
 * then, like a corporate CA re-keyed under its old name, put two CAs of one name in a bundle. A CA is its name and its public key: the key is what
 * verifies a CRL's or a certificate's signature (a CRL's authority key identifier only names
 * that key), and two certificates of one name and one key (a CA re-issued with its old key)
 * are one issuer, whose CRL OpenSSL accepts for both.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';

/** The key of a CA: its subject as OpenSSL matches names (x509-name.ts nameKey) and its public key. */
export function caKey(subjectKey: string, publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return `${subjectKey} ${createHash('sha256').update(spki).digest('hex')}`;
}

/** A CA of the bundle as the issuer matching needs it. */
export interface IssuingCa {
  /** Its subject (as Identity.issuerKey is). */
  subjectKey: string;
  /** caKey of it. */
  ca: string;
  cert: X509Certificate;
}

/**
 * The CAs of `cas` that issued a certificate whose issuer Name is `issuerKey`: those of that
 * name and, when they are not all one CA (caKey), those whose key verifies the certificate's
 * signature. `der` gives the certificate (only asked for then); without it every CA of that
 * name is returned, so a caller deciding on a revocation errs towards closing.
 */
export function issuersOf<T extends IssuingCa>(issuerKey: string, der: (() => Uint8Array | undefined) | undefined, cas: readonly T[]): T[] {
  const named = cas.filter((ca) => ca.subjectKey === issuerKey);
  if (new Set(named.map((ca) => ca.ca)).size <= 1) return named;
  const bytes = der?.();
  if (!bytes) return named;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(bytes);
  } catch {
    return named;
  }
  return named.filter((ca) => {
    try {
      return cert.verify(ca.cert.publicKey);
    } catch {
      return false;
    }
  });
}
