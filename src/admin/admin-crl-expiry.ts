/**
 * An expired `admin.tls.crl` fails closed on open connections too, as `tls.crl` does on the
 * Docker listener (crl-expiry-cuts.ts): OpenSSL refuses a scraper's new handshake past its CA's
 * CRL nextUpdate (CRL_HAS_EXPIRED), and a keep-alive connection opened before goes the same way,
 * at that nextUpdate or at the reload that installs an expired CRL; a handshake that completes
 * after either was verified against a CRL valid then, and is refused when it completes. The
 * scrapers' certificates need not name a gateway identity: their chain is read from the session.
 */
import type { TLSSocket } from 'node:tls';
import { certificateNameKeys, type ParsedCertificate } from '../identity/identity.js';
import { watchCrlExpiry, type ConnectionChain, type CrlExpiryWatch } from '../runtime/crl-expiry-cuts.js';
import { expiredCrlCas } from '../runtime/crl-lockouts.js';
import { expiredCrlOfChain, expiredCrlRefusal } from '../server/crl-expired-chain.js';
import type { TlsMaterial } from '../server/tls-material.js';
import type { AdminTlsMaterial } from './admin-tls.js';

/**
 * The chain of an admin connection, from its session's peer certificate (renegotiation is
 * refused, so it is the one verified at the handshake): its issuer, its DER, and `<CN> (serial
 * <hex>)`. Undefined when the session has none (it cannot be checked, and is cut).
 */
export function adminConnectionChain(socket: TLSSocket): ConnectionChain | undefined {
  const peer = socket.getPeerCertificate();
  if (!peer?.raw) return undefined;
  const cn = peer.subject?.CN;
  const raw = peer.raw;
  return {
    issuerKey: certificateNameKeys(peer as unknown as ParsedCertificate).issuerKey,
    der: () => raw,
    who: `${typeof cn === 'string' ? cn : '(no CN)'} (serial ${peer.serialNumber.toLowerCase()})`,
  };
}

/** The CRLs in force of `material` and the CAs they belong to, as the CRL checks take them; none without `ca`. */
function crlsInForce(material: AdminTlsMaterial | undefined): Pick<TlsMaterial, 'crls' | 'caNames'> {
  return material?.revocation ? { crls: material.crls, caNames: material.revocation.caNames } : { crls: [], caNames: [] };
}

/**
 * The `tls-handshake-failed` detail for an admin handshake completing at `now` whose chain has a
 * CA whose CRL in force (of `material`, put in force at `installedAt`) has expired, or undefined
 * when none has (expiredCrlRefusal says whether it expired in force or was installed expired).
 * The session's certificate is read only when a CRL in force has expired.
 */
export function expiredAdminCrlRefusal(socket: TLSSocket, material: AdminTlsMaterial | undefined, now: Date, installedAt: Date): string | undefined {
  const inForce = crlsInForce(material);
  // Without admin.tls.crl, or while every CRL in force is valid (nearly every handshake), the
  // peer certificate is not read nor its issuer parsed again.
  if (expiredCrlCas(inForce.crls, now).size === 0) return undefined;
  const chain = adminConnectionChain(socket);
  if (!chain) return undefined;
  const expired = expiredCrlOfChain(chain, inForce, now, chain.der);
  return expired ? expiredCrlRefusal(expired, installedAt, 'admin') : undefined;
}

/**
 * The watch of `admin.tls.crl` (watchCrlExpiry): at each check (start, each reload that puts
 * material in force) and at the next nextUpdate of its CRLs in force, cut the `connections` of
 * a CA whose CRL has expired, as `crl-expired`; `closed` hears how many and whose.
 */
export function watchAdminCrlExpiry(deps: {
  /** The admin TLS material in force, read at each check. */
  material: () => AdminTlsMaterial | undefined;
  /** The admin listener's open verified connections. */
  connections: () => Iterable<TLSSocket>;
  /** How many were cut, and `<CN> (serial <hex>): <count>` for each certificate (at most 50). */
  closed: (count: number, certificates: string[]) => void;
}): CrlExpiryWatch {
  return watchCrlExpiry({ material: () => crlsInForce(deps.material()), connections: deps.connections, closed: deps.closed, chainOf: adminConnectionChain });
}
