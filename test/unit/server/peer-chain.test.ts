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
import { chainLink, peerChain } from '../../../src/server/chain-expiry.js';
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
});
