/** Revocation of a scraper's connection checked by the admin listener itself, after its handshake. */
import type { TLSSocket } from 'node:tls';
import { certificateNameKeys, type ParsedCertificate } from '../identity/identity.js';
import { isRevoked } from '../server/revoked.js';
import type { AdminTlsMaterial } from './admin-tls.js';

/**
 * Whether the certificate an admin connection was verified with, or a CA above it, is revoked by
 * `revocation` (the CRLs the listener checks itself: those loaded since its handshake, and held ones).
 */
export function connectionRevoked(socket: TLSSocket, revocation: NonNullable<AdminTlsMaterial['revocation']>): boolean {
  const peer = socket.getPeerCertificate();
  // A verified connection always has one; one without cannot be checked, so it is refused.
  if (!peer?.raw) return true;
  // Issuer and serial only: a scraper's certificate need not name a gateway identity.
  return isRevoked({ issuerKey: certificateNameKeys(peer as unknown as ParsedCertificate).issuerKey, serial: peer.serialNumber.toLowerCase() }, revocation, () => peer.raw);
}
