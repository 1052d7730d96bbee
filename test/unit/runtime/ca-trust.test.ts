/**
 * The sweep after a CA bundle change: real TLS connections verified against root +
 * intermediate, identities bound as the listener binds them; then bundles that keep, drop or
 * replace CAs.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { splitPem } from '../../../src/server/tls-material.js';
import { closeUntrustedConnections } from '../../../src/server/ca-trust.js';
import { cutReason } from '../../../src/server/connection-cuts.js';
import { leaf, makeChain, sweepOpen } from '../server/tls-chain.js';

describe('closeUntrustedConnections', async () => {
  const chain = await makeChain();
  const other = await makeChain();
  const alice = await leaf(chain.root, 'alice', '0a01');
  const bob = await leaf(chain.int, 'bob', '0b02');
  const handshake = await chain.material();
  const bundle = (...pems: string[]) => ({ caCerts: pems.flatMap((pem) => splitPem(pem)).map((pem) => new X509Certificate(pem)) });

  /** The sweep's count and the names it closed; each closed connection must be marked `untrusted`, no open one at all. */
  const sweep = async (next: { caCerts: X509Certificate[] }, partialChain = false) => {
    const marks: unknown[] = [];
    const swept = await sweepOpen(handshake, chain.root.certPem, [alice, bob], (open) => {
      const closed = closeUntrustedConnections(open, handshake, next, partialChain);
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
  ])('%s', async (_label, next, want: string[]) => {
    expect(await sweep(next())).toEqual({ closed: want.length, names: want });
  });

  it('with partialChain, the root dropped: the intermediate\'s client stays (the intermediate is an anchor), the root\'s goes', async () => {
    expect(await sweep(bundle(chain.int.certPem), true)).toEqual({ closed: 1, names: ['alice'] });
  });
});
