/**
 * After a reload that changed the CA bundle (`certs init --force`, an intermediate dropped from
 * `tls.ca`), connections whose client chain no longer leads to a CA of the bundle are closed:
 * new handshakes from those clients are refused, and their open sessions go the same way. A CA
 * renewed with its old name and key (ca-key.ts) is the same CA: its clients stay, while the
 * renewal is within its validity.
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
import { cutConnection } from './connection-cuts.js';
import { identityOf } from './peer-identity.js';
import { caKeyOf, type TlsMaterial } from './tls-material.js';

/** A certificate's SHA-256 fingerprint spelled as Identity.fingerprint is (lowercase hex, no colons). */
export function fingerprintOf(cert: PeerCertificate): string {
  return cert.fingerprint256.replace(/:/g, '').toLowerCase();
}

/** Whether two bundles hold the same CA certificates. */
export function sameBundle(a: readonly X509Certificate[], b: readonly X509Certificate[]): boolean {
  const prints = (list: readonly X509Certificate[]) => list.map((c) => c.fingerprint256).sort().join(',');
  return prints(a) === prints(b);
}

/**
 * The CA bundles a handshake completing now may have been verified against, besides the one in
 * force: after a reload that changed the bundle, a handshake under way then completes against
 * the old one, after the reload's sweep of open connections. For as long as such a handshake
 * can last (`windowMs`: the listener's handshake timeout and a margin; a handshake past it is
 * destroyed by the listener's tlsClientError handler, Node only reports the timeout), each new
 * connection is checked against the bundle in force too; every bundle replaced in that time
 * counts as old. Times are monotonic, so a clock step cannot shorten the window.
 */
export function replacedBundles(windowMs: number): {
  /** Note a reload from `previous` to `next` (before the sweep). */
  replaced(previous: readonly X509Certificate[], next: readonly X509Certificate[]): void;
  /** The bundles replaced within the window, or undefined when none was. */
  recent(): Pick<TlsMaterial, 'caCerts'> | undefined;
} {
  let change: { old: X509Certificate[]; until: number } | undefined;
  const live = () => (change && performance.now() <= change.until ? change : undefined);
  return {
    replaced(previous, next) {
      if (sameBundle(previous, next)) return;
      change = { old: [...(live()?.old ?? []), ...previous], until: performance.now() + windowMs };
    },
    recent: () => {
      const c = live();
      return c && { caCerts: c.old };
    },
  };
}

/** Each bundle certificate's validity in ms since the epoch, read once per certificate object. */
const validities = new WeakMap<X509Certificate, { from: number; to: number }>();

/**
 * Whether `cert` is within its validity at `now` (ms), as OpenSSL checks a chain's certificates:
 * notBefore <= now <= notAfter.
 */
function validAt(cert: X509Certificate, now: number): boolean {
  let v = validities.get(cert);
  if (!v) {
    v = { from: Date.parse(cert.validFrom), to: Date.parse(cert.validTo) };
    validities.set(cert, v);
  }
  return v.from <= now && now <= v.to;
}

/**
 * Whether a certificate of the new bundle ends the chain as a trust anchor. `own`: it is the
 * client's own certificate (pinned in the bundle), not one above it.
 */
type Anchor = (cert: X509Certificate, own: boolean) => boolean;

/**
 * Whether the client's chain still ends at a trust anchor of `bundle`, as OpenSSL would
 * decide a new handshake: walking up from its certificate, each link is either one the
 * client sent or one of the new bundle (one only the old bundle supplied, a dropped
 * intermediate or root, ends it), up to a certificate of the new bundle that `anchor` accepts.
 * A CA of the new bundle with the name and key of a CA of the chain (caKey: that CA re-issued
 * with its old key, a renewed root; or that very certificate) stands for it, as OpenSSL picks a
 * new handshake's issuer by name and key, but only while it is within its validity at `now`:
 * OpenSSL prefers one that is, and with none takes one that is not (expired, or a renewal
 * staged ahead) and refuses the handshake (CERT_HAS_EXPIRED, CERT_NOT_YET_VALID), also when the
 * client sent a valid copy of that CA itself; so the chain ends there. The client's own
 * certificate counts only as itself, whatever its dates (the sweep judges the bundle, not
 * whether a client's certificate expired while connected).
 * `admitted` is the fingerprint of the certificate the connection was admitted with.
 */
function leadsToBundle(socket: TLSSocket, admitted: string | undefined, bundle: readonly X509Certificate[], old: readonly X509Certificate[], anchor: Anchor, now: number): boolean {
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  // Renegotiation is refused, so the session's certificate is the one the connection was
  // admitted with; one that is not cannot be vouched for.
  if (!admitted || !cert?.raw || fingerprintOf(cert) !== admitted) return false;
  const same = (x: X509Certificate) => (ca: X509Certificate) => ca.fingerprint256 === x.fingerprint256;
  const sameCa = (x: X509Certificate) => (ca: X509Certificate) => ca.fingerprint256 === x.fingerprint256 || caKeyOf(ca) === caKeyOf(x);
  const seen = new Set<string>();
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const own = seen.size === 1;
    const x = new X509Certificate(cert.raw);
    const matches = bundle.filter(own ? same(x) : sameCa(x));
    const inBundle = own ? matches : matches.filter((ca) => validAt(ca, now));
    if (matches.length > 0 && inBundle.length === 0) return false;
    if (inBundle.length > 0) {
      if (inBundle.some((ca) => anchor(ca, own))) return true;
    } else if (!own && old.some(same(x))) {
      return false;
    }
    cert = cert.issuerCertificate;
  }
  return false;
}

/**
 * Destroy the connections whose chain leads to no anchor of `next`'s bundle, cut as
 * `untrusted` (the audit records of their open exchanges say so); how many.
 */
function sweep(connections: Iterable<[TLSSocket, string | undefined]>, previous: Pick<TlsMaterial, 'caCerts'>, next: Pick<TlsMaterial, 'caCerts'>, anchor: Anchor, now: Date): number {
  const bundle = next.caCerts;
  const old = previous.caCerts;
  if (sameBundle(old, bundle)) return 0;
  let closed = 0;
  for (const [socket, admitted] of connections) {
    if (socket.destroyed || leadsToBundle(socket, admitted, bundle, old, anchor, now.getTime())) continue;
    cutConnection(socket, 'untrusted');
    closed += 1;
  }
  return closed;
}

/**
 * Destroy every open connection whose client chain leads to no CA of `next`'s bundle, when the
 * bundle changed from `previous`'s. Returns how many were closed. The anchor is a self-issued
 * CA of the bundle (its own issuer by name and key identifiers; as OpenSSL, its self-signature
 * is not checked: the bundle is trusted for its keys), or, with `partialChain`, any certificate
 * of it; a connection is vouched
 * for only with the identity bound at its handshake (peer-identity). A CA of the bundle counts
 * only while it is within its validity at `now`.
 */
export function closeUntrustedConnections(connections: Iterable<TLSSocket>, previous: Pick<TlsMaterial, 'caCerts'>, next: Pick<TlsMaterial, 'caCerts'>, partialChain = false, now = new Date()): number {
  const admitted = Array.from(connections, (socket): [TLSSocket, string | undefined] => [socket, identityOf(socket)?.fingerprint]);
  return sweep(admitted, previous, next, (x) => partialChain || x.checkIssued(x), now);
}

/**
 * The same for a listener that binds no identity (the admin listener): each open connection
 * comes with the fingerprint of the client certificate it was admitted with (fingerprintOf).
 * Its handshake is not in partial-chain mode, so the anchor is a self-issued certificate of the
 * bundle (its self-signature not checked, as OpenSSL does not), where a client's own certificate pinned there counts whatever its key usage (OpenSSL
 * trusts a self-signed leaf found in the store as itself).
 */
export function closeUntrustedPeers(connections: ReadonlyMap<TLSSocket, string>, previous: Pick<TlsMaterial, 'caCerts'>, next: Pick<TlsMaterial, 'caCerts'>, now = new Date()): number {
  return sweep(connections, previous, next, (x, own) => (own ? x.subject === x.issuer : x.checkIssued(x)), now);
}
