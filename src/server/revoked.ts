/**
 * Whether a connection's identity is revoked by the loaded CRLs: used at the end of every
 * handshake (one under way while a CRL was reloaded completes against the old CRL) and by the
 * sweep of open connections after a reload.
 */
import type { TLSSocket } from 'node:tls';
import type { Identity } from '../core/types.js';
import { issuersOf } from './ca-key.js';
import { normalizeSerialHex } from './crl.js';
import type { CaName, TlsMaterial } from './tls-material.js';

/**
 * Whether the certificate an identity was bound from, or a CA above it in `tls.ca`, is revoked.
 * Decides on the issuer and serial saved at the handshake, the issuer as OpenSSL matched it to
 * its CA (x509-name.ts nameKey: a certificate whose issuer differs from its CA's subject in case
 * or spacing is accepted, so it must be found here too), never on the socket's current
 * session: a serial only means something together with its issuer (two CAs may both issue
 * serial 01), and what the peer presents now is not what the identity was made from.
 *
 * The issuer is a CA, not a name: when several CAs of `tls.ca` with different keys share the
 * issuer's name (ca-key.ts), `der` gives the certificate, and only a CA whose key verifies it
 * counts, so one CA's CRL does not revoke another's certificate of the same serial. Without
 * `der` (or when it is not the identity's certificate) every CA of that name counts: a
 * revocation errs towards closing.
 */
export function isRevoked(
  identity: Pick<Identity, 'issuerKey' | 'serial'>,
  tls: Pick<TlsMaterial, 'revocations' | 'caNames'>,
  der?: () => Uint8Array | undefined,
): boolean {
  const revokedBy = (ca: string, serial: string): boolean => tls.revocations.some((r) => r.ca === ca && r.serials.has(serial));
  let level = [{ issuerKey: identity.issuerKey, serial: normalizeSerialHex(identity.serial), der }];
  // Walk up: each CA of the bundle that issued a certificate of this level, until a
  // self-signed root. Bounded by the bundle's size, so a loop of cross-signed CAs cannot spin.
  for (let depth = 0; depth <= tls.caNames.length && level.length > 0; depth++) {
    const above = new Set<CaName>();
    for (const cert of level) {
      const issuers = issuersOf(cert.issuerKey, cert.der, tls.caNames);
      if (issuers.some((ca) => revokedBy(ca.ca, cert.serial))) return true;
      for (const ca of issuers) if (ca.subjectKey !== ca.issuerKey) above.add(ca);
    }
    level = [...above].map((ca) => ({ issuerKey: ca.issuerKey, serial: ca.serial, der: () => ca.cert.raw }));
  }
  return false;
}

/**
 * The DER of the certificate a connection's identity was made from, for isRevoked: the
 * session's peer certificate, provided it is that one (same fingerprint); renegotiation is
 * refused, so it always is for a verified connection.
 */
export function peerDer(socket: TLSSocket, identity: Pick<Identity, 'fingerprint'>): () => Uint8Array | undefined {
  return () => {
    const peer = socket.getPeerCertificate();
    if (!peer?.raw || peer.fingerprint256.replace(/:/g, '').toLowerCase() !== identity.fingerprint) return undefined;
    return peer.raw;
  };
}
