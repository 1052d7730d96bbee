/** The CAs of the bundle that no CRL covers: with a CRL file, OpenSSL refuses every client below them. */
import type { CrlInfo } from './crl.js';
import { caKeysByName, readCa } from './crl-trusted-cas.js';
import { formatName, nameKey } from './x509-name.js';

/** A CA of the bundle that no CRL covers. */
export interface CaWithoutCrl {
  /** Its subject, formatted. */
  subject: string;
  /** Its place in the bundle, from 0. */
  index: number;
  /** Another CA of the bundle has the same subject (and another key). */
  sharedName: boolean;
  /** Its fingerprint prefix, as caLabel shows it. */
  fingerprint: string;
}

/**
 * Node's TLS sets OpenSSL's CRL_CHECK_ALL: every certificate of a chain (not just the client's)
 * needs a CRL from its issuer, or the handshake fails with "unable to get certificate CRL".
 * Returns the trusted CAs that have no CRL, i.e. whose certificates will be refused. A CRL
 * covers the CA whose key verified it (CrlInfo.ca), not every CA of its issuer's name.
 */
export function crlGaps(caPems: readonly string[], crls: readonly CrlInfo[]): CaWithoutCrl[] {
  const covered = new Set(crls.map((c) => c.ca));
  const cas = caPems.map(readCa);
  const keysByName = caKeysByName(cas);
  return cas.flatMap((ca, index) =>
    covered.has(ca.ca) ? [] : [{ subject: formatName(ca.subject), index, sharedName: (keysByName.get(nameKey(ca.subject))?.size ?? 0) > 1, fingerprint: ca.fingerprint }],
  );
}

/** The subjects of the trusted CAs that have no CRL (crlGaps). */
export function casWithoutCrl(caPems: readonly string[], crls: readonly CrlInfo[]): string[] {
  return crlGaps(caPems, crls).map((gap) => gap.subject);
}
