/**
 * verifiedChain over a root rollover, with real handshakes: tls.ca holds the old root and the
 * intermediate it signed (both about to expire) and a new root with its own copy of that
 * intermediate (same name and key). Once the old ones expire, OpenSSL verifies a new handshake
 * through the new root; the chain must follow it, not stay the one found before.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { createCa } from '../../../src/pki/ca.js';
import { createIntermediateCa } from '../../../src/pki/intermediate-ca.js';
import { bundleLinks, chainExpiry, peerChain } from '../../../src/server/chain-expiry.js';
import { loadTlsMaterial } from '../../../src/server/tls-material.js';
import { verifiedChain } from '../../../src/server/verified-chain.js';
import { connect, leaf, listen, reissue } from './tls-chain.js';

/** What the listener saw of one connection: its chain's subjects and when it is cut, by verifiedChain and by Node's chain. */
interface Seen {
  verified: string[];
  node: string[];
  cutAt: number | undefined;
  nodeCutAt: number | undefined;
}

describe('verifiedChain over a root rollover', () => {
  it('follows the new root once the old root and its intermediate have expired', async () => {
    const created = new Date();
    const oldRoot = await createCa({ keyType: 'ecdsa', days: 30, now: created, name: [{ CN: ['old root'] }] });
    const newRoot = await createCa({ keyType: 'ecdsa', days: 30, now: created, name: [{ CN: ['new root'] }] });
    const int = await createIntermediateCa(oldRoot, { commonName: 'team CA', keyType: 'ecdsa', days: 30, now: created });
    const server = await leaf(newRoot, 'localhost', '5e', 'server');
    const alice = await leaf(int, 'alice', '1a');
    const now = Date.now();
    const soon = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_000) };
    const long = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 20 * 86_400_000) };
    // The old chain first: OpenSSL (and the walk) take the first valid copy in the bundle's order.
    const bundle = [await reissue(int, oldRoot, soon), await reissue(oldRoot, oldRoot, soon), await reissue(int, newRoot, long), newRoot.certPem].join('');
    const dir = await mkdtemp(join(tmpdir(), 'dockgate-rollover-'));
    afterAll(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'ca.pem'), bundle);
    await writeFile(join(dir, 'cert.pem'), server.certPem);
    await writeFile(join(dir, 'key.pem'), server.keyPem);
    const material = await loadTlsMaterial({ ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), partialChain: false });
    const seen: Seen[] = [];
    const listener = await listen(material, (socket: TLSSocket) => {
      const at = Date.now();
      const verified = verifiedChain(socket, socket.getPeerCertificate(), material.caCerts);
      const node = peerChain(socket.getPeerCertificate(true));
      const bundleLinksNow = bundleLinks(material.caCerts);
      seen.push({
        verified: verified.map((l) => l.subject),
        node: node.map((l) => l.subject),
        cutAt: chainExpiry(verified, bundleLinksNow, false, at)?.notAfter,
        nodeCutAt: chainExpiry(node, bundleLinksNow, false, at)?.notAfter,
      });
    });
    const handshake = async (): Promise<Seen> => {
      const n = seen.length + 1;
      const socket = await connect(listener.port, newRoot.certPem, alice);
      socket.on('error', () => {});
      for (let i = 0; seen.length < n && i < 2000; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      socket.destroy();
      return seen[n - 1] as Seen;
    };
    try {
      const before = await handshake();
      expect(before.verified).toEqual(['CN=alice', 'CN=team CA, O=dockgate', 'CN=old root']);
      expect(before.cutAt).toBe(Math.floor(soon.notAfter.getTime() / 1000) * 1000);
      while (Date.now() < soon.notAfter.getTime() + 1000) await new Promise((resolve) => setTimeout(resolve, 100));
      const after = await handshake();
      expect(listener.refused).toEqual([]);
      expect(after.node).toEqual(['CN=alice', 'CN=team CA, O=dockgate', 'CN=new root']);
      expect(after.verified).toEqual(after.node);
      expect(after.cutAt).toBe(after.nodeCutAt);
      expect(after.cutAt).toBeGreaterThan(Date.now());
    } finally {
      await listener.close();
    }
  });
});
