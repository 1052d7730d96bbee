/**
 * A CRL reload must not go back in time: an older CRL of the same CA (a restored backup, a
 * stale copy pushed by configuration management) would lift every revocation made since it
 * was signed. Compared by thisUpdate, per CA (the one whose key verified it: two CAs may share
 * a name, and one's CRL says nothing about the other's), with the CRLs in force. A CRL in force dated
 * in the future (signed on a host whose clock is ahead) is not valid yet and refuses every
 * client: any CRL may replace it, or it could never be corrected without a restart.
 */
import type { CrlInfo } from '../server/crl.js';

/** Why `next` may not replace `current`, or undefined when every CRL in it is at least as new. */
export function crlRollback(current: readonly CrlInfo[], next: readonly CrlInfo[], now = new Date()): string | undefined {
  for (const crl of next) {
    const inForce = current.find((c) => c.ca === crl.ca);
    if (inForce && inForce.thisUpdate.getTime() <= now.getTime() && crl.thisUpdate.getTime() < inForce.thisUpdate.getTime()) {
      return `the CRL of "${crl.issuer}" was issued at ${crl.thisUpdate.toISOString()}, before the one in force (${inForce.thisUpdate.toISOString()}): loading it would lift the revocations made since; refused (restart the gateway to load an older CRL on purpose)`;
    }
  }
  return undefined;
}
