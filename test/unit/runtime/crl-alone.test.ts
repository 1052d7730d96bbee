import { describe, expect, it } from 'vitest';
import { withRevocationsOf, type CrlAlone } from '../../../src/runtime/crl-alone.js';
import type { TlsMaterial } from '../../../src/server/tls-material.js';

// rev-reload F2: a CRL applied alone adds revocations, never removes any, and not twice.
describe('withRevocationsOf', () => {
  const material = (revocations: Array<[string, string[]]>): TlsMaterial =>
    ({ revocations: revocations.map(([ca, s]) => ({ ca, serials: new Set(s) })), revokedSerials: new Set(revocations.flatMap(([, s]) => s)) }) as unknown as TlsMaterial;
  const alone = (revocations: Array<[string, string[]]>): CrlAlone => ({ crls: [], revocations: revocations.map(([ca, s]) => ({ ca, serials: new Set(s) })) });
  it.each([
    ['a new serial is added', [['a', ['01']]], [['a', ['01', '02']]], 2, ['01', '02']],
    ['the same revocations again add nothing', [['a', ['01']]], [['a', ['01']]], 1, ['01']],
    ['an empty CRL lifts nothing', [['a', ['01']]], [['a', []]], 1, ['01']],
    ['another CA', [['a', ['01']]], [['b', ['01']]], 2, ['01']],
  ] as const)('%s', (_name, current, loaded, entries, serials) => {
    const next = withRevocationsOf(material(current as unknown as Array<[string, string[]]>), alone(loaded as unknown as Array<[string, string[]]>));
    expect(next.revocations).toHaveLength(entries);
    expect([...next.revokedSerials].sort()).toEqual(serials);
  });
});
