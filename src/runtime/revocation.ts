/**
 * After a new CRL is loaded, connections opened with a now-revoked certificate are closed, so
 * revocation takes effect for sessions that are already open, not just for new handshakes.
 */
import type { TLSSocket } from 'node:tls';
import { normalizeSerialHex } from '../server/crl.js';
import type { TlsMaterial } from '../server/tls-material.js';

/** Destroy every open connection whose client certificate serial is revoked. Returns how many. */
export function closeRevokedConnections(connections: Iterable<TLSSocket>, tls: TlsMaterial): number {
  if (tls.revokedSerials.size === 0) return 0;
  let closed = 0;
  for (const socket of connections) {
    const serial = socket.getPeerCertificate()?.serialNumber;
    if (serial && tls.revokedSerials.has(normalizeSerialHex(serial))) {
      socket.destroy();
      closed += 1;
    }
  }
  return closed;
}
