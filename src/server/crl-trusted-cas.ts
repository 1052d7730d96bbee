/** The CA certificates of the bundle as the CRL checks know them: subject, key, caKey and fingerprint prefix. */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { caKey } from './ca-key.js';
import { certificateNames, nameKey, type X509Name } from './x509-name.js';

/** A trusted CA certificate: its subject and public key. */
export interface TrustedCa {
  subject: X509Name;
  publicKey: KeyObject;
  /** caKey of it. */
  ca: string;
  /** Its fingerprint prefix (shortFingerprint). */
  fingerprint: string;
}

/** A CA certificate of the bundle: node:crypto for the key, the DER reader for the subject. */
export function readCa(pem: string, index: number): TrustedCa {
  try {
    const cert = new X509Certificate(pem);
    const { subject } = certificateNames(cert.raw);
    return { subject, publicKey: cert.publicKey, ca: caKey(nameKey(subject), cert.publicKey), fingerprint: shortFingerprint(cert) };
  } catch (err) {
    throw new Error(`CA certificate ${index + 1} of the bundle is not a valid certificate (${(err as Error).message})`, { cause: err });
  }
}

/** The fingerprint prefix caLabel shows: SHA-256 of the DER certificate, 16 lowercase hex digits. */
function shortFingerprint(cert: X509Certificate): string {
  return cert.fingerprint256.replace(/:/g, '').toLowerCase().slice(0, 16);
}

/** Per CA of `cas` (caKey), its fingerprint prefix when another CA (another key) has its name. */
export function sharedNameFingerprints(cas: readonly TrustedCa[]): Map<string, string> {
  const keysByName = caKeysByName(cas);
  const out = new Map<string, string>();
  for (const ca of cas) if ((keysByName.get(nameKey(ca.subject))?.size ?? 0) > 1 && !out.has(ca.ca)) out.set(ca.ca, ca.fingerprint);
  return out;
}

/** The CAs of `cas` (their caKey) per subject name (nameKey): more than one where CAs with other keys share a name. */
export function caKeysByName(cas: readonly TrustedCa[]): Map<string, Set<string>> {
  const keysByName = new Map<string, Set<string>>();
  for (const ca of cas) {
    const name = nameKey(ca.subject);
    keysByName.set(name, (keysByName.get(name) ?? new Set()).add(ca.ca));
  }
  return keysByName;
}
