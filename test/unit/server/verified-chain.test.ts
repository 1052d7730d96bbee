/**
 * verifiedChain over real TLS: the chain a connection was verified with, from tls.ca when a CA
 * of it issued the client's certificate (kept per certificate and bundle), else built by
 * signature from Node's full chain (verified-chain-sent.test.ts); a made-up CA of the real one's
 * name that the client sends along does not take its place.
 */
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it, vi } from 'vitest';
import { generateKeyPair } from '../../../src/pki/key-pair.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import { bundleLinks, chainLink, peerChain, type ChainLink } from '../../../src/server/chain-expiry.js';
import type { TlsMaterial } from '../../../src/server/tls-material.js';
import { bundleChain, verifiedChain } from '../../../src/server/verified-chain.js';
import { connect, leaf, listen, makeChain, type Pair } from './tls-chain.js';

interface Seen {
  verified: readonly ChainLink[];
  /** Node's full chain, as the listener read it before. */
  node: ChainLink[];
}

/** Connect each of `clients` in turn to a listener with `material`; the chains of each connection. */
async function chainsOf(material: TlsMaterial, ca: string, clients: Pair[]): Promise<Seen[]> {
  const seen: Seen[] = [];
  const server = await listen(material, (socket: TLSSocket) => {
    seen.push({ verified: verifiedChain(socket, socket.getPeerCertificate(), material.caCerts), node: peerChain(socket.getPeerCertificate(true)) });
  });
  try {
    for (const client of clients) {
      const socket = await connect(server.port, ca, client);
      socket.on('error', () => {});
      const n = seen.length + 1;
      for (let i = 0; seen.length < n && i < 2000; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      socket.destroy();
    }
    expect(server.refused).toEqual([]);
    return seen;
  } finally {
    await server.close();
  }
}

/** The link of a PEM certificate. */
function linkOfPem(pem: string): ChainLink {
  return chainLink(new X509Certificate(pem));
}

describe('verifiedChain', () => {
  it('is the client, then the CAs of tls.ca above it, as Node reads it; found once per certificate and bundle', async () => {
    const chain = await makeChain();
    const material = await chain.material();
    const alice = await leaf(chain.int, 'alice', '1a');
    const bob = await leaf(chain.int, 'bob', '1b');
    const [first, again, other] = await chainsOf(material, chain.root.certPem, [alice, alice, bob]) as [Seen, Seen, Seen];
    const [int, root] = bundleLinks(material.caCerts).filter((l) => l.subject.startsWith('CN=team CA') || l.selfIssued) as [ChainLink, ChainLink];
    expect(first.verified).toEqual([linkOfPem(alice.certPem), int, root]);
    expect(first.verified).toEqual(first.node);
    expect(again.verified).toBe(first.verified);
    expect(Object.isFrozen(first.verified)).toBe(true);
    expect(other.verified.map((l) => l.subject)).toEqual(['CN=bob', int.subject, root.subject]);
    // The same tls.ca loaded again (a reload): found again in the new bundle, the same links.
    const reloaded = await chain.material();
    const [afterReload] = await chainsOf(reloaded, chain.root.certPem, [alice]) as [Seen];
    expect(afterReload.verified).not.toBe(first.verified);
    expect(afterReload.verified).toEqual(first.verified);
  });

  it('a made-up CA of the intermediate\'s name sent along does not stand in for it (Node\'s chain takes it)', async () => {
    const chain = await makeChain();
    const material = await chain.material();
    const alice = await leaf(chain.int, 'alice', '1c');
    // Matched by name only where Node builds its chain: 'issued' alice, valid for 10 years.
    const { keys, algorithm } = await generateKeyPair('ecdsa');
    const fake = (await x509.X509CertificateGenerator.create({
      serialNumber: '02', subject: chain.int.cert.subjectName.toString(), issuer: 'CN=elsewhere', publicKey: keys.publicKey, signingKey: keys.privateKey, signingAlgorithm: algorithm.signing,
      notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3650 * 86_400_000),
    })).toString('pem') + '\n';
    const [seen] = await chainsOf(material, chain.root.certPem, [{ ...alice, certPem: alice.certPem + fake }]) as [Seen];
    const bundle = bundleLinks(material.caCerts);
    expect(seen.node[1]?.fingerprint).toBe(linkOfPem(fake).fingerprint);
    expect(seen.verified.slice(1)).toEqual(bundle.filter((l) => l.subject.startsWith('CN=team CA') || l.selfIssued));
    expect(seen.verified.map((l) => l.fingerprint)).not.toContain(linkOfPem(fake).fingerprint);
  });

  it('an intermediate only the client sends: built from Node\'s chain by signature, kept by its fingerprints', async () => {
    const chain = await makeChain();
    const material = await chain.material(undefined, chain.root.certPem);
    const alice = await leaf(chain.int, 'alice', '1d');
    const intPem = chain.int.bundlePem.split(/(?<=-----END CERTIFICATE-----\n?)/)[0] as string;
    const [seen, again] = await chainsOf(material, chain.root.certPem, [{ ...alice, certPem: alice.certPem + intPem }, { ...alice, certPem: alice.certPem + intPem }]) as [Seen, Seen];
    expect(seen.verified.map((l) => l.subject)).toEqual(['CN=alice', 'CN=team CA, O=dockgate', 'CN=dockgate CA root, O=dockgate']);
    expect(seen.verified).toEqual(seen.node);
    expect(again.verified).toBe(seen.verified);
    // That no CA of the bundle issued it, and the chain built, are kept: a later handshake does not look again.
    const looks = vi.spyOn(X509Certificate.prototype, 'checkIssued');
    try {
      const [later] = await chainsOf(material, chain.root.certPem, [{ ...alice, certPem: alice.certPem + intPem }]) as [Seen];
      expect(later.verified).toEqual(seen.verified);
      expect(looks).not.toHaveBeenCalled();
    } finally {
      looks.mockRestore();
    }
  });

  it('CAs of one name: the one whose key signed', async () => {
    const chain = await makeChain('dockgate CA root');
    const material = await chain.material();
    const alice = await leaf(chain.int, 'alice', '1e');
    const [seen] = await chainsOf(material, chain.root.certPem, [alice]) as [Seen];
    const [int, root] = [chain.int.bundlePem.split(/(?<=-----END CERTIFICATE-----\n?)/)[0] as string, chain.root.certPem].map(linkOfPem) as [ChainLink, ChainLink];
    expect(int.subject).toBe(root.subject);
    expect(seen.verified.map((l) => l.fingerprint)).toEqual([linkOfPem(alice.certPem).fingerprint, int.fingerprint, root.fingerprint]);
  });
});

describe('bundleChain', () => {
  it('is undefined when no CA of the bundle issued the certificate, the certificate alone when it is its own issuer', async () => {
    const chain = await makeChain();
    const other = await makeChain('other CA');
    const alice = new X509Certificate((await leaf(chain.int, 'alice', '1f')).certPem);
    const otherBundle = [new X509Certificate(other.root.certPem)];
    expect(bundleChain(alice, otherBundle, Date.now())).toBeUndefined();
    const root = new X509Certificate(chain.root.certPem);
    expect(bundleChain(root, otherBundle, Date.now())).toEqual([chainLink(root)]);
  });
});
