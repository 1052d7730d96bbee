/**
 * The chain a connection was verified with, as links (chain-expiry.ts), read at a handshake's
 * cost of the client's certificate alone. OpenSSL builds a chain from tls.ca first (trusted
 * first, its default), so when a CA of the bundle issued the client's certificate, the verified
 * chain is that certificate and the bundle's CAs above it: found once per certificate and bundle
 * while no CA of the bundle starts or ends its validity, and kept by the certificate's SHA-256
 * fingerprint.
 *
 * When no CA of the bundle issued it (an intermediate only the client sends), the chain is built
 * the same way, by signature, from the certificates Node's full chain (`getPeerCertificate(true)`)
 * holds and the bundle's CAs: each link's issuer is one whose name and key identifier match and
 * whose key verifies the link's signature, the bundle's first, valid ones first, up to a CA of
 * the bundle. Node's chain itself is matched by name only, in the order the client sent: a
 * made-up CA of the real one's name (its key copied, dated ahead so that OpenSSL passes it over)
 * sent ahead of the real one stood in its place with its own dates. Node's chain shows only
 * what it matched: when the made-up CA took the real one's place, the real one is not there to
 * be found, and the chain is marked `unplaced` at the link it lost (chain-expiry.ts: the
 * connection is cut at once). Node 20 has no other way to read what the client sent:
 * `getPeerX509Certificate()` lists it in order, but takes it out of the session as it goes (a
 * later `getPeerCertificate(true)`, as the reload sweep in ca-trust.ts reads, shows the client's
 * certificate alone) and never frees it. A chain found is kept per bundle by the fingerprints of
 * Node's chain.
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
import { BoundedMap } from '../core/bounded-map.js';
import { chainLink, type ChainLink } from './chain-expiry.js';

/** The most links of a chain: OpenSSL's default verify depth is 100, real chains have 2 to 4. */
const MAX_LINKS = 16;

/** The most certificates read of what a client sent (sentBy). */
const MAX_SENT = 32;

/** The chains found in a bundle, by the client certificate's fingerprint, and until when they hold. */
interface FoundChains {
  /** null: no CA of the bundle issued that certificate (Node's chain is read for it). */
  chains: BoundedMap<string, readonly ChainLink[] | null>;
  /** The chains built from Node's chains, by the fingerprints of Node's chain (client's first). */
  sent: BoundedMap<string, readonly ChainLink[]>;
  /** ms since the epoch: the next instant a CA of the bundle becomes valid or expires. */
  until: number;
}

/** Per bundle (TlsMaterial.caCerts), the chains found in it. */
const chainsByBundle = new WeakMap<readonly X509Certificate[], FoundChains>();

/**
 * The first instant after `now` at which a certificate of `bundle` becomes valid or expires.
 * The walk prefers CAs valid at its `now` (issuersAmong), so a chain found before such an instant
 * may not be the one OpenSSL builds after it: a root rollover's old root and the intermediate it
 * signed expire, and OpenSSL verifies through the new root's copy of that intermediate, while a
 * chain kept from before would still end at the expired root and cut every new connection of
 * that certificate at once.
 */
function nextValidityChange(bundle: readonly X509Certificate[], now: number): number {
  let next = Infinity;
  for (const ca of bundle) {
    for (const instant of [Date.parse(ca.validFrom), Date.parse(ca.validTo)]) if (instant > now && instant < next) next = instant;
  }
  return next;
}

/** Whether `cert` is within its validity at `now` (notAfter itself counts as expired, as chain-expiry.ts counts it). */
function validAt(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo);
}

function verifies(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/**
 * The chain of `cert` within `bundle`: `cert`, the bundle's CA that issued it, and so on up to a
 * self-issued CA (or MAX_LINKS); undefined when no CA of the bundle issued `cert`.
 */
export function bundleChain(cert: X509Certificate, bundle: readonly X509Certificate[], now: number): ChainLink[] | undefined {
  const links = [chainLink(cert)];
  const seen = new Set([cert.fingerprint256]);
  let current = cert;
  while (!(links[links.length - 1] as ChainLink).selfIssued && links.length < MAX_LINKS) {
    const issuer = issuersAmong(current, bundle, now)[0];
    if (!issuer) {
      if (links.length === 1) return undefined;
      break;
    }
    if (seen.has(issuer.fingerprint256)) break;
    seen.add(issuer.fingerprint256);
    links.push(chainLink(issuer));
    current = issuer;
  }
  return links;
}

/**
 * The verified chain of the connection `socket`, whose client certificate `peer` is (as
 * `getPeerCertificate()` gives it), against `bundle`, the tls.ca in force: from the bundle when
 * a CA of it issued `peer`, else built by signature from Node's full chain and the bundle
 * (chainBySignature; unplacedChain when there is none). Which of the two it is, and the chain
 * from the bundle, is kept per certificate, a chain built from Node's chain by the fingerprints
 * of that chain (at most 4096 of each per bundle, until a CA of the bundle becomes valid or
 * expires).
 */
export function verifiedChain(socket: TLSSocket, peer: PeerCertificate, bundle: readonly X509Certificate[]): readonly ChainLink[] {
  const now = Date.now();
  let found = chainsByBundle.get(bundle);
  if (!found || now >= found.until) chainsByBundle.set(bundle, (found = { chains: new BoundedMap(4096), sent: new BoundedMap(4096), until: nextValidityChange(bundle, now) }));
  let kept = found.chains.get(peer.fingerprint256);
  if (kept === undefined) {
    const chain = bundleChain(new X509Certificate(peer.raw), bundle, now);
    kept = found.chains.set(peer.fingerprint256, chain ? Object.freeze(chain) : null);
  }
  return kept ?? chainOfSent(socket, socket.getPeerCertificate(true), bundle, found.sent, now);
}

/**
 * The chain of the client certificate `peer` (Node's full chain of `socket`) built by signature
 * (chainBySignature) from the certificates of Node's chain, kept in `kept` by their
 * fingerprints. Node's chain can stop short of the bundle with every link in it sound (valid, and
 * signing the one below): Node stops matching when the issuer it found was the last of what was
 * left (intermediates sent in reverse order); then what the client sent is read (sentBy) and the
 * chain built from that, once per such chain. With no chain found, Node's chain marked where it
 * was lost (unplacedChain); kept only when every link of it is sound (a made-up CA in it makes it
 * new at each handshake, and is cut at once anyway). A client certificate pinned in the bundle
 * (partial-chain mode) that no chain by signature leads from is its own chain.
 */
function chainOfSent(socket: TLSSocket, peer: DetailedPeerCertificate, bundle: readonly X509Certificate[], kept: BoundedMap<string, readonly ChainLink[]>, now: number): readonly ChainLink[] {
  const shown: DetailedPeerCertificate[] = [];
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = peer; cert?.raw && !seen.has(cert.fingerprint256) && shown.length < MAX_LINKS; cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    shown.push(cert);
  }
  const key = shown.map((c) => c.fingerprint256).join(',');
  const chain = kept.get(key);
  if (chain) return chain;
  const certs = shown.map((c) => new X509Certificate(c.raw));
  const [leaf, ...issuers] = certs;
  if (!leaf) return [];
  const found = chainBySignature(leaf, issuers, bundle, now);
  if (found) return kept.set(key, Object.freeze(found));
  // A pinned client certificate (tls.partialChain, the certificate itself in tls.ca, its issuer
  // not): OpenSSL takes it as the trust anchor, and the chain is that certificate alone.
  if (bundle.some((ca) => ca.fingerprint256 === leaf.fingerprint256)) return kept.set(key, Object.freeze([chainLink(leaf)]));
  if (firstUnsound(certs, now) < certs.length) return unplacedChain(certs, now);
  return kept.set(key, Object.freeze(chainBySignature(leaf, [...issuers, ...sentBy(socket)], bundle, now) ?? unplacedChain(certs, now)));
}

/**
 * What the client sent above its certificate, in its order, as `getPeerX509Certificate()` lists
 * it. That call takes each certificate out of the session as it lists it (a later
 * `getPeerCertificate(true)` shows the client's certificate alone, and Node keeps the copies
 * taken out for good), so it is made only for a chain Node's name matching cut short.
 */
function sentBy(socket: TLSSocket): X509Certificate[] {
  const sent: X509Certificate[] = [];
  for (let cert = socket.getPeerX509Certificate()?.issuerCertificate; cert && sent.length < MAX_SENT; cert = cert.issuerCertificate) sent.push(cert);
  return sent;
}

/**
 * The index of the first certificate of `certs` above the first that is not sound: not valid
 * at `now`, or not the issuer of the one below it (name, key identifier and signature). OpenSSL
 * takes the first valid certificate of the issuer's name the client sent, as Node takes the
 * first of that name: such a one in Node's chain was passed over, and stands in for one Node did
 * not show. `certs.length` when all are sound.
 */
function firstUnsound(certs: readonly X509Certificate[], now: number): number {
  for (let i = 1; i < certs.length; i++) {
    const below = certs[i - 1] as X509Certificate;
    const above = certs[i] as X509Certificate;
    if (!validAt(above, now) || !below.checkIssued(above) || !verifies(below, above)) return i;
  }
  return certs.length;
}

/**
 * The certificates of `pool` that issued `cert` (its issuer Name and key identifier match, and
 * its key verifies the signature), in pool order, those valid at `now` first, as OpenSSL prefers
 * them; the first is the issuer a chain within the bundle takes (bundleChain).
 */
function issuersAmong(cert: X509Certificate, pool: readonly X509Certificate[], now: number): X509Certificate[] {
  const issuers = pool.filter((ca) => cert.checkIssued(ca) && verifies(cert, ca));
  return [...issuers.filter((ca) => validAt(ca, now)), ...issuers.filter((ca) => !validAt(ca, now))];
}

/**
 * The chain of `cert` up to a CA of `bundle`, built by signature as OpenSSL builds it: each
 * link's issuer one of `sent` (what the client sent, as far as Node shows it) or of `bundle`
 * whose name and key identifier match and whose key verifies the link's signature; a CA of the
 * bundle first, then one the client sent, each valid at `now` before one that is not; from the
 * CA of the bundle reached, on as bundleChain goes. A branch that reaches no CA of the bundle is
 * given up for the next (each certificate is followed once), so a same-named certificate that
 * signed nothing, or leads nowhere, is passed over. Undefined when no chain reaches the bundle
 * within MAX_LINKS links.
 */
export function chainBySignature(cert: X509Certificate, sent: readonly X509Certificate[], bundle: readonly X509Certificate[], now: number): ChainLink[] | undefined {
  const path = [cert];
  const followed = new Set([cert.fingerprint256]);
  const walk = (current: X509Certificate): ChainLink[] | undefined => {
    if (path.length >= MAX_LINKS) return undefined;
    const trusted = issuersAmong(current, bundle, now)[0];
    if (trusted && validAt(trusted, now)) return withBundle(trusted);
    const untrusted = issuersAmong(current, sent, now).filter((ca) => !followed.has(ca.fingerprint256));
    const valid = untrusted.filter((ca) => validAt(ca, now));
    // A CA of the bundle out of its validity still comes before a sent one that is too.
    for (const issuer of [...valid, ...(trusted ? [trusted] : []), ...untrusted.filter((ca) => !valid.includes(ca))]) {
      if (issuer === trusted) return withBundle(trusted);
      followed.add(issuer.fingerprint256);
      path.push(issuer);
      const chain = walk(issuer);
      if (chain) return chain;
      path.pop();
    }
    return undefined;
  };
  const withBundle = (anchor: X509Certificate): ChainLink[] => [...path.map(chainLink), ...(bundleChain(anchor, bundle, now) as ChainLink[])].slice(0, MAX_LINKS);
  return walk(cert);
}

/**
 * Node's chain `certs` (the client's certificate first) when no chain by signature reaches the
 * bundle: up to its first certificate that is not sound (firstUnsound: a made-up CA), or its
 * last, that one marked `unplaced` (chain-expiry.ts counts it as expired at the handshake).
 */
export function unplacedChain(certs: readonly X509Certificate[], now: number): ChainLink[] {
  const lost = Math.min(firstUnsound(certs, now), certs.length - 1);
  return certs.slice(0, lost + 1).map((cert, i) => (i === lost ? { ...chainLink(cert), unplaced: true as const } : chainLink(cert)));
}
