import { describe, expect, it } from 'vitest';
import { crlLockouts, lockoutCounts } from '../../../src/runtime/crl-lockouts.js';
import type { CrlInfo } from '../../../src/server/crl.js';

const at = (s: string) => new Date(`2026-12-0${s}T00:00:00Z`);
const crl = (ca: string, from: string, until: string): CrlInfo => ({ issuer: `CN=${ca}`, ca, thisUpdate: at(from), nextUpdate: at(until), tbsHash: `${ca}${from}`, block: '' });

describe('crlLockouts: the CAs whose every client the CRL state refuses (rev-crl F3, F4)', () => {
  it.each([
    ['every CA with a valid CRL', [], [crl('a', '2', '8')], []],
    ['a CA without a CRL', ['CN=b'], [crl('a', '2', '8')], [{ reason: 'no-crl', ca: 'CN=b' }]],
    ['an expired CRL (installed by a reload: fail closed, but said)', [], [crl('a', '2', '4')], [{ reason: 'crl-expired', ca: 'CN=a', at: at('4') }]],
    ['a CRL not valid yet', [], [crl('a', '6', '8')], [{ reason: 'crl-not-yet-valid', ca: 'CN=a', at: at('6') }]],
    ['two CRLs of a CA, one valid: not locked out', [], [crl('a', '1', '3'), crl('a', '2', '8')], []],
  ] as const)('%s', (_name, gaps, crls, want) => {
    const got = crlLockouts(gaps, crls, at('5'));
    expect(got).toEqual(want);
    expect(lockoutCounts(got)['no-crl']).toBe(want.filter((w) => w.reason === 'no-crl').length);
  });
});
