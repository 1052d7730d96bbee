/**
 * A reload that brings a CRL not valid yet (thisUpdate in the future: signed on a host whose
 * clock runs ahead, or staged ahead) while its CA's CRL in force is valid. Put in force,
 * OpenSSL would refuse every client of that CA (CRL_NOT_YET_VALID) until thisUpdate. It is
 * held pending instead, as a new server certificate not valid yet is (server-certificate-dates.ts):
 * the CRLs in force stay in the TLS context, the files are read again a second after its
 * thisUpdate, and the rest of the reload (CA bundle, server certificate) goes into force. Its
 * revocations are not held back: they join those in force, which the gateway checks itself at
 * the end of every handshake and in the sweep of open connections (server/revoked.ts).
 */
import type { CrlInfo } from '../server/crl.js';
import type { TlsMaterial } from '../server/tls-material.js';

/** A reload's CRL file held back. */
export interface PendingCrl {
  /** What the log and readiness say, naming the file. */
  message: string;
  /** The earliest thisUpdate among the held CRLs: the files are read again then. */
  validFrom: Date;
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
  const which = held.map((c) => `"${c.issuer}" (thisUpdate ${c.thisUpdate.toISOString()})`).join(', ');
  return {
    message:
      `${file}: the new CRL of ${which} is not valid yet, and OpenSSL would refuse every client of that CA until then (CRL_NOT_YET_VALID): ` +
      'the CRLs in force stay in force, the new revocations are applied by the gateway now, and the file is loaded again then',
    validFrom,
  };
}

/**
 * `loaded` with the CRLs of `current` in force (pendingCrl): the TLS context keeps the current
 * CRL blocks, while the revocations of both are checked by the gateway (a revocation is never
 * held back). Readiness, expiry warnings and the rollback check go on seeing the CRLs in force.
 */
export function withCrlsOf(loaded: TlsMaterial, current: TlsMaterial): TlsMaterial {
  return {
    ...loaded,
    options: { ...loaded.options, crl: current.options.crl },
    crls: current.crls,
    revocations: [...current.revocations, ...loaded.revocations],
    revokedSerials: new Set([...current.revokedSerials, ...loaded.revokedSerials]),
    // Whether a missing CRL can only be the client chain's doing: only if it is so under both.
    everyCaHasCrl: current.everyCaHasCrl && loaded.everyCaHasCrl,
    expiring: [...loaded.expiring.filter((e) => e.kind !== 'CRL'), ...current.expiring.filter((e) => e.kind === 'CRL')],
  };
}
