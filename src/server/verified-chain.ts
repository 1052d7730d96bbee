/**
 * The chain a connection was verified with, as links (chain-expiry.ts), read at a handshake's
 * cost of the client's certificate alone. OpenSSL builds a chain from tls.ca first (trusted
 * first, its default), so when a CA of the bundle issued the client's certificate, the verified
 * chain is that certificate and the bundle's CAs above it: found once per certificate and bundle
 * while no CA of the bundle starts or ends its validity, and kept by the certificate's SHA-256
 * fingerprint. Node's full chain (`getPeerCertificate(true)`)
 * looks each issuer up in the TLS context's store and turns every certificate into an object,
 * about 0.5 ms per handshake; and it is made of what the client sent, matched by name only, so a
 * made-up CA of the real one's name, sent along, stood in its place with its own dates. It is
 * read only when no CA of the bundle issued the client's certificate (an intermediate only the
 * client sends).
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { BoundedMap } from '../core/bounded-map.js';
import { chainLink, peerChain, type ChainLink } from './chain-expiry.js';

/** The most links of a chain: OpenSSL's default verify depth is 100, real chains have 2 to 4. */
const MAX_LINKS = 16;

/** The chains found in a bundle, by the client certificate's fingerprint, and until when they hold. */
interface FoundChains {
  /** null: no CA of the bundle issued that certificate (Node's chain is read for it). */
  chains: BoundedMap<string, readonly ChainLink[] | null>;
  /** ms since the epoch: the next instant a CA of the bundle becomes valid or expires. */
  until: number;
}

/** Per bundle (TlsMaterial.caCerts), the chains found in it. */
const chainsByBundle = new WeakMap<readonly X509Certificate[], FoundChains>();

/**
 * The first instant after `now` at which a certificate of `bundle` becomes valid or expires.
 * The walk prefers CAs valid at its `now` (issuerIn), so a chain found before such an instant
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

/**
 * The certificate of `bundle` that issued `cert` (its issuer Name and key identifier match, and
 * its key verifies the signature), preferring one valid at `now`, as OpenSSL does; undefined
 * when none did.
 */
function issuerIn(cert: X509Certificate, bundle: readonly X509Certificate[], now: number): X509Certificate | undefined {
  let found: X509Certificate | undefined;
  for (const ca of bundle) {
    if (!cert.checkIssued(ca) || !verifies(cert, ca)) continue;
    if (Date.parse(ca.validFrom) <= now && now < Date.parse(ca.validTo)) return ca;
    found ??= ca;
  }
  return found;
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
    const issuer = issuerIn(current, bundle, now);
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
 * a CA of it issued `peer`, else Node's full chain. Which of the two it is, and the chain from
 * the bundle, is kept per certificate (at most 4096 per bundle, until a CA of the bundle becomes
 * valid or expires).
 */
export function verifiedChain(socket: TLSSocket, peer: PeerCertificate, bundle: readonly X509Certificate[]): readonly ChainLink[] {
  const now = Date.now();
  let found = chainsByBundle.get(bundle);
  if (!found || now >= found.until) chainsByBundle.set(bundle, (found = { chains: new BoundedMap(4096), until: nextValidityChange(bundle, now) }));
  let kept = found.chains.get(peer.fingerprint256);
  if (kept === undefined) {
    const chain = bundleChain(new X509Certificate(peer.raw), bundle, now);
    kept = found.chains.set(peer.fingerprint256, chain ? Object.freeze(chain) : null);
  }
  return kept ?? peerChain(socket.getPeerCertificate(true));
}
