/**
 * After a new CRL is loaded, connections opened with a now-revoked certificate are closed, so
 * revocation takes effect for sessions that are already open, not just for new handshakes.
 */
import type { TLSSocket } from 'node:tls';
import type { Identity } from '../core/types.js';
import { cutConnection } from '../server/connection-cuts.js';
import { isRevoked, peerDer } from '../server/revoked.js';
import { identityOf } from '../server/peer-identity.js';
import type { TlsMaterial } from '../server/tls-material.js';

/**
 * Destroy every open connection whose client certificate (or a CA above it) is revoked, cut as
 * `revoked` (the audit records of its open exchanges say so). Returns how many; `closing` hears
 * of each (its identity, undefined for one without).
 */
export function closeRevokedConnections(connections: Iterable<TLSSocket>, tls: TlsMaterial, closing?: (identity: Identity | undefined) => void): number {
  if (tls.revocations.every((r) => r.serials.size === 0)) return 0;
  let closed = 0;
  for (const socket of connections) {
    const identity = identityOf(socket);
    // Every tracked connection has one; a connection without one cannot be checked: close it.
    if (!identity || isRevoked(identity, tls, peerDer(socket, identity))) {
      closing?.(identity);
      cutConnection(socket, 'revoked');
      closed += 1;
    }
  }
  return closed;
}

/**
 * closeRevokedConnections, naming whose connections were cut, by certificate (name and serial),
 * for the operator's log line: `closedRevokedCertificates` is `name (serial s): n` for at most 50
 * certificates, undefined when none was cut.
 */
export function closeRevokedNamingCertificates(connections: Iterable<TLSSocket>, tls: TlsMaterial): { closed: number; closedRevokedCertificates: string[] | undefined } {
  const cut = new Map<string, number>();
  const closed = closeRevokedConnections(connections, tls, (identity) => {
    const key = identity ? `${identity.name} (serial ${identity.serial})` : '(no identity)';
    cut.set(key, (cut.get(key) ?? 0) + 1);
  });
  const closedRevokedCertificates = cut.size === 0 ? undefined : [...cut].slice(0, 50).map(([who, n]) => `${who}: ${n}`);
  return { closed, closedRevokedCertificates };
}
