/**
 * Which certificate of a verified chain expires first (rev-live F1: a CA of the chain that
 * expires while a connection is open ends it too): the client's own dates, a CA's as the bundle
 * holds it (a renewed copy of the same name and key counts), the anchor where the walk ends.
 */
import { describe, expect, it } from 'vitest';
import { chainExpiry, type ChainExpiry, type ChainLink } from '../../../src/server/chain-expiry.js';

const NOW = 1_000_000;
/** A link: `ca` names the CA (name and key), `fp` the certificate. */
function link(fp: string, ca: string, notAfter: number, opts: { root?: boolean; notBefore?: number } = {}): ChainLink {
  return { ca, fingerprint: fp, notAfter, notBefore: opts.notBefore ?? 0, subject: `CN=${fp}`, selfIssued: opts.root === true };
}

const leaf = (notAfter: number) => link('leaf', 'leaf-key', notAfter);
const int = (notAfter: number, fp = 'int') => link(fp, 'int-key', notAfter);
const root = (notAfter: number, fp = 'root') => link(fp, 'root-key', notAfter, { root: true });

describe('chainExpiry', () => {
  it.each<[string, ChainLink[], ChainLink[], boolean, Pick<ChainExpiry, 'notAfter' | 'depth'>]>([
    ['the client certificate expires first', [leaf(2_000_000), root(9_000_000)], [root(9_000_000)], false, { notAfter: 2_000_000, depth: 0 }],
    ['an intermediate expires before the client certificate', [leaf(5_000_000), int(3_000_000), root(9_000_000)], [int(3_000_000), root(9_000_000)], false, { notAfter: 3_000_000, depth: 1 }],
    ['the root expires first', [leaf(5_000_000), int(6_000_000), root(4_000_000)], [root(4_000_000)], false, { notAfter: 4_000_000, depth: 2 }],
    ['the client sent an old copy of its intermediate; the bundle holds it renewed (same name and key): the bundle\'s counts', [leaf(5_000_000), int(1_500_000, 'int-old'), root(9_000_000)], [int(8_000_000, 'int-new'), root(9_000_000)], false, { notAfter: 5_000_000, depth: 0 }],
    ['a renewal in the bundle not valid yet does not count', [leaf(5_000_000), int(3_000_000), root(9_000_000)], [int(3_000_000), { ...int(8_000_000, 'int-new'), notBefore: NOW + 1 }, root(9_000_000)], false, { notAfter: 3_000_000, depth: 1 }],
    ['an intermediate only the client sent counts with its own dates', [leaf(5_000_000), int(3_000_000), root(9_000_000)], [root(9_000_000)], false, { notAfter: 3_000_000, depth: 1 }],
    ['partialChain: the walk ends at the first certificate of the bundle (what was sent above it was not verified)', [leaf(5_000_000), int(6_000_000), root(1_200_000)], [int(6_000_000)], true, { notAfter: 5_000_000, depth: 0 }],
    ['without partialChain the same chain goes on to the root', [leaf(5_000_000), int(6_000_000), root(1_200_000)], [int(6_000_000), root(1_200_000)], false, { notAfter: 1_200_000, depth: 2 }],
    ['partialChain with the client certificate itself pinned: its own dates', [leaf(5_000_000), int(1_100_000)], [leaf(5_000_000)], true, { notAfter: 5_000_000, depth: 0 }],
    ['a link the gateway could not place (verified-chain.ts): expired at now, nothing above it counts', [leaf(5_000_000), { ...int(9_000_000, 'fake'), unplaced: true }, root(500_000)], [root(500_000)], false, { notAfter: NOW, depth: 1 }],
    ['an unplaced link that expired before now: its own date', [leaf(5_000_000), { ...int(900_000, 'fake'), unplaced: true }], [], false, { notAfter: 900_000, depth: 1 }],
  ])('%s', (_name, chain, bundle, partialChain, want) => {
    const got = chainExpiry(chain, bundle, partialChain, NOW);
    expect(got && { notAfter: got.notAfter, depth: got.depth }).toEqual(want);
  });

  it('names the certificate that expires first', () => {
    expect(chainExpiry([leaf(5_000_000), int(3_000_000), root(9_000_000)], [root(9_000_000)], false, NOW)?.subject).toBe('CN=int');
  });

  it('an empty chain: none', () => {
    expect(chainExpiry([], [], false, NOW)).toBeUndefined();
  });
});
