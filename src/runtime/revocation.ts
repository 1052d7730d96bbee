/**
 * After a new CRL is loaded, connections opened with a now-revoked certificate are closed, so
 * revocation takes effect for sessions that are already open, not just for new handshakes.
 */
import type { TLSSocket } from 'node:tls';
import type { Identity } from '../core/types.js';
import { normalizeSerialHex } from '../server/crl.js';
import { identityOf } from '../server/peer-identity.js';
import type { TlsMaterial } from '../server/tls-material.js';

/**
 * Whether the certificate an identity was bound from, or a CA above it in `tls.ca`, is revoked.
 * Decides on the issuer and serial saved at the handshake, never on the socket's current
 * session: a serial only means something together with its issuer (two CAs may both issue
 * serial 01), and what the peer presents now is not what the identity was made from.
 */
export function isRevoked(identity: Pick<Identity, 'issuer' | 'serial'>, tls: Pick<TlsMaterial, 'revocations' | 'caNames'>): boolean {
  const revokedBy = (issuer: string, serial: string): boolean => tls.revocations.some((r) => r.issuer === issuer && r.serials.has(serial));
  let level = [{ issuer: identity.issuer, serial: normalizeSerialHex(identity.serial) }];
  // Walk up: each CA of the bundle named as the issuer, until a self-signed root. Bounded by
  // the bundle's size, so a loop of cross-signed CAs cannot spin.
  for (let depth = 0; depth <= tls.caNames.length && level.length > 0; depth++) {
    if (level.some((c) => revokedBy(c.issuer, c.serial))) return true;
    level = tls.caNames.filter((ca) => ca.subject !== ca.issuer && level.some((c) => c.issuer === ca.subject));
  }
  return false;
}

/** Destroy every open connection whose client certificate (or a CA above it) is revoked. Returns how many. */
export function closeRevokedConnections(connections: Iterable<TLSSocket>, tls: TlsMaterial): number {
  if (tls.revocations.every((r) => r.serials.size === 0)) return 0;
  let closed = 0;
  for (const socket of connections) {
    const identity = identityOf(socket);
    // Every tracked connection has one; a connection without one cannot be checked: close it.
    if (!identity || isRevoked(identity, tls)) {
      socket.destroy();
      closed += 1;
    }
  }
  return closed;
}
