/**
 * The sweep after a CA bundle change: real TLS connections verified against root +
 * intermediate, identities bound as the listener binds them; then bundles that keep, drop or
 * replace CAs. A CA re-issued with its old name and key is the same anchor, for the Docker
 * listener's sweep and for the admin listener's (closeUntrustedPeers) alike.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { splitPem } from '../../../src/server/tls-material.js';
import { closeUntrustedConnections, closeUntrustedPeers } from '../../../src/server/ca-trust.js';
import { cutReason } from '../../../src/server/connection-cuts.js';
import { identityOf } from '../../../src/server/peer-identity.js';
import { leaf, makeChain, reissue, sweepOpen } from '../server/tls-chain.js';

describe('closeUntrustedConnections', async () => {
  const chain = await makeChain();
  // Its root has the name of chain's root (tls-chain.ts), with another key.
  const other = await makeChain();
  const renewedRoot = await reissue(chain.root);
  const renewedInt = await reissue(chain.int, chain.root);
  const alice = await leaf(chain.root, 'alice', '0a01');
  const bob = await leaf(chain.int, 'bob', '0b02');
  const handshake = await chain.material();
  const bundle = (...pems: string[]) => ({ caCerts: pems.flatMap((pem) => splitPem(pem)).map((pem) => new X509Certificate(pem)) });

  /** The sweep's count and the names it closed; each closed connection must be marked `untrusted`, no open one at all. */
  const sweep = async (next: { caCerts: X509Certificate[] }, partialChain = false, listener: 'docker' | 'admin' = 'docker') => {
    const marks: unknown[] = [];
    const swept = await sweepOpen(handshake, chain.root.certPem, [alice, bob], (open) => {
      const closed =
        listener === 'docker'
          ? closeUntrustedConnections(open, handshake, next, partialChain)
          : closeUntrustedPeers(new Map([...open].map((s) => [s, identityOf(s)?.fingerprint ?? ''])), handshake, next);
      for (const socket of open) marks.push(socket.destroyed === (cutReason(socket) === 'untrusted') ? 'ok' : `${String(socket.destroyed)}/${String(cutReason(socket))}`);
      return closed;
    });
    expect(marks).toEqual(['ok', 'ok']);
    return swept;
  };

  it.each([
    ['the same bundle: nothing is checked', () => bundle(chain.int.bundlePem), []],
    ['the same CAs in another order', () => bundle(chain.root.certPem, chain.int.certPem), []],
    ['the intermediate dropped: its client goes, the root\'s stays', () => bundle(chain.root.certPem), ['bob']],
    ['the root dropped: no chain ends at a self-signed CA any more, everyone goes (as new handshakes fail)', () => bundle(chain.int.certPem), ['alice', 'bob']],
    ['another CA altogether (certs init --force): everyone goes', () => bundle(other.root.certPem), ['alice', 'bob']],
    ['another CA of the root\'s name with another key, with the intermediate: everyone goes', () => bundle(chain.int.certPem, other.root.certPem), ['alice', 'bob']],
    ['the root renewed with its old key and name (a new certificate): the same anchor, everyone stays', () => bundle(chain.int.certPem, renewedRoot), []],
    ['the intermediate renewed with its old key and name: everyone stays', () => bundle(renewedInt, chain.root.certPem), []],
    ['both renewed: everyone stays', () => bundle(renewedInt, renewedRoot), []],
    ['the intermediate renewed, the root dropped: everyone goes', () => bundle(renewedInt), ['alice', 'bob']],
  ])('%s', async (_label, next, want: string[]) => {
    expect(await sweep(next())).toEqual({ closed: want.length, names: want });
  });

  it.each([
    ['the intermediate dropped: its client goes', () => bundle(chain.root.certPem), ['bob']],
    ['another CA of the root\'s name with another key: everyone goes', () => bundle(chain.int.certPem, other.root.certPem), ['alice', 'bob']],
    ['the root renewed with its old key and name: everyone stays', () => bundle(chain.int.certPem, renewedRoot), []],
    ['both renewed: everyone stays', () => bundle(renewedInt, renewedRoot), []],
  ])('the admin listener (closeUntrustedPeers), %s', async (_label, next, want: string[]) => {
    expect(await sweep(next(), false, 'admin')).toEqual({ closed: want.length, names: want });
  });

  it.each([
    ['the root dropped: the intermediate\'s client stays (the intermediate is an anchor), the root\'s goes', () => bundle(chain.int.certPem), ['alice']],
    ['the root dropped, the intermediate renewed with its old key and name: the same', () => bundle(renewedInt), ['alice']],
  ])('with partialChain, %s', async (_label, next, want: string[]) => {
    expect(await sweep(next(), true)).toEqual({ closed: want.length, names: want });
  });
});
