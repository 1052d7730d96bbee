/**
 * A CRL reload must not go back in time: an older CRL of the same CA (a restored backup, a
 * stale copy pushed by configuration management, a CRL re-signed from a lost or restored CA
 * index) would lift every revocation made since it was signed. Compared per CA (the one whose
 * key verified it: two CAs may share a name, and one's CRL says nothing about the other's)
 * with the CRLs in force, by thisUpdate and by CRL Number (the cRLNumber extension, which RFC
 * 5280 has increase with every CRL a CA issues: a re-signed CRL has a new thisUpdate but, from
 * an index that went back, a number not higher than the one in force). One number names one
 * CRL: a CRL with the number in force is accepted only if it is that CRL read again (the file
 * touched or rewritten, the same tbsCertList), not another one signed under that number (an
 * index one step behind re-signs the number in force, with a later thisUpdate and maybe
 * fewer revocations). CRLs without a number (in force or new) are compared by thisUpdate only.
 * A CRL in force dated in the future (signed on a host whose clock is ahead) is not valid yet
 * and refuses every client: any CRL may replace it, or it could never be corrected without a
 * restart.
 */
import type { CrlInfo } from '../server/crl.js';

/** What a refused CRL reload says after its reason. */
const REFUSED = 'refused (restart the gateway to load an older CRL on purpose)';

/** Why `next` may not replace `current`, or undefined when every CRL in it is newer than its CA's in force, or that same CRL. */
export function crlRollback(current: readonly CrlInfo[], next: readonly CrlInfo[], now = new Date()): string | undefined {
  for (const crl of next) {
    const inForce = current.find((c) => c.ca === crl.ca);
    if (!inForce || inForce.thisUpdate.getTime() > now.getTime()) continue;
    if (crl.thisUpdate.getTime() < inForce.thisUpdate.getTime()) {
      return `the CRL of "${crl.issuer}" was issued at ${crl.thisUpdate.toISOString()}, before the one in force (${inForce.thisUpdate.toISOString()}): loading it would lift the revocations made since; ${REFUSED}`;
    }
    if (crl.crlNumber === undefined || inForce.crlNumber === undefined) continue;
    const lower = crl.crlNumber < inForce.crlNumber;
    if (lower || (crl.crlNumber === inForce.crlNumber && crl.tbsHash !== inForce.tbsHash)) {
      const another = lower ? '' : ' and is another CRL under that number (another thisUpdate or revocation list)';
      return (
        `the CRL of "${crl.issuer}" has CRL Number ${crl.crlNumber}, not higher than the one in force (${inForce.crlNumber})${another}: a CA's CRL Numbers only increase (RFC 5280), ` +
        `so it was signed from an older state of the CA (a restored or lost index.json) and may lift revocations made since; ${REFUSED}`
      );
    }
  }
  return undefined;
}
