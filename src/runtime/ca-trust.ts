/**
 * After a reload that changed the CA bundle (`certs init --force`, an intermediate dropped from
 * `tls.ca`), connections whose client chain no longer leads to a CA of the bundle are closed:
 * new handshakes from those clients are refused, and their open sessions go the same way.
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { identityOf } from '../server/peer-identity.js';
import type { TlsMaterial } from '../server/tls-material.js';

/** Whether two bundles hold the same CA certificates. */
function sameBundle(a: readonly X509Certificate[], b: readonly X509Certificate[]): boolean {
  const prints = (list: readonly X509Certificate[]) => list.map((c) => c.fingerprint256).sort().join(',');
  return prints(a) === prints(b);
}

/**
 * Whether the client's chain still ends at a trust anchor of `bundle`, as OpenSSL would
 * decide a new handshake: walking up from its certificate, each link is either one the
 * client sent or one of the new bundle (one only the old bundle supplied, a dropped
 * intermediate or root, ends it), up to a self-signed CA of the new bundle, or, with
 * `partialChain`, any certificate of it.
 */
function leadsToBundle(socket: TLSSocket, bundle: readonly X509Certificate[], old: readonly X509Certificate[], partialChain: boolean): boolean {
  const identity = identityOf(socket);
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  // Renegotiation is refused, so the session's certificate is the one the identity was made
  // from; one that is not cannot be vouched for.
  if (!identity || !cert?.raw || cert.fingerprint256.replace(/:/g, '').toLowerCase() !== identity.fingerprint) return false;
  const inBundle = (x: X509Certificate, list: readonly X509Certificate[]) => list.some((ca) => ca.fingerprint256 === x.fingerprint256);
  const seen = new Set<string>();
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const x = new X509Certificate(cert.raw);
    if (inBundle(x, bundle)) {
      if (partialChain || (x.checkIssued(x) && x.verify(x.publicKey))) return true;
    } else if (seen.size > 1 && inBundle(x, old)) {
      return false;
    }
    cert = cert.issuerCertificate;
  }
  return false;
}

/**
 * Destroy every open connection whose client chain leads to no CA of `next`'s bundle, when the
 * bundle changed from `previous`'s. Returns how many were closed.
 */
export function closeUntrustedConnections(connections: Iterable<TLSSocket>, previous: Pick<TlsMaterial, 'caCerts'>, next: Pick<TlsMaterial, 'caCerts'>, partialChain = false): number {
  const bundle = next.caCerts;
  const old = previous.caCerts;
  if (sameBundle(old, bundle)) return 0;
  let closed = 0;
  for (const socket of connections) {
    if (socket.destroyed || leadsToBundle(socket, bundle, old, partialChain)) continue;
    socket.destroy();
    closed += 1;
  }
  return closed;
}
