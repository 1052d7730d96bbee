/**
 * When a connection's verified chain stops being valid: the earliest notAfter of the client's
 * certificate and the CAs above it, up to its trust anchor. OpenSSL checks these dates only at
 * the handshake; the gateway cuts the connection when the first of them passes
 * (connection-expiry.ts), as a new handshake would then be refused (`CERT_HAS_EXPIRED`).
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';
import { BoundedMap } from '../core/bounded-map.js';
import { caKeyOf } from './tls-material.js';

/** One certificate of a chain, as the expiry needs it. */
export interface ChainLink {
  /** Which CA it is, as caKeyOf says (name and key): a CA re-issued with its old key is the same. */
  ca: string;
  /** SHA-256 fingerprint (any spelling, compared only with the bundle's own). */
  fingerprint: string;
  /** notAfter, ms since the epoch. */
  notAfter: number;
  /** notBefore, ms since the epoch. */
  notBefore: number;
  /** Subject on one line, for the log line that names what expired. */
  subject: string;
  /** Whether it is its own issuer (a root: the chain ends there). */
  selfIssued: boolean;
  /**
   * Set on the link where the gateway lost the chain: no certificate it can see (those of
   * Node's chain, the bundle's) both names this link's issuer and verifies its signature, so
   * the chain OpenSSL verified went through one the gateway cannot read (verified-chain.ts).
   * The walk ends there, and the link counts as expired at the handshake.
   */
  unplaced?: true;
}

/** When a chain stops being valid, and which certificate of it expires first. */
export interface ChainExpiry {
  /** ms since the epoch: valid before this instant (OpenSSL counts notAfter itself as expired). */
  notAfter: number;
  /** 0: the client's own certificate; 1: the CA above it, and so on. */
  depth: number;
  /** That certificate's subject. */
  subject: string;
}

/**
 * The expiry of a verified chain (`chain[0]` the client's certificate, then its issuers as the
 * handshake found them) against the bundle it was verified with, at `now`. The client's own
 * certificate counts with its own dates. A CA of the chain that the bundle holds (by name and key:
 * caKeyOf) counts with the latest notAfter of the bundle's certificates of that CA valid at `now`,
 * as OpenSSL verifies with the trusted copy (a renewed root, an intermediate re-signed) rather
 * than an older one the client sent; one the bundle does not hold, with its own. The walk ends at
 * a self-issued certificate, or with `partialChain` at the first certificate of the bundle (the
 * anchor: what the client sent above it was not part of the verified chain). A chain the gateway
 * could not place (a link marked `unplaced`) expires at `now`: the connection is cut at once, as
 * one whose chain leads to no CA of the bundle is at a reload (ca-trust.ts), rather than kept
 * on dates of certificates that may not be the ones OpenSSL verified.
 */
export function chainExpiry(chain: readonly ChainLink[], bundle: readonly ChainLink[], partialChain: boolean, now: number): ChainExpiry | undefined {
  let first: ChainExpiry | undefined;
  for (let depth = 0; depth < chain.length; depth++) {
    const link = chain[depth] as ChainLink;
    const trusted = depth === 0 ? bundle.filter((b) => b.fingerprint === link.fingerprint) : bundle.filter((b) => b.ca === link.ca);
    const valid = trusted.filter((b) => b.notBefore <= now && now < b.notAfter);
    const notAfter = link.unplaced ? Math.min(now, link.notAfter) : depth > 0 && valid.length > 0 ? Math.max(...valid.map((b) => b.notAfter)) : link.notAfter;
    if (!first || notAfter < first.notAfter) first = { notAfter, depth, subject: link.subject };
    if (link.unplaced || link.selfIssued || (partialChain && trusted.length > 0)) break;
  }
  return first;
}

/** A certificate as a ChainLink. */
export function chainLink(cert: X509Certificate): ChainLink {
  return {
    ca: caKeyOf(cert),
    fingerprint: cert.fingerprint256,
    notAfter: Date.parse(cert.validTo),
    notBefore: Date.parse(cert.validFrom),
    subject: cert.subject.replace(/\n/g, ', '),
    selfIssued: cert.checkIssued(cert),
  };
}

/** Per bundle (TlsMaterial.caCerts), its links: made once, not at every handshake. */
const bundles = new WeakMap<readonly X509Certificate[], readonly ChainLink[]>();

/** The links of a CA bundle. */
export function bundleLinks(caCerts: readonly X509Certificate[]): readonly ChainLink[] {
  let links = bundles.get(caCerts);
  if (!links) bundles.set(caCerts, (links = caCerts.map(chainLink)));
  return links;
}

/**
 * The links of certificates seen in handshakes before, by SHA-256 fingerprint. A link is a
 * function of the certificate's DER alone, which its fingerprint names, and making one (a parse,
 * the CA's name and key) was about a quarter of the gateway's CPU per new connection; clients
 * present the same few certificates over and over.
 */
const seenLinks = new BoundedMap<string, ChainLink>(4096);

/**
 * The most characters of a link's names (`subject` and `ca`) for it to be kept in seenLinks;
 * real names are a few hundred. Node's chain holds whatever the client sent that matches by name
 * (OpenSSL's X509_check_issued checks no signature), so a client with any valid certificate can
 * send made-up 'issuers' with names tens of KiB long, different at each handshake: kept, 4096 of
 * them pinned hundreds of MiB of the gateway's heap for good (rev-fix30). Such a link is made
 * for its handshake only, as every link was before the cache.
 */
export const MAX_KEPT_LINK_CHARS = 2048;

function linkOf(cert: DetailedPeerCertificate): ChainLink {
  const kept = seenLinks.get(cert.fingerprint256);
  if (kept) return kept;
  const link = Object.freeze(chainLink(new X509Certificate(cert.raw)));
  return link.subject.length + link.ca.length <= MAX_KEPT_LINK_CHARS ? seenLinks.set(cert.fingerprint256, link) : link;
}

/**
 * The chain of a verified connection, as Node reports it (`getPeerCertificate(true)`): the
 * client's certificate, then each issuer (those the client sent, then the bundle's), up to a
 * self-issued one. At most 16 links.
 */
export function peerChain(peer: DetailedPeerCertificate): ChainLink[] {
  const links: ChainLink[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = peer;
  while (cert?.raw && !seen.has(cert.fingerprint256) && links.length < 16) {
    seen.add(cert.fingerprint256);
    links.push(linkOf(cert));
    cert = cert.issuerCertificate;
  }
  return links;
}
