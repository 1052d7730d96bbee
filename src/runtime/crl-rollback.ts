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

/**
 * The CRL OpenSSL uses of several of one CA: the latest thisUpdate (x509_vfy.c get_crl_sk takes
 * the newer of equally scored CRLs); of equal dates, the higher number. Undefined for none.
 */
function newest(crls: readonly CrlInfo[]): CrlInfo | undefined {
  let best: CrlInfo | undefined;
  for (const crl of crls) {
    const later = best === undefined || crl.thisUpdate.getTime() > best.thisUpdate.getTime();
    const tie = best !== undefined && crl.thisUpdate.getTime() === best.thisUpdate.getTime() && (crl.crlNumber ?? -1) > (best.crlNumber ?? -1);
    if (later || tie) best = crl;
  }
  return best;
}

/**
 * Why `crl` may not replace `inForce` (both of one CA), or undefined. By thisUpdate, then by
 * CRL Number; with `numberFirst` (both numbered), by CRL Number alone: against a CRL whose
 * thisUpdate a clock running ahead set, a higher number is the newer CRL whatever its date.
 */
function behind(crl: CrlInfo, inForce: CrlInfo, what: string, numberFirst = false): string | undefined {
  const numbered = crl.crlNumber !== undefined && inForce.crlNumber !== undefined;
  if (!(numberFirst && numbered) && crl.thisUpdate.getTime() < inForce.thisUpdate.getTime()) {
    return `the CRL of "${crl.issuer}" was issued at ${crl.thisUpdate.toISOString()}, before ${what} (${inForce.thisUpdate.toISOString()}): loading it would lift the revocations made since; ${REFUSED}`;
  }
  if (crl.crlNumber === undefined || inForce.crlNumber === undefined) return undefined;
  const lower = crl.crlNumber < inForce.crlNumber;
  if (lower || (crl.crlNumber === inForce.crlNumber && crl.tbsHash !== inForce.tbsHash)) {
    const another = lower ? '' : ' and is another CRL under that number (another thisUpdate or revocation list)';
    return (
      `the CRL of "${crl.issuer}" has CRL Number ${crl.crlNumber}, not higher than ${what} (${inForce.crlNumber})${another}: a CA's CRL Numbers only increase (RFC 5280), ` +
      `so it was signed from an older state of the CA (a restored or lost index.json) and may lift revocations made since; ${REFUSED}`
    );
  }
  return undefined;
}

/**
 * Why `next` may not replace `current`, or undefined when, for every CA, the newest CRL of
 * `next` (the one OpenSSL will use) is at least as new as the newest CRL in force (or is that
 * CRL). A file may hold several CRLs of one CA (`cat` of two): every one in force counts, not
 * only the first. `pending`: CRLs held back because they are not valid yet (crl-pending.ts),
 * whose revocations the gateway already applies: a reload may not go behind them either, or it
 * would lift those revocations (a CRL in force written back over a pending one). Against a held
 * CRL the CRL Number decides when both have one: its thisUpdate is in the future because the
 * signing host's clock ran ahead, and the CRL re-signed once that clock is fixed (a higher
 * number, valid now) supersedes it; a lower number, or its number on another CRL, is refused.
 */
export function crlRollback(current: readonly CrlInfo[], next: readonly CrlInfo[], now = new Date(), pending: readonly CrlInfo[] = []): string | undefined {
  for (const ca of new Set(next.map((c) => c.ca))) {
    const candidate = newest(next.filter((c) => c.ca === ca)) as CrlInfo;
    const inForce = newest(current.filter((c) => c.ca === ca && c.thisUpdate.getTime() <= now.getTime()));
    const held = newest(pending.filter((c) => c.ca === ca));
    const why = (inForce && behind(candidate, inForce, 'the one in force')) || (held && behind(candidate, held, 'the one held until it is valid', true));
    if (why) return why;
  }
  return undefined;
}
