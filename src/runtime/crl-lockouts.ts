/**
 * The CAs of `tls.ca` whose every client the CRL state refuses, and why: no CRL of that CA in
 * `tls.crl` (OpenSSL's CRL_CHECK_ALL: UNABLE_TO_GET_CRL), or its CRL in force has expired
 * (CRL_HAS_EXPIRED) or is not valid yet (CRL_NOT_YET_VALID). What `dockgate_tls_cas_refused`
 * counts at each scrape and the reload warns of. Without `tls.crl` nothing is refused for it
 * (revocation is off: `dockgate_tls_crls` 0).
 */
import { caLabel, type CrlInfo } from '../server/crl.js';
import { CRL_LISTENERS, type CrlListener } from '../server/crl-listeners.js';
import { commandName } from '../core/command-name.js';

/** Every reason a CA's clients are all refused for (dockgate_tls_cas_refused's `reason`). */
export const CRL_LOCKOUT_REASONS = ['no-crl', 'crl-expired', 'crl-not-yet-valid'] as const;

/** Why every client of a CA is refused. */
export type CrlLockoutReason = (typeof CRL_LOCKOUT_REASONS)[number];

/** One CA locked out by its CRL state. */
export interface CrlLockout {
  reason: CrlLockoutReason;
  /**
   * The CA's subject (formatted), as the log line's `ca` field names it; of a `no-crl` lockout,
   * the CA as TlsMaterial.casWithoutCrl names it.
   */
  ca: string;
  /** Which CA certificate, when another CA of `tls.ca` shares the name (CrlInfo.caFingerprint). */
  caFingerprint?: string;
  /** Of an expired CRL, its nextUpdate; of one not valid yet, its thisUpdate. */
  at?: Date;
}

/**
 * The lockouts at `now`. Pure. `casWithoutCrl`: the CAs no CRL covers (TlsMaterial.casWithoutCrl).
 * A CA with several CRLs is locked out only when none is valid.
 */
export function crlLockouts(casWithoutCrl: readonly string[], crls: readonly CrlInfo[], now: Date): CrlLockout[] {
  const t = now.getTime();
  const out: CrlLockout[] = casWithoutCrl.map((ca) => ({ reason: 'no-crl' as const, ca }));
  for (const ca of new Set(crls.map((c) => c.ca))) {
    const own = crls.filter((c) => c.ca === ca);
    if (own.some((c) => c.thisUpdate.getTime() <= t && (c.nextUpdate === undefined || c.nextUpdate.getTime() > t))) continue;
    const expired = own.find((c) => c.thisUpdate.getTime() <= t);
    // Not valid yet: OpenSSL takes one once valid, so the earliest thisUpdate lets the clients in.
    const first = own.reduce((a, b) => (b.thisUpdate.getTime() < a.thisUpdate.getTime() ? b : a));
    const { issuer, caFingerprint } = expired ?? first;
    const which = caFingerprint === undefined ? {} : { caFingerprint };
    out.push(expired ? { reason: 'crl-expired', ca: issuer, ...which, at: expired.nextUpdate as Date } : { reason: 'crl-not-yet-valid', ca: issuer, ...which, at: first.thisUpdate });
  }
  return out;
}

/** How many CAs per reason (every reason present, 0 when none). */
export function lockoutCounts(lockouts: readonly CrlLockout[]): Record<CrlLockoutReason, number> {
  const counts: Record<CrlLockoutReason, number> = { 'no-crl': 0, 'crl-expired': 0, 'crl-not-yet-valid': 0 };
  for (const l of lockouts) counts[l.reason] += 1;
  return counts;
}

/**
 * The `crl-lockout` line of `l`. An expired CRL refuses until a CRL valid now is installed; one
 * not valid yet, until its thisUpdate too: OpenSSL checks the dates at each handshake, so the
 * clients get in by themselves then, without a reload. `listener`: the Docker listener's
 * `tls.crl` (the default), or the admin listener's `admin.tls.crl`, named first, whose clients
 * are scrapers.
 */
export function lockoutMessage(l: CrlLockout, listener: CrlListener = 'docker'): string {
  const date = l.at?.toISOString();
  const { peers, lockoutPrefix } = CRL_LISTENERS[listener];
  const why =
    l.reason === 'crl-expired'
      ? `expired on ${date} (nextUpdate): every ${peers} of that CA is refused (CRL_HAS_EXPIRED) until a CRL valid now is installed`
      : `is not valid before ${date} (thisUpdate): every ${peers} of that CA is refused (CRL_NOT_YET_VALID) until then (they get in by themselves once it passes), or until a CRL valid now is installed`;
  return `${lockoutPrefix}the CRL of ${caLabel(l.ca, l.caFingerprint)} in force ${why} ("${commandName()} certs crl"); an older CRL is not kept in its place, as it may lack revocations`;
}

/**
 * The CAs (CrlInfo.ca) whose CRLs in force have all expired at `now` while one had begun
 * (the `crl-expired` lockouts of crlLockouts, by CA key rather than name). Pure.
 */
export function expiredCrlCas(crls: readonly CrlInfo[], now: Date): Set<string> {
  const t = now.getTime();
  const out = new Set<string>();
  for (const ca of new Set(crls.map((c) => c.ca))) {
    const own = crls.filter((c) => c.ca === ca);
    if (own.some((c) => c.thisUpdate.getTime() <= t && (c.nextUpdate === undefined || c.nextUpdate.getTime() > t))) continue;
    if (own.some((c) => c.thisUpdate.getTime() <= t)) out.add(ca);
  }
  return out;
}

/** The earliest nextUpdate after `now` of the CRLs in force (ms), or undefined when none is ahead. Pure. */
export function nextCrlExpiry(crls: readonly CrlInfo[], now: Date): number | undefined {
  const ahead = crls.flatMap((c) => (c.nextUpdate && c.nextUpdate.getTime() > now.getTime() ? [c.nextUpdate.getTime()] : []));
  return ahead.length === 0 ? undefined : Math.min(...ahead);
}
