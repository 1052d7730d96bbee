/**
 * The sweep after a CA bundle change: real TLS connections verified against root +
 * intermediate, identities bound as the listener binds them; then bundles that keep, drop or
 * replace CAs. A CA re-issued with its old name and key is the same anchor, for the Docker
 * listener's sweep and for the admin listener's (closeUntrustedPeers) alike, while the renewal
 * is within its validity. Each row's answer is checked against real handshakes with the new
 * bundle: the sweep closes exactly the clients OpenSSL refuses.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCa } from '../../../src/pki/ca.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import { closeUntrustedConnections, closeUntrustedPeers } from '../../../src/server/ca-trust.js';
import { cutReason } from '../../../src/server/connection-cuts.js';
import { identityOf } from '../../../src/server/peer-identity.js';
import type { TlsMaterial } from '../../../src/server/tls-material.js';
import { splitPem } from '../../../src/server/tls-material-files.js';
import { connect, leaf, listen, makeChain, reissue, sweepOpen, type Pair } from '../server/tls-chain.js';

const DAY = 86_400_000;
const EXPIRED = { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 30 * DAY) };
const NOT_YET_VALID = { notBefore: new Date(Date.now() + 30 * DAY), notAfter: new Date(Date.now() + 400 * DAY) };

describe('closeUntrustedConnections', async () => {
  const chain = await makeChain();
  // Its root has the name of chain's root (tls-chain.ts), with another key.
  const other = await makeChain();
  const renewedRoot = await reissue(chain.root);
  const renewedInt = await reissue(chain.int, chain.root);
  // Renewals with the old name and key that OpenSSL refuses for their dates: one long expired,
  // one staged ahead.
  const expiredRoot = await reissue(chain.root, chain.root, EXPIRED);
  const stagedRoot = await reissue(chain.root, chain.root, NOT_YET_VALID);
  const expiredInt = await reissue(chain.int, chain.root, EXPIRED);
  const stagedInt = await reissue(chain.int, chain.root, NOT_YET_VALID);
  const alice = await leaf(chain.root, 'alice', '0a01');
  const bob = await leaf(chain.int, 'bob', '0b02');
  // bob sending his intermediate with his certificate, for a bundle without it.
  const bobWithInt = { ...bob, certPem: bob.certPem + chain.int.certPem };
  const handshake = await chain.material();
  const bundle = (pems: string[]) => ({ caCerts: pems.flatMap((pem) => splitPem(pem)).map((pem) => new X509Certificate(pem)) });

  /** The sweep's count and the names it closed; each closed connection must be marked `untrusted`, no open one at all. */
  const sweep = async (pems: string[], partialChain: boolean, listener: 'docker' | 'admin', from: TlsMaterial, clients: Pair[]) => {
    const next = bundle(pems);
    const marks: unknown[] = [];
    const swept = await sweepOpen(from, chain.root.certPem, clients, (open) => {
      const closed =
        listener === 'docker'
          ? closeUntrustedConnections(open, from, next, partialChain)
          : closeUntrustedPeers(new Map([...open].map((s) => [s, identityOf(s)?.fingerprint ?? ''])), from, next);
      for (const socket of open) marks.push(socket.destroyed === (cutReason(socket) === 'untrusted') ? 'ok' : `${String(socket.destroyed)}/${String(cutReason(socket))}`);
      return closed;
    });
    expect(marks).toEqual(['ok', 'ok']);
    return swept;
  };

  /** The clients a new handshake with `pems` as the CA bundle refuses (TLS 1.2: the refusal is part of it), by name. */
  const refused = async (pems: string[], partialChain: boolean, clients: Pair[]) => {
    const server = await listen(await chain.material(undefined, pems.join('')), () => {}, partialChain);
    try {
      const names: string[] = [];
      for (const client of clients) {
        const ok = await connect(server.port, chain.root.certPem, client, { maxVersion: 'TLSv1.2' }).then(
          (s) => (s.destroy(), true),
          () => false,
        );
        if (!ok) names.push(new X509Certificate(client.certPem).subject.replace(/^CN=/, ''));
      }
      return names;
    } finally {
      await server.close();
    }
  };

  /** The sweep closes `want`, and a new handshake with the same bundle refuses exactly them. */
  const check = async (pems: string[], want: string[], partialChain = false, listener: 'docker' | 'admin' = 'docker', from = handshake, clients = [alice, bob]) => {
    expect(await sweep(pems, partialChain, listener, from, clients)).toEqual({ closed: want.length, names: want });
    expect(await refused(pems, partialChain, clients)).toEqual(want);
  };

  it.each([
    ['the same bundle: nothing is checked', () => [chain.int.bundlePem], []],
    ['the same CAs in another order', () => [chain.root.certPem, chain.int.certPem], []],
    ['the intermediate dropped: its client goes, the root\'s stays', () => [chain.root.certPem], ['bob']],
    ['the root dropped: no chain ends at a self-signed CA any more, everyone goes (as new handshakes fail)', () => [chain.int.certPem], ['alice', 'bob']],
    ['another CA altogether (certs init --force): everyone goes', () => [other.root.certPem], ['alice', 'bob']],
    ['another CA of the root\'s name with another key, with the intermediate: everyone goes', () => [chain.int.certPem, other.root.certPem], ['alice', 'bob']],
    ['the root renewed with its old key and name (a new certificate): the same anchor, everyone stays', () => [chain.int.certPem, renewedRoot], []],
    ['the intermediate renewed with its old key and name: everyone stays', () => [renewedInt, chain.root.certPem], []],
    ['both renewed: everyone stays', () => [renewedInt, renewedRoot], []],
    ['the intermediate renewed, the root dropped: everyone goes', () => [renewedInt], ['alice', 'bob']],
    ['the root renewed with its old key and name but expired: everyone goes (CERT_HAS_EXPIRED)', () => [chain.int.certPem, expiredRoot], ['alice', 'bob']],
    ['the root renewed with its old key and name but not valid yet (staged ahead): everyone goes (CERT_NOT_YET_VALID)', () => [chain.int.certPem, stagedRoot], ['alice', 'bob']],
    ['the intermediate renewed with its old key and name but expired: its client goes', () => [expiredInt, chain.root.certPem], ['bob']],
    ['the intermediate renewed with its old key and name but not valid yet: its client goes', () => [stagedInt, chain.root.certPem], ['bob']],
    ['an expired renewal of the root beside the old root: everyone stays (OpenSSL takes the valid one)', () => [chain.int.bundlePem, expiredRoot], []],
    ['an expired renewal of the intermediate beside the old one: everyone stays', () => [expiredInt, chain.int.bundlePem], []],
  ])('%s', async (_label, next, want: string[]) => {
    await check(next(), want);
  });

  it.each([
    ['the intermediate dropped: its client goes', () => [chain.root.certPem], ['bob']],
    ['another CA of the root\'s name with another key: everyone goes', () => [chain.int.certPem, other.root.certPem], ['alice', 'bob']],
    ['the root renewed with its old key and name: everyone stays', () => [chain.int.certPem, renewedRoot], []],
    ['both renewed: everyone stays', () => [renewedInt, renewedRoot], []],
    ['the root renewed but expired: everyone goes', () => [chain.int.certPem, expiredRoot], ['alice', 'bob']],
    ['the intermediate renewed but not valid yet: its client goes', () => [stagedInt, chain.root.certPem], ['bob']],
  ])('the admin listener (closeUntrustedPeers), %s', async (_label, next, want: string[]) => {
    // Its handshakes are not in partial-chain mode.
    await check(next(), want, false, 'admin');
  });

  it.each([
    ['the root dropped: the intermediate\'s client stays (the intermediate is an anchor), the root\'s goes', () => [chain.int.certPem], ['alice']],
    ['the root dropped, the intermediate renewed with its old key and name: the same', () => [renewedInt], ['alice']],
    ['the intermediate renewed but expired, with the root: its client goes (the renewal is no anchor)', () => [expiredInt, chain.root.certPem], ['bob']],
    ['the root renewed but expired, with the intermediate: the root\'s client goes, the intermediate\'s stays (its anchor)', () => [chain.int.certPem, expiredRoot], ['alice']],
  ])('with partialChain, %s', async (_label, next, want: string[]) => {
    await check(next(), want, true);
  });

  it('a pinned client certificate dropped from the bundle while its CA stays: she stays (partialChain)', async () => {
    const before = bundle([chain.int.bundlePem, alice.certPem]);
    const after = bundle([chain.int.bundlePem]);
    const swept = await sweepOpen(handshake, chain.root.certPem, [alice, bob], (open) => closeUntrustedConnections(open, before, after, true));
    expect(swept).toEqual({ closed: 0, names: [] });
    expect(await refused([chain.int.bundlePem], true, [alice, bob])).toEqual([]);
  });

  it.each([
    ['docker' as const],
    ['admin' as const],
  ])('%s: the root replaced by a cross-certificate of it (its name and key, issued by a CA not in the bundle): everyone goes', async (listener) => {
    const q = await createCa({ keyType: 'ecdsa', days: 30, now: new Date(), hostname: 'q' });
    const crossRoot = await reissue(chain.root, q);
    await check([chain.int.certPem, crossRoot], ['alice', 'bob'], false, listener);
  });

  it.each([
    ['docker' as const],
    ['admin' as const],
  ])('%s: the root replaced by a certificate of its name and key self-signed by another key: everyone stays (OpenSSL does not check an anchor\'s own signature)', async (listener) => {
    const q = await createCa({ keyType: 'ecdsa', days: 30, now: new Date(), hostname: 'q' });
    const badlySigned = await x509.X509CertificateGenerator.create({
      serialNumber: '7a02', subject: chain.root.cert.subjectName, issuer: chain.root.cert.subjectName,
      publicKey: chain.root.cert.publicKey, signingKey: q.key, signingAlgorithm: q.algorithm.signing,
      notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 20 * DAY), extensions: chain.root.cert.extensions,
    });
    await check([chain.int.certPem, badlySigned.toString('pem') + '\n'], [], false, listener);
  });

  it('the root replaced by a CA of another name with the root\'s key (a renamed root): everyone goes', async () => {
    const renamed = await x509.X509CertificateGenerator.create({
      serialNumber: '7a01', subject: 'CN=renamed root, O=dockgate', issuer: 'CN=renamed root, O=dockgate',
      publicKey: chain.root.cert.publicKey, signingKey: chain.root.key, signingAlgorithm: chain.root.algorithm.signing,
      notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 20 * DAY), extensions: chain.root.cert.extensions,
    });
    await check([chain.int.certPem, renamed.toString('pem') + '\n'], ['alice', 'bob']);
  });

  it.each([
    ['renewed with its old key and name: he stays', () => [renewedInt, chain.root.certPem], []],
    ['renewed but expired: he goes, though he sends a valid one (OpenSSL takes the bundle\'s and refuses it)', () => [expiredInt, chain.root.certPem], ['bob']],
  ])('a client sending his intermediate, which the bundle did not hold, then the intermediate added to it %s', async (_label, next, want: string[]) => {
    await check(next(), want, false, 'docker', await chain.material(undefined, chain.root.certPem), [alice, bobWithInt]);
  });
});
