/**
 * The newest CRL of each CA a listener has put in force or held (crl-pending.ts) since the
 * process started: the bar a reload's CRL of that CA is compared with (crl-rollback.ts),
 * whatever the material in force holds now. Without it, a reload whose CRL file lacks a CA's
 * CRL (a half-done edit, a transition file rebuilt with one half missing), or whose `tls.ca`
 * lacks the CA, made the gateway forget that CRL, and a later reload could bring back an older
 * one and readmit the certificates revoked since. Per process: a restart starts afresh (how an
 * older CRL is loaded on purpose).
 */
import type { CrlInfo } from '../server/crl.js';

/** One CA's newest CRL loaded since start. */
export interface RememberedCrl {
  crl: CrlInfo;
  /**
   * Held when remembered, until it is valid (crl-pending.ts) or applied alone (crl-alone.ts):
   * its revocations were applied by the gateway, so its thisUpdate in the future is a bar too. One put in force while not valid yet
   * (nothing to keep) refused every client of its CA, and may be replaced by an earlier one.
   */
  held: boolean;
  /** Why it is held (when `held`): see {@link HeldAs}. */
  heldAs?: HeldAs;
  /**
   * The newest CRL of the CA that was valid when put in force since start (undefined before
   * one was): when `crl` is not valid yet, a reload may bring one dated earlier than `crl`, but
   * not one older than this (rev-fixes2 F1: putting a future CRL in force forgot the CRL that
   * revoked a client, and an older CRL readmitted it). Usually `crl` itself.
   */
  floor?: CrlInfo;
}

/**
 * Why a CRL whose revocations the gateway checks itself is held outside the TLS context:
 * `pending`, not valid yet (crl-pending.ts); `alone`, applied on its own after a TLS reload that
 * failed for another file (crl-alone.ts). Refusals name it accordingly (crl-rollback.ts).
 */
export type HeldAs = 'pending' | 'alone';

/** The remembered CRLs, per CA (CrlInfo.ca: its name and key). */
export type CrlHistory = ReadonlyMap<string, RememberedCrl>;

/**
 * The CRL OpenSSL uses of several of one CA: the latest thisUpdate (x509_vfy.c get_crl_sk takes
 * the newer of equally scored CRLs); of equal dates, the higher number. Undefined for none.
 */
export function newestCrl(crls: readonly CrlInfo[]): CrlInfo | undefined {
  let best: CrlInfo | undefined;
  for (const crl of crls) {
    const later = best === undefined || crl.thisUpdate.getTime() > best.thisUpdate.getTime();
    const tie = best !== undefined && crl.thisUpdate.getTime() === best.thisUpdate.getTime() && (crl.crlNumber ?? -1) > (best.crlNumber ?? -1);
    if (later || tie) best = crl;
  }
  return best;
}

/**
 * `history` after a reload put `installed` in force and held `held` at `now` (`heldAs`: why;
 * both checked against it by crlRollback first): for each of their CAs, the held CRL if any, else the newest
 * installed one; and as its floor, the newest of: the newest installed one valid at `now`,
 * what was remembered if it is valid by now, and the floor before (a floor never goes back).
 * The CAs of neither keep what they had. Pure.
 */
export function rememberCrls(history: CrlHistory, installed: readonly CrlInfo[], now: Date, held: readonly CrlInfo[] = [], heldAs: HeldAs = 'pending'): Map<string, RememberedCrl> {
  const next = new Map(history);
  const valid = (crl: CrlInfo | undefined): CrlInfo | undefined => (crl && crl.thisUpdate.getTime() <= now.getTime() ? crl : undefined);
  for (const ca of new Set([...installed, ...held].map((c) => c.ca))) {
    const before = history.get(ca);
    const ofCa = installed.filter((c) => c.ca === ca);
    // Never backwards: a file holding a future CRL beside an older valid one (without CRL
    // numbers, only the newest is compared) must not lower the floor (rev-final F2).
    const floor = newestCrl([newestCrl(ofCa.filter((c) => valid(c))), valid(before?.crl), before?.floor].filter((c): c is CrlInfo => c !== undefined));
    const pending = newestCrl(held.filter((c) => c.ca === ca));
    const latest: RememberedCrl = pending ? { crl: pending, held: true, heldAs } : { crl: newestCrl(ofCa) as CrlInfo, held: false };
    next.set(ca, floor ? { ...latest, floor } : latest);
  }
  return next;
}
