/**
 * verifiedChain when no CA of tls.ca issued the client's certificate (the client sends its
 * intermediate), over real TLS: the chain is built by signature, as OpenSSL builds it, from
 * Node's full chain and the bundle, not taken as Node matched it by name. A made-up CA of the
 * intermediate's name (its key copied, dated ahead so that OpenSSL passes it over) sent ahead of
 * the real one does not stand in its place; where Node's chain has no room left for the real
 * one, the chain is unplaced and the connection cut at once. Odd but valid chains still hold.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createCa, type CaSigner } from '../../../src/pki/ca.js';
import { createIntermediateCa } from '../../../src/pki/intermediate-ca.js';
import { generateKeyPair } from '../../../src/pki/key-pair.js';
import { randomSerial } from '../../../src/pki/serial.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import { bundleLinks, chainExpiry, peerChain, type ChainExpiry, type ChainLink } from '../../../src/server/chain-expiry.js';
import { loadTlsMaterial, type TlsMaterial } from '../../../src/server/tls-material.js';
import { verifiedChain } from '../../../src/server/verified-chain.js';
import { connect, leaf, listen, makeChain, reissue, type Pair } from './tls-chain.js';

const DAY = 86_400_000;

/** What the listener saw of one connection. */
interface Seen {
  verified: readonly ChainLink[];
  /** Node's full chain, as the listener read it before. */
  node: ChainLink[];
  /** When the verified chain cuts the connection, as the listener works it out at `at`. */
  expiry: ChainExpiry | undefined;
  at: number;
}

/**
 * Connect as `client` (trusting `serverCa`) to a listener with `material` (in OpenSSL's
 * partial-chain mode with `partialChain`); what it saw, and the handshakes it refused.
 */
async function handshake(material: TlsMaterial, serverCa: string, client: Pair, partialChain = false): Promise<{ seen: Seen | undefined; refused: string[] }> {
  let seen: Seen | undefined;
  const server = await listen(material, (socket: TLSSocket) => {
    const at = Date.now();
    // Node's chain first: verifiedChain may take what the client sent out of the session (sentBy).
    const node = peerChain(socket.getPeerCertificate(true));
    const verified = verifiedChain(socket, socket.getPeerCertificate(), material.caCerts);
    seen = { verified, node, expiry: chainExpiry(verified, bundleLinks(material.caCerts), partialChain, at), at };
  }, partialChain);
  try {
    const socket = await connect(server.port, serverCa, client).catch(() => undefined);
    socket?.on('error', () => {});
    for (let i = 0; !seen && server.refused.length === 0 && i < 2000; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    socket?.destroy();
    return { seen, refused: server.refused };
  } finally {
    await server.close();
  }
}

/** The fingerprints of PEM certificates, as the links name them. */
const prints = (...pems: string[]): string[] => pems.map((pem) => new X509Certificate(pem).fingerprint256);

/** The fingerprints of links. */
const printsOf = (links: readonly ChainLink[]): string[] => links.map((l) => l.fingerprint);

/** A client of `ca` whose certificate outlives every CA of the chains here (30 days), so that a CA's date decides the cut. */
const longLeaf = (ca: CaSigner, serial: string): Promise<Pair> => leaf(ca, 'alice', serial, 'client', ca.cert.subjectName.toString(), { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 60 * DAY) });

/**
 * A made-up CA of `real`'s name with `real`'s public key copied (so it 'verifies' what `real`
 * signed), signed by a key of its own, valid from tomorrow for ten years (so OpenSSL, which takes
 * a valid issuer first, passes it over), naming `issuer` as its issuer.
 */
async function madeUp(real: CaSigner, issuer: string): Promise<string> {
  const { keys, algorithm } = await generateKeyPair('ecdsa');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(), subject: real.cert.subjectName.toString(), issuer, publicKey: real.cert.publicKey, signingKey: keys.privateKey, signingAlgorithm: algorithm.signing,
    notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 3650 * DAY),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return cert.toString('pem') + '\n';
}

describe('verifiedChain with an intermediate the client sends', () => {
  it('a made-up CA of the intermediate\'s name and key sent ahead of it, which Node takes in its place: unplaced, cut at once', async () => {
    const chain = await makeChain();
    const material = await chain.material(undefined, chain.root.certPem);
    const alice = await longLeaf(chain.int, '2a');
    const fake = await madeUp(chain.int, 'CN=elsewhere');
    const { seen, refused } = await handshake(material, chain.root.certPem, { ...alice, certPem: alice.certPem + fake + chain.int.certPem });
    // OpenSSL verified it through the real intermediate; Node's chain holds the made-up one alone.
    expect(refused).toEqual([]);
    expect(printsOf(seen?.node ?? [])).toEqual(prints(alice.certPem, fake));
    expect(printsOf(seen?.verified ?? [])).toEqual(prints(alice.certPem, fake));
    expect(seen?.verified.map((l) => l.unplaced)).toEqual([undefined, true]);
    expect(seen?.expiry?.depth).toBe(1);
    expect(seen?.expiry?.notAfter).toBeLessThanOrEqual(seen?.at as number);
  });

  it('a made-up CA of the intermediate\'s name and key naming the intermediate: the chain goes through the real one, cut when it expires', async () => {
    const chain = await makeChain();
    const material = await chain.material(undefined, chain.root.certPem);
    const alice = await longLeaf(chain.int, '2b');
    const fake = await madeUp(chain.int, chain.int.cert.subjectName.toString());
    const { seen, refused } = await handshake(material, chain.root.certPem, { ...alice, certPem: alice.certPem + fake + chain.int.certPem });
    expect(refused).toEqual([]);
    // Node's chain: alice, the made-up CA (its own issuer by name: its walk ends there), ...
    expect(printsOf(seen?.node ?? []).slice(0, 2)).toEqual(prints(alice.certPem, fake));
    expect(printsOf(seen?.verified ?? [])).toEqual(prints(alice.certPem, chain.int.certPem, chain.root.certPem));
    expect(seen?.expiry).toEqual({ notAfter: Date.parse(new X509Certificate(chain.int.certPem).validTo), depth: 1, subject: 'CN=team CA, O=dockgate' });
  });

  it.each<[string, (c: { alice: Pair; int: string; root: string }) => string]>([
    ['the client sends the root too', ({ alice, int, root }) => alice.certPem + int + root],
    ['the client sends the root ahead of its intermediate', ({ alice, int, root }) => alice.certPem + root + int],
  ])('%s: the bundle\'s root above the intermediate', async (_name, sent) => {
    const chain = await makeChain();
    const material = await chain.material(undefined, chain.root.certPem);
    const alice = await longLeaf(chain.int, '2c');
    const { seen, refused } = await handshake(material, chain.root.certPem, { ...alice, certPem: sent({ alice, int: chain.int.certPem, root: chain.root.certPem }) });
    expect(refused).toEqual([]);
    expect(printsOf(seen?.verified ?? [])).toEqual(prints(alice.certPem, chain.int.certPem, chain.root.certPem));
    expect(seen?.verified.some((l) => l.unplaced)).toBe(false);
    expect(seen?.expiry?.depth).toBe(1);
  });

  it('two intermediates sent in reverse order (the upper first)', async () => {
    const chain = await makeChain();
    // The upper one without a path length limit (as `certs` makes them, an intermediate has 0).
    const upper = await createCa({ keyType: 'ecdsa', days: 30, now: new Date(), name: [{ CN: ['upper CA'] }] });
    const upperPem = await reissue(upper, chain.root);
    const lower = await createIntermediateCa(upper, { commonName: 'lower CA', keyType: 'ecdsa', days: 10, now: new Date() });
    const material = await chain.material(undefined, chain.root.certPem);
    const alice = await longLeaf(lower, '2d');
    const { seen, refused } = await handshake(material, chain.root.certPem, { ...alice, certPem: alice.certPem + upperPem + lower.certPem });
    expect(refused).toEqual([]);
    // Node's chain stops at the lower one (its match was the last certificate left): what the client sent is read.
    expect(printsOf(seen?.node ?? [])).toEqual(prints(alice.certPem, lower.certPem));
    expect(printsOf(seen?.verified ?? [])).toEqual(prints(alice.certPem, lower.certPem, upperPem, chain.root.certPem));
    expect(seen?.expiry).toMatchObject({ depth: 1, subject: 'CN=lower CA, O=dockgate' });
    // Read once: the chain found is kept for Node's chain (that read takes the certificates out of the session).
    const again = await handshake(material, chain.root.certPem, { ...alice, certPem: alice.certPem + upperPem + lower.certPem });
    expect(again.seen?.verified).toBe(seen?.verified);
  });

  it.each<[string, boolean]>([
    ['a cross-signed root: the intermediate, its root as the bundle\'s root signed it, that root', false],
    ['a cross-signed root, the bundle holding both roots: the root of the bundle that issued the intermediate (trusted first), as OpenSSL', true],
  ])('%s', async (_name, bothRoots) => {
    const chain = await makeChain();
    const other = await createCa({ keyType: 'ecdsa', days: 30, now: new Date(), name: [{ CN: ['other root'] }] });
    const material = await chain.material(undefined, other.certPem + (bothRoots ? chain.root.certPem : ''));
    const alice = await longLeaf(chain.int, '2e');
    const cross = await reissue(chain.root, other);
    const { seen, refused } = await handshake(material, chain.root.certPem, { ...alice, certPem: alice.certPem + chain.int.certPem + cross });
    expect(refused).toEqual([]);
    expect(printsOf(seen?.verified ?? [])).toEqual(bothRoots ? prints(alice.certPem, chain.int.certPem, chain.root.certPem) : prints(alice.certPem, chain.int.certPem, cross, other.certPem));
    expect(seen?.verified.some((l) => l.unplaced)).toBe(false);
  });

  // docs/certificates.md, "Pinning one client certificate": tls.partialChain, the client's own
  // certificate in tls.ca, its issuer not (curl and SDK clients send it). OpenSSL takes it as the
  // trust anchor; with no chain by signature to the bundle, it was marked unplaced and every such
  // connection cut at once after its handshake.
  it('a pinned client certificate whose issuer is not in tls.ca (partialChain): the certificate alone, cut when it expires', async () => {
    const chain = await makeChain();
    const alice = await leaf(chain.int, 'alice', '2f');
    const dir = await mkdtemp(join(tmpdir(), 'dockgate-pinned-'));
    try {
      await writeFile(join(dir, 'ca.pem'), alice.certPem);
      await writeFile(join(dir, 'cert.pem'), chain.server.certPem);
      await writeFile(join(dir, 'key.pem'), chain.server.keyPem);
      const material = await loadTlsMaterial({ ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), partialChain: true });
      const { seen, refused } = await handshake(material, chain.root.certPem, alice, true);
      expect(refused).toEqual([]);
      expect(printsOf(seen?.verified ?? [])).toEqual(prints(alice.certPem));
      expect(seen?.verified.some((l) => l.unplaced)).toBe(false);
      expect(seen?.expiry).toEqual({ notAfter: Date.parse(new X509Certificate(alice.certPem).validTo), depth: 0, subject: 'CN=alice' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
