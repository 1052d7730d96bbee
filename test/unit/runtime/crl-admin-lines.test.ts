/**
 * The admin listener's CRL state in the log and the metrics (crl-admin-lines.ts, lockout-log.ts): a CRL of
 * `admin.tls.crl` in force that has expired or is not valid yet gives a `crl-lockout` error
 * with `listener: "admin"`, as `tls.crl`'s does on the Docker listener; a CA without a CRL is
 * counted but left to the `tls-config` warning. Before, the admin listener logged and counted none.
 */
import { describe, expect, it } from 'vitest';
import { recorder } from './log-recorder.js';
import type { AdminTlsMaterial } from '../../../src/admin/admin-tls.js';
import { adminLockoutCounts } from '../../../src/runtime/crl-admin-lines.js';
import { logCrlLockouts } from '../../../src/runtime/lockout-log.js';
import type { CrlInfo } from '../../../src/server/crl.js';

const at = (s: string) => new Date(`2026-12-0${s}T00:00:00Z`);
const crl = (ca: string, from: string, until: string): CrlInfo => ({ issuer: `CN=${ca}`, ca, thisUpdate: at(from), nextUpdate: at(until), tbsHash: `${ca}${from}`, block: '' });
const material = (crls: CrlInfo[], casWithoutCrl: string[] = []) => ({ crls, casWithoutCrl }) as unknown as AdminTlsMaterial;

describe('the admin listener\'s CRL lockouts', () => {
  it.each([
    { name: 'no admin.tls', m: undefined, counts: [0, 0, 0], lines: [] },
    { name: 'admin.tls.ca without admin.tls.crl', m: material([]), counts: [0, 0, 0], lines: [] },
    { name: 'every CRL valid', m: material([crl('a', '2', '8')]), counts: [0, 0, 0], lines: [] },
    { name: 'a CA without a CRL: counted, the tls-config warning says it', m: material([crl('a', '2', '8')], ['"CN=b"']), counts: [1, 0, 0], lines: [] },
    { name: 'an expired CRL', m: material([crl('a', '2', '4'), crl('b', '1', '8')]), counts: [0, 1, 0], lines: [{ reason: 'crl-expired', ca: 'CN=a', at: at('4').toISOString() }] },
    { name: 'a CRL not valid yet', m: material([crl('a', '6', '8')]), counts: [0, 0, 1], lines: [{ reason: 'crl-not-yet-valid', ca: 'CN=a', at: at('6').toISOString() }] },
  ])('$name', ({ m, counts, lines }) => {
    const [noCrl, expired, notYet] = counts;
    expect(adminLockoutCounts(m, at('5'))).toEqual({ 'no-crl': noCrl, 'crl-expired': expired, 'crl-not-yet-valid': notYet });
    const r = recorder();
    logCrlLockouts(r.log, 'admin', m, at('5'));
    expect(r.lines.map((l) => l.obj)).toEqual(lines.map((l) => ({ event: 'crl-lockout', listener: 'admin', caFingerprint: undefined, ...l })));
    for (const l of r.lines) {
      expect(l.level).toBe('error');
      expect(l.msg).toMatch(/^admin\.tls\.crl: the CRL of "CN=a" in force .*every scraper of that CA is refused/);
    }
  });
});
