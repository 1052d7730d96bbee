import { describe, expect, it } from 'vitest';
import { pendingCrl, withCrlsOf } from '../../../src/runtime/crl-pending.js';
import type { CrlInfo } from '../../../src/server/crl.js';
import type { TlsMaterial } from '../../../src/server/tls-material.js';

const at = (s: string) => new Date(`2026-12-0${s}T00:00:00Z`);
/** A CRL of the CA `ca` issued on day `from`, valid until day `until`. */
const crl = (issuer: string, from: string, until = '8', ca = issuer): CrlInfo => ({ issuer, ca, thisUpdate: at(from), nextUpdate: at(until), tbsHash: `${ca}/${from}` });
const FILE = '/etc/dockgate/crl.pem';

describe('pendingCrl: a reload\'s CRL not valid yet while its CA\'s CRL in force is valid is held back', () => {
  it.each([
    ['a newer CRL valid now', [crl('CN=root', '2')], [crl('CN=root', '4')], undefined],
    ['a CRL not valid yet replacing a valid one', [crl('CN=root', '2')], [crl('CN=root', '6', '9')], at('6')],
    ['one of two CRLs not valid yet', [crl('CN=root', '2'), crl('CN=team', '2')], [crl('CN=root', '4'), crl('CN=team', '7', '9')], at('7')],
    ['two not valid yet: the earlier date', [crl('CN=root', '2'), crl('CN=team', '2')], [crl('CN=root', '7', '9'), crl('CN=team', '6', '9')], at('6')],
    ['the first CRL of a CA, not valid yet (no CRL in force to keep)', [crl('CN=root', '2')], [crl('CN=root', '2'), crl('CN=team', '6', '9')], undefined],
    ['the CRL in force has expired (every client refused already)', [crl('CN=root', '1', '3')], [crl('CN=root', '6', '9')], undefined],
    ['the CRL in force is not valid yet itself', [crl('CN=root', '7', '9')], [crl('CN=root', '6', '9')], undefined],
    ['another CA of the same name (another key) has the valid CRL', [crl('CN=root', '2', '8', 'k1')], [crl('CN=root', '2', '8', 'k1'), crl('CN=root', '6', '9', 'k2')], undefined],
    ['exactly at thisUpdate it is valid', [crl('CN=root', '2')], [crl('CN=root', '5', '9')], undefined],
  ])('%s', (_name, current, next, want) => {
    const got = pendingCrl(current, next, at('5'), FILE);
    if (want === undefined) expect(got).toBeUndefined();
    else {
      expect(got?.validFrom).toEqual(want);
      expect(got?.message).toContain(`${FILE}: the new CRL of "`);
      expect(got?.message).toContain('is not valid yet, and OpenSSL would refuse every client of that CA until then (CRL_NOT_YET_VALID)');
    }
  });
});

describe('withCrlsOf: the CRLs in force stay in the TLS context, the revocations of both are checked', () => {
  const material = (crlPem: string, crls: CrlInfo[], serials: string[], everyCaHasCrl: boolean): TlsMaterial =>
    ({
      options: { ca: 'CA', cert: 'CERT', key: 'KEY', crl: [crlPem] },
      crls,
      revocations: [{ ca: 'k', serials: new Set(serials) }],
      revokedSerials: new Set(serials),
      everyCaHasCrl,
      expiring: [
        { kind: 'server certificate', name: 's', file: 'f', expires: at('9') },
        ...crls.map((c) => ({ kind: 'CRL' as const, name: c.issuer, file: 'crl', expires: c.nextUpdate as Date })),
      ],
    }) as unknown as TlsMaterial;

  it('keeps the current CRL blocks and CRL infos, takes the rest from the reload, and unites the revocations', () => {
    const current = material('OLD', [crl('CN=root', '2')], ['01'], true);
    const loaded = material('NEW', [crl('CN=root', '6', '9')], ['01', '02'], true);
    loaded.options.cert = 'NEWCERT';
    const next = withCrlsOf(loaded, current);
    expect(next.options).toEqual({ ca: 'CA', cert: 'NEWCERT', key: 'KEY', crl: ['OLD'] });
    expect(next.crls).toEqual(current.crls);
    expect([...next.revokedSerials].sort()).toEqual(['01', '02']);
    expect(next.revocations.flatMap((r) => [...r.serials]).sort()).toEqual(['01', '01', '02']);
    expect(next.expiring.map((e) => [e.kind, e.expires])).toEqual([['server certificate', at('9')], ['CRL', at('8')]]);
    expect(next.everyCaHasCrl).toBe(true);
    expect(withCrlsOf(material('NEW', [], [], false), current).everyCaHasCrl).toBe(false);
  });
});
