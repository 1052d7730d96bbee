/**
 * A reload that brings a CRL not valid yet (thisUpdate in the future: signed on a host whose
 * clock runs ahead, or staged ahead) while its CA's CRL in force is valid. Put in force,
 * OpenSSL would refuse every client of that CA (CRL_NOT_YET_VALID) until thisUpdate. It is
 * held pending instead, as a new server certificate not valid yet is (server-certificate-dates.ts):
 * for that CA the CRL in force stays in the TLS context, the files are read again a second after
 * its thisUpdate, and the rest of the reload (CA bundle, server certificate, the new CRLs of every
 * other CA) goes into force. Only the held CA's CRL is swapped: keeping the whole old CRL file
 * would leave a CA added in the same reload without a CRL (Node's CRL_CHECK_ALL then refuses all
 * its clients, UNABLE_TO_GET_CRL), and another CA's old CRL to expire during the wait. Its
 * revocations are not held back: they join those in force, which the gateway checks itself at
 * the end of every handshake and in the sweep of open connections (server/revoked.ts). The admin
 * listener holds a CRL of `admin.tls.crl` alike (admin-tls.ts withAdminCrlsOf), and checks the
 * held revocations at the end of every handshake and at each request of an open connection.
 */
import { caLabel, type CrlInfo } from '../server/crl.js';
import type { ExpiringItem, TlsMaterial } from '../server/tls-material.js';

/** A reload's CRL file held back. */
export interface PendingCrl {
  /** What the log and readiness say, naming the file. */
  message: string;
  /** The earliest thisUpdate among the held CRLs: the files are read again then. */
  validFrom: Date;
  /** The CAs (CrlInfo.ca) whose new CRL is held: their CRL in force stays (withCrlsOf). */
  cas: string[];
  /** The held CRLs: no reload may go behind them while they wait (crl-rollback.ts). */
  crls: CrlInfo[];
}

/**
 * Whether `next` (the CRLs of a reload of `file`) must wait at `now`: some CRL of it is not
 * valid yet while the CRL in force for its CA is valid. Pure. A CA whose CRL in force has
 * expired or is itself not valid yet refuses every client already: its new CRL goes in (when it
 * becomes valid, clients get in without another reload). A CA with no CRL in force has none to keep.
 */
export function pendingCrl(current: readonly CrlInfo[], next: readonly CrlInfo[], now: Date, file: string): PendingCrl | undefined {
  const t = now.getTime();
  const held = next.filter((crl) => {
    if (crl.thisUpdate.getTime() <= t) return false;
    const inForce = current.find((c) => c.ca === crl.ca);
    return inForce !== undefined && inForce.thisUpdate.getTime() <= t && (inForce.nextUpdate === undefined || inForce.nextUpdate.getTime() > t);
  });
  if (held.length === 0) return undefined;
  const validFrom = new Date(Math.min(...held.map((c) => c.thisUpdate.getTime())));
  const which = held.map((c) => `${caLabel(c.issuer, c.caFingerprint)} (thisUpdate ${c.thisUpdate.toISOString()})`).join(', ');
  return {
    message:
      `${file}: the new CRL of ${which} is not valid yet, and OpenSSL would refuse every client of that CA until then (CRL_NOT_YET_VALID): ` +
      'the CRL in force for that CA stays in force (the other CAs get their new CRLs), the new revocations are applied by the gateway now, and the file is loaded again then',
    validFrom,
    cas: [...new Set(held.map((c) => c.ca))],
    crls: held,
  };
}

/** One CA's revoked serials (TlsMaterial.revocations). */
type Revocation = TlsMaterial['revocations'][number];

/**
 * The CRL parts of a listener's material, the Docker listener's (TlsMaterial) or the admin
 * listener's (admin-tls.ts withAdminCrlsOf), once the CAs of a PendingCrl keep their CRLs in force.
 */
export interface HeldCrlParts {
  /** The reload's CRLs, but each held CA's CRLs in force instead of its new ones: their blocks go in the TLS context. */
  crls: CrlInfo[];
  /** The reload's revocations and those of the held CAs' CRLs in force: a revocation is never held back. */
  revocations: Revocation[];
  /** Of `revocations`, the ones kept from the material in force (the held CAs'). */
  kept: Revocation[];
  /** Whether `crls` holds a CRL of every CA of the reload's bundle (how a missing CRL is classified). */
  everyCaHasCrl: boolean;
}

/**
 * For each CA of `held` (PendingCrl.cas), its CRLs in force (`current`) instead of those of the
 * reload (`loaded`), with the revocations of both; every other CA's CRL is the reload's. Pure.
 */
export function keepHeldCrls(
  loaded: { crls: readonly CrlInfo[]; revocations: readonly Revocation[]; caNames: ReadonlyArray<{ ca: string }>; everyCaHasCrl: boolean },
  current: { crls: readonly CrlInfo[]; revocations: readonly Revocation[] },
  held: readonly string[],
): HeldCrlParts {
  const isHeld = (ca: string | undefined): boolean => ca !== undefined && held.includes(ca);
  const crls = [...loaded.crls.filter((c) => !isHeld(c.ca)), ...current.crls.filter((c) => isHeld(c.ca))];
  const kept = current.revocations.filter((r) => isHeld(r.ca));
  const covered = new Set(crls.map((c) => c.ca));
  return {
    crls,
    revocations: [...loaded.revocations, ...kept],
    kept,
    // Whether a missing CRL can only be the client chain's doing: of what the TLS context holds.
    everyCaHasCrl: loaded.everyCaHasCrl && loaded.caNames.every((n) => covered.has(n.ca)),
  };
}

/**
 * `loaded` with, for each CA of `held` (PendingCrl.cas), the CRL of `current` in force instead
 * of its new one (keepHeldCrls): in the TLS context (the CRL blocks), the CRL infos (readiness,
 * expiry warnings and the rollback check see the CRLs in force) and the CRL expiry items. Every
 * other CA's CRL is the reload's. The revocations of a held CA's CRLs, old and new, are both
 * checked by the gateway (a revocation is never held back). `everyCaHasCrl` is of the combined set.
 */
export function withCrlsOf(loaded: TlsMaterial, current: TlsMaterial, held: readonly string[]): TlsMaterial {
  const parts = keepHeldCrls(loaded, current, held);
  return {
    ...loaded,
    options: { ...loaded.options, crl: parts.crls.map((c) => c.block) },
    crls: parts.crls,
    revocations: parts.revocations,
    revokedSerials: new Set([...loaded.revokedSerials, ...parts.kept.flatMap((r) => [...r.serials])]),
    everyCaHasCrl: parts.everyCaHasCrl,
    expiring: expiringWithHeldCrls(loaded.expiring, current.expiring, held),
  };
}

/**
 * The expiry items of a reload whose CRLs of the CAs `held` are held back (either listener's):
 * `loaded`'s, but for a held CA the CRL items of `current`, the CRLs that stay in force.
 */
export function expiringWithHeldCrls(loaded: readonly ExpiringItem[], current: readonly ExpiringItem[], held: readonly string[]): ExpiringItem[] {
  const isHeld = (ca: string | undefined): boolean => ca !== undefined && held.includes(ca);
  return [...loaded.filter((e) => e.kind !== 'CRL' || !isHeld(e.ca)), ...current.filter((e) => e.kind === 'CRL' && isHeld(e.ca))];
}
