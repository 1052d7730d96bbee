/**
 * Whether a connection's identity is revoked by the loaded CRLs: used at the end of every
 * handshake (one under way while a CRL was reloaded completes against the old CRL) and by the
 * sweep of open connections after a reload.
 */
import type { TLSSocket } from 'node:tls';
import type { Identity } from '../core/types.js';
import { issuersOf } from './ca-key.js';
import { normalizeSerialHex } from './crl-serial.js';
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
 * revocation errs towards closing. Above it, a CA is a root only when its own key verifies
 * it, so an intermediate named as its root is looked up in its root's CRL too.
 */
export function isRevoked(
  identity: Pick<Identity, 'issuerKey' | 'serial'>,
  tls: Pick<TlsMaterial, 'revocations' | 'caNames'>,
  der?: () => Uint8Array | undefined,
): boolean {
  const revokedBy = (ca: string, serial: string): boolean => tls.revocations.some((r) => r.ca === ca && r.serials.has(serial));
  const issuers = issuersOf(identity.issuerKey, der, tls.caNames);
  if (issuers.some((ca) => revokedBy(ca.ca, normalizeSerialHex(identity.serial)))) return true;
  // Walk up: each CA of the bundle that issued a CA of this level, until self-signed roots.
  // Bounded by the bundle's size, so a loop of cross-signed CAs cannot spin.
  let level = issuers;
  for (let depth = 0; depth < tls.caNames.length && level.length > 0; depth++) {
    const above = new Set<CaName>();
    for (const ca of level) {
      for (const parent of parentsOf(ca, tls.caNames)) {
        if (revokedBy(parent.ca, ca.serial)) return true;
        above.add(parent);
      }
    }
    level = [...above];
  }
  return false;
}

/**
 * The CAs of `tls.ca` that issued a certificate of the identity's chain: the client
 * certificate's issuers, then the CAs above each, up to self-signed roots (those whose CRLs
 * OpenSSL's CRL_CHECK_ALL consults for it). As isRevoked finds them: without `der`, every CA
 * of the issuer's name, erring towards closing.
 */
export function chainIssuers(
  identity: Pick<Identity, 'issuerKey'>,
  tls: Pick<TlsMaterial, 'caNames'>,
  der?: () => Uint8Array | undefined,
): CaName[] {
  const found = new Set<CaName>(issuersOf(identity.issuerKey, der, tls.caNames));
  let level = [...found];
  for (let depth = 0; depth < tls.caNames.length && level.length > 0; depth++) {
    const above: CaName[] = [];
    for (const ca of level) {
      for (const parent of parentsOf(ca, tls.caNames)) {
        if (found.has(parent)) continue;
        found.add(parent);
        above.push(parent);
      }
    }
    level = above;
  }
  return [...found];
}

/** Per bundle (its caNames), the CAs above each CA: found once, not at every handshake. */
const parentsByBundle = new WeakMap<readonly CaName[], Map<CaName, readonly CaName[]>>();

/**
 * The CAs of `cas` that issued `ca`: none for a root, a CA that its own key verifies (its
 * issuer Name being its subject is not enough: an intermediate may bear its root's name); else
 * those issuersOf finds by its issuer Name and its signature, but not itself (its own key
 * does not verify it). A signature that cannot be checked counts as not self-signed, so the
 * walk goes on: a revocation errs towards closing.
 */
function parentsOf(ca: CaName, cas: readonly CaName[]): readonly CaName[] {
  let known = parentsByBundle.get(cas);
  if (!known) parentsByBundle.set(cas, (known = new Map()));
  let parents = known.get(ca);
  if (!parents) {
    parents = selfSigned(ca) ? [] : issuersOf(ca.issuerKey, () => ca.cert.raw, cas).filter((p) => p.ca !== ca.ca);
    known.set(ca, parents);
  }
  return parents;
}

function selfSigned(ca: CaName): boolean {
  if (ca.subjectKey !== ca.issuerKey) return false;
  try {
    return ca.cert.verify(ca.cert.publicKey);
  } catch {
    return false;
  }
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
