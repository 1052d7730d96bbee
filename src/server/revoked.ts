/**
 * Whether a connection's identity is revoked by the loaded CRLs: used at the end of every
 * handshake (one under way while a CRL was reloaded completes against the old CRL) and by the
 * sweep of open connections after a reload.
 */
import type { Identity } from '../core/types.js';
import { normalizeSerialHex } from './crl.js';
import type { TlsMaterial } from './tls-material.js';

/**
 * Whether the certificate an identity was bound from, or a CA above it in `tls.ca`, is revoked.
 * Decides on the issuer and serial saved at the handshake, the issuer as OpenSSL matched it to
 * its CA (x509-name.ts nameKey: a certificate whose issuer differs from its CA's subject in case
 * or spacing is accepted, so it must be found here too), never on the socket's current
 * session: a serial only means something together with its issuer (two CAs may both issue
 * serial 01), and what the peer presents now is not what the identity was made from.
 */
export function isRevoked(identity: Pick<Identity, 'issuerKey' | 'serial'>, tls: Pick<TlsMaterial, 'revocations' | 'caNames'>): boolean {
  const revokedBy = (issuerKey: string, serial: string): boolean => tls.revocations.some((r) => r.issuerKey === issuerKey && r.serials.has(serial));
  let level = [{ issuerKey: identity.issuerKey, serial: normalizeSerialHex(identity.serial) }];
  // Walk up: each CA of the bundle named as the issuer, until a self-signed root. Bounded by
  // the bundle's size, so a loop of cross-signed CAs cannot spin.
  for (let depth = 0; depth <= tls.caNames.length && level.length > 0; depth++) {
    if (level.some((c) => revokedBy(c.issuerKey, c.serial))) return true;
    level = tls.caNames.filter((ca) => ca.subjectKey !== ca.issuerKey && level.some((c) => c.issuerKey === ca.subjectKey));
  }
  return false;
}
