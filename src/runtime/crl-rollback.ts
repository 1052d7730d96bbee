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
 * and refuses every client: any CRL dated earlier may replace it, or it could never be
 * corrected without a restart, as long as its CRL Number (when both have one) is higher: the
 * number does not depend on a clock, and it is not older than the newest valid CRL of that CA
 * loaded since start. The CRLs of earlier reloads count too (crl-history.ts).
 */
import { caLabel, type CrlInfo } from '../server/crl.js';
import { newestCrl as newest, type CrlHistory, type RememberedCrl } from './crl-history.js';

/** What a refused CRL reload says after its reason. */
const REFUSED = 'refused (restart the gateway to load an older CRL on purpose)';

/**
 * Why `crl` may not replace `inForce` (both of one CA), or undefined. By thisUpdate, then by
 * CRL Number; with `numberFirst` (both numbered), by CRL Number alone: against a CRL whose
 * thisUpdate a clock running ahead set, a higher number is the newer CRL whatever its date.
 */
function behind(crl: CrlInfo, inForce: CrlInfo, what: string, numberFirst = false): string | undefined {
  const numbered = crl.crlNumber !== undefined && inForce.crlNumber !== undefined;
  if (!(numberFirst && numbered) && crl.thisUpdate.getTime() < inForce.thisUpdate.getTime()) {
    return `the CRL of ${caLabel(crl.issuer, crl.caFingerprint)} was issued at ${crl.thisUpdate.toISOString()}, before ${what} (${inForce.thisUpdate.toISOString()}): loading it would lift the revocations made since; ${REFUSED}`;
  }
  if (crl.crlNumber === undefined || inForce.crlNumber === undefined) return undefined;
  const lower = crl.crlNumber < inForce.crlNumber;
  if (lower || (crl.crlNumber === inForce.crlNumber && crl.tbsHash !== inForce.tbsHash)) {
    const another = lower ? '' : ' and is another CRL under that number (another thisUpdate or revocation list)';
    return (
      `the CRL of ${caLabel(crl.issuer, crl.caFingerprint)} has CRL Number ${crl.crlNumber}, not higher than ${what} (${inForce.crlNumber})${another}: a CA's CRL Numbers only increase (RFC 5280), ` +
      `so it was signed from an older state of the CA (a restored or lost index.json) and may lift revocations made since; ${REFUSED}`
    );
  }
  return undefined;
}

/**
 * Why `next` may not replace `current`, or undefined when, for every CA, the newest CRL of
 * `next` (the one OpenSSL will use) is at least as new as the newest CRL in force (or is that
 * CRL). A file may hold several CRLs of one CA (`cat` of two): every one in force counts, not
 * only the first. `history` (crl-history.ts): the newest CRL of each CA put in force or held
 * since the process started, whatever `current` holds now: a reload whose file lacked a CA's
 * CRL (or whose `tls.ca` lacked the CA) must not let the next one bring back an older CRL
 * (rev-crl F1). Compared by CRL Number when both have one (lower, or that number on another
 * CRL, is refused; higher goes, whatever its thisUpdate), else by thisUpdate. A held CRL
 * (crl-pending.ts, whose revocations the gateway already applies) is the bar with its future
 * thisUpdate too: the CRL in force written back over a pending one is refused; the CRL re-signed
 * once the signing host's clock is fixed (a higher number, valid now) supersedes it. A CRL put
 * in force while not valid yet (nothing to keep) is a bar by number only, as in force; the newest
 * valid CRL remembered before it stays a bar (RememberedCrl.floor).
 */
export function crlRollback(current: readonly CrlInfo[], next: readonly CrlInfo[], now = new Date(), history: CrlHistory = new Map()): string | undefined {
  for (const ca of new Set(next.map((c) => c.ca))) {
    const candidate = newest(next.filter((c) => c.ca === ca)) as CrlInfo;
    const inForce = newest(current.filter((c) => c.ca === ca && c.thisUpdate.getTime() <= now.getTime()));
    const why = (inForce && behind(candidate, inForce, 'the one in force')) || sinceStart(candidate, history.get(ca), now);
    if (why) return why;
  }
  return undefined;
}

/**
 * Why `candidate` may not replace the CRL of its CA remembered since start, or undefined. Its
 * floor (the newest valid one) binds too: a CRL put in force while not valid yet binds by number
 * only, and must not let a CRL older than the valid one before it back in (rev-fixes2 F1).
 */
function sinceStart(candidate: CrlInfo, remembered: RememberedCrl | undefined, now: Date): string | undefined {
  if (!remembered) return undefined;
  const { crl, held, heldAs, floor } = remembered;
  const belowFloor = (): string | undefined => (floor && floor !== crl ? behind(candidate, floor, 'the newest valid CRL loaded since the gateway started', true) : undefined);
  // Named for why it is held (rev-fix-reload R4: a CRL applied alone is valid already).
  const heldWhat = heldAs === 'alone' ? 'the one whose revocations the gateway applies on its own since a TLS reload that failed for another file (crl-revocations-applied)' : 'the one held until it is valid';
  if (held) return behind(candidate, crl, heldWhat, true) ?? belowFloor();
  const what = 'the newest loaded since the gateway started';
  // Not valid yet, put in force (nothing to keep): it refused every client; only its number binds.
  if (crl.thisUpdate.getTime() > now.getTime()) return (candidate.crlNumber === undefined || crl.crlNumber === undefined ? undefined : behind(candidate, crl, what, true)) ?? belowFloor();
  return behind(candidate, crl, what, true);
}
