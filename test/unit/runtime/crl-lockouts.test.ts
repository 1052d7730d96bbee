import { describe, expect, it } from 'vitest';
import { crlLockouts, expiredCrlCas, lockoutCounts, lockoutMessage, nextCrlExpiry } from '../../../src/runtime/crl-lockouts.js';
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
    // Clients get in by themselves at the earliest thisUpdate (OpenSSL takes a CRL valid then).
    ['two CRLs not valid yet: the earlier thisUpdate', [], [crl('a', '7', '9'), crl('a', '6', '9')], [{ reason: 'crl-not-yet-valid', ca: 'CN=a', at: at('6') }]],
  ] as const)('%s', (_name, gaps, crls, want) => {
    const got = crlLockouts(gaps, crls, at('5'));
    expect(got).toEqual(want);
    expect(lockoutCounts(got)['no-crl']).toBe(want.filter((w) => w.reason === 'no-crl').length);
  });
});

// rev-fixes2 F3: a CRL not valid yet lets the clients in by itself once its thisUpdate passes.
describe('lockoutMessage: the crl-lockout line', () => {
  it.each([
    ['not valid yet: by itself at thisUpdate, or a CRL valid now', { reason: 'crl-not-yet-valid', ca: 'CN=a', at: at('6') }, 'the CRL of "CN=a" in force is not valid before 2026-12-06T00:00:00.000Z (thisUpdate): every client of that CA is refused (CRL_NOT_YET_VALID) until then (they get in by themselves once it passes), or until a CRL valid now is installed ("dockgate certs crl")'],
    ['expired: until a CRL valid now', { reason: 'crl-expired', ca: 'CN=a', at: at('4') }, 'the CRL of "CN=a" in force expired on 2026-12-04T00:00:00.000Z (nextUpdate): every client of that CA is refused (CRL_HAS_EXPIRED) until a CRL valid now is installed ("dockgate certs crl")'],
  ] as const)('%s', (_name, lockout, want) => {
    expect(lockoutMessage(lockout)).toBe(`${want}; an older CRL is not kept in its place, as it may lack revocations`);
  });
  // The admin listener's admin.tls.crl: named first, its clients are scrapers.
  it.each([
    ['admin, not valid yet', { reason: 'crl-not-yet-valid', ca: 'CN=a', at: at('6') }, 'admin.tls.crl: the CRL of "CN=a" in force is not valid before 2026-12-06T00:00:00.000Z (thisUpdate): every scraper of that CA is refused (CRL_NOT_YET_VALID) until then (they get in by themselves once it passes), or until a CRL valid now is installed ("dockgate certs crl")'],
    ['admin, expired', { reason: 'crl-expired', ca: 'CN=a', at: at('4') }, 'admin.tls.crl: the CRL of "CN=a" in force expired on 2026-12-04T00:00:00.000Z (nextUpdate): every scraper of that CA is refused (CRL_HAS_EXPIRED) until a CRL valid now is installed ("dockgate certs crl")'],
  ] as const)('%s', (_name, lockout, want) => {
    expect(lockoutMessage(lockout, 'admin')).toBe(`${want}; an older CRL is not kept in its place, as it may lack revocations`);
  });
});

// rev-reload F3: the CAs whose open connections are closed, and when to look again.
describe('expiredCrlCas and nextCrlExpiry: what the CRL expiry watch cuts, and when it looks next', () => {
  it.each([
    ['every CRL valid', [crl('a', '2', '8'), crl('b', '1', '6')], [], at('6').getTime()],
    ['one CA expired, the other valid', [crl('a', '2', '4'), crl('b', '1', '6')], ['a'], at('6').getTime()],
    ['two CRLs of a CA, one valid: not expired', [crl('a', '1', '3'), crl('a', '2', '8')], [], at('8').getTime()],
    ['not valid yet is not expired (held or locked out otherwise)', [crl('a', '6', '8')], [], at('8').getTime()],
    ['expired and none ahead', [crl('a', '1', '3')], ['a'], undefined],
    ['a nextUpdate exactly now has expired (OpenSSL: not after it)', [crl('a', '1', '5')], ['a'], undefined],
  ] as const)('%s', (_name, crls, want, next) => {
    expect([...expiredCrlCas(crls, at('5'))]).toEqual(want);
    expect(nextCrlExpiry(crls, at('5'))).toBe(next);
  });
});
