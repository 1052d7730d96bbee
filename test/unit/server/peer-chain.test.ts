/**
 * peerChain and bindIdentity over real TLS: the chain of a verified connection as links, each the
 * same as made from the certificate itself, and the identity; a certificate seen in an earlier
 * handshake gives the link and the identity made then (once per certificate, not per connection).
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';
import type { Identity } from '../../../src/core/types.js';
import { identityFromCertificate } from '../../../src/identity/identity.js';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../src/pki/key-pair.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import { chainLink, MAX_KEPT_LINK_CHARS, peerChain } from '../../../src/server/chain-expiry.js';
import { bindIdentity } from '../../../src/server/peer-identity.js';
import { connect, leaf, listen, makeChain } from './tls-chain.js';

/** The certificates of a detailed peer certificate, client first. */
function certificates(peer: DetailedPeerCertificate): DetailedPeerCertificate[] {
  const out: DetailedPeerCertificate[] = [];
  for (let c: DetailedPeerCertificate | undefined = peer; c?.raw && !out.includes(c); c = c.issuerCertificate) out.push(c);
  return out;
}

describe('peerChain', () => {
  it('links the client, its intermediate and the root; a certificate seen before gives the same link', async () => {
    const chain = await makeChain();
    const material = await chain.material();
    const peers: DetailedPeerCertificate[] = [];
    const identities: Identity[] = [];
    const server = await listen(material, (socket) => {
      const peer = socket.getPeerCertificate(true);
      identities.push(bindIdentity(socket, peer));
      peers.push(peer);
    });
    try {
      const alice = await leaf(chain.int, 'alice', '0a');
      const bob = await leaf(chain.int, 'bob', '0b');
      // One after the other, each held until the server has its certificate, so the order is known.
      for (const who of [alice, alice, bob]) {
        const socket = await connect(server.port, chain.root.certPem, who);
        socket.on('error', () => {});
        const seen = peers.length + 1;
        for (let i = 0; peers.length < seen && i < 2000; i++) await new Promise((resolve) => setTimeout(resolve, 5));
        socket.destroy();
      }
      expect(server.refused).toEqual([]);
      expect(peers).toHaveLength(3);
      const [first, again, other] = peers.map(peerChain) as [ReturnType<typeof peerChain>, ReturnType<typeof peerChain>, ReturnType<typeof peerChain>];

      expect(first.map((l) => l.subject)).toEqual(['CN=alice', 'CN=team CA, O=dockgate', 'CN=dockgate CA root, O=dockgate']);
      expect(first).toEqual(certificates(peers[0] as DetailedPeerCertificate).map((c) => chainLink(new X509Certificate(c.raw))));
      expect(first.map((l) => l.selfIssued)).toEqual([false, false, true]);
      // The same certificates in a later handshake: the links made at the first.
      first.forEach((link, i) => expect(again[i]).toBe(link));
      // Another client of the same CA: its own link, the CAs' links shared.
      expect(other[0]?.subject).toBe('CN=bob');
      expect(other[0]).not.toBe(first[0]);
      expect(other[1]).toBe(first[1]);
      expect(other[2]).toBe(first[2]);

      // The identity: as made from the certificate alone, the same object for alice's second
      // connection (shared, so frozen), bob's his own.
      expect(identities[0]).toEqual(identityFromCertificate((peers[0] as DetailedPeerCertificate).raw));
      expect(identities[1]).toBe(identities[0]);
      expect(Object.isFrozen(identities[0]) && Object.isFrozen(identities[0]?.groups) && Object.isFrozen(identities[0]?.sans.dns)).toBe(true);
      expect(identities[2]?.name).toBe('bob');
      expect(identities[2]).not.toBe(identities[0]);
    } finally {
      await server.close();
    }
  });

  it('a made-up issuer the client sends along, with a name too long to keep, gets a link per handshake (rev-fix30)', async () => {
    const chain = await makeChain();
    const material = await chain.material();
    const peers: DetailedPeerCertificate[] = [];
    const server = await listen(material, (socket) => peers.push(socket.getPeerCertificate(true)));
    try {
      const alice = await leaf(chain.int, 'alice', '0c');
      // Matched by name only (OpenSSL checks no signature there): 'issued' alice, then 'issued' it.
      const { keys, algorithm } = await generateKeyPair('ecdsa');
      const long: x509.JsonName = [{ CN: ['made up'] }, { OU: Array.from({ length: 100 }, (_, i) => `unit ${i} `.padEnd(60, 'u')) }];
      const made = async (subject: string | x509.JsonName, issuer: string | x509.JsonName) =>
        (await x509.X509CertificateGenerator.create({ serialNumber: '01', subject, issuer, publicKey: keys.publicKey, signingKey: keys.privateKey, signingAlgorithm: algorithm.signing, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) })).toString('pem') + '\n';
      const sent = { ...alice, certPem: alice.certPem + (await made(chain.int.cert.subjectName.toString(), long)) + (await made(long, 'CN=elsewhere')) };
      for (let n = 1; n <= 2; n++) {
        const socket = await connect(server.port, chain.root.certPem, sent);
        socket.on('error', () => {});
        for (let i = 0; peers.length < n && i < 2000; i++) await new Promise((resolve) => setTimeout(resolve, 5));
        socket.destroy();
      }
      // Verified against the real intermediate; Node's chain is the one sent.
      expect(server.refused).toEqual([]);
      const [first, again] = peers.map(peerChain) as [ReturnType<typeof peerChain>, ReturnType<typeof peerChain>];
      expect(first.map((l) => l.subject.slice(0, 16))).toEqual(['CN=alice', 'CN=team CA, O=do', 'CN=made up, OU=u']);
      expect(first).toEqual(certificates(peers[0] as DetailedPeerCertificate).map((c) => chainLink(new X509Certificate(c.raw))));
      const big = first[2] as ReturnType<typeof peerChain>[number];
      expect(big.subject.length + big.ca.length).toBeGreaterThan(MAX_KEPT_LINK_CHARS);
      // The short names are kept; the long one is made again, the same link.
      expect(again[0]).toBe(first[0]);
      expect(again[1]).toBe(first[1]);
      expect(again[2]).toEqual(big);
      expect(again[2]).not.toBe(big);
    } finally {
      await server.close();
    }
  });
});
