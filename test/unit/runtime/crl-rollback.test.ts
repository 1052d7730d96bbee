import { describe, expect, it } from 'vitest';
import { crlRollback } from '../../../src/runtime/crl-rollback.js';

const at = (s: string) => new Date(`2026-12-0${s}T00:00:00Z`);
/** A CRL of the CA `ca` (its name and key, ca-key.ts caKey; by default one CA per name). */
const crl = (issuer: string, day: string, ca = issuer) => ({ issuer, ca, thisUpdate: at(day) });

describe('crlRollback', () => {
  it.each([
    ['a newer CRL of the same CA', [crl('CN=root', '2')], [crl('CN=root', '3')], undefined],
    ['the same CRL again', [crl('CN=root', '2')], [crl('CN=root', '2')], undefined],
    ['the first CRL of a CA', [], [crl('CN=root', '1')], undefined],
    ['an older CRL of another CA than the one in force', [crl('CN=root', '5')], [crl('CN=team', '1')], undefined],
    ['an older CRL of another CA of the same name (another key)', [crl('CN=root', '5', 'k1')], [crl('CN=root', '1', 'k2')], undefined],
    ['an older CRL of the same CA', [crl('CN=root', '3')], [crl('CN=root', '2')], 'the CRL of "CN=root" was issued at 2026-12-02T00:00:00.000Z, before the one in force (2026-12-03T00:00:00.000Z)'],
    ['one older CRL among newer ones', [crl('CN=root', '3'), crl('CN=team', '3')], [crl('CN=root', '4'), crl('CN=team', '1')], 'the CRL of "CN=team"'],
    ['a CRL in force dated in the future (not valid yet) may be replaced by an older one', [crl('CN=root', '9')], [crl('CN=root', '4')], undefined],
    // Two CAs of one name (a second `certs init` on a host): each CRL is compared with its own CA's.
    ['an older CRL of a re-keyed CA, its namesake\'s CRL in force being older still', [crl('CN=root', '2', 'k1'), crl('CN=root', '4', 'k2')], [crl('CN=root', '2', 'k1'), crl('CN=root', '3', 'k2')], 'issued at 2026-12-03T00:00:00.000Z, before the one in force (2026-12-04T00:00:00.000Z)'],
    ['the same, the namesake listed second', [crl('CN=root', '4', 'k2'), crl('CN=root', '2', 'k1')], [crl('CN=root', '3', 'k2'), crl('CN=root', '2', 'k1')], 'before the one in force (2026-12-04T00:00:00.000Z)'],
    ['a newer CRL of a re-keyed CA, its namesake\'s CRL in force being newer still', [crl('CN=root', '6', 'k1'), crl('CN=root', '2', 'k2')], [crl('CN=root', '6', 'k1'), crl('CN=root', '3', 'k2')], undefined],
    ['the first CRL of a re-keyed CA, older than its namesake\'s', [crl('CN=root', '4', 'k1')], [crl('CN=root', '4', 'k1'), crl('CN=root', '1', 'k2')], undefined],
  ])('%s', (_name, current, next, want) => {
    const got = crlRollback(current, next, at('5'));
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(want);
  });
});
