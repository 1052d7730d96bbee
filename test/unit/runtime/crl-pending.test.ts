import { describe, expect, it } from 'vitest';
import { withAdminCrlsOf, type AdminTlsMaterial } from '../../../src/admin/admin-tls.js';
import { pendingCrl, withCrlsOf } from '../../../src/runtime/crl-pending.js';
import type { CrlInfo } from '../../../src/server/crl.js';
import type { TlsMaterial } from '../../../src/server/tls-material.js';

const at = (s: string) => new Date(`2026-12-0${s}T00:00:00Z`);
/** A CRL of the CA `ca` issued on day `from`, valid until day `until`. */
const crl = (issuer: string, from: string, until = '8', ca = issuer): CrlInfo => ({ issuer, ca, thisUpdate: at(from), nextUpdate: at(until), tbsHash: `${ca}/${from}`, block: `${ca}@${from}` });
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
      expect(got?.cas).toEqual(next.filter((c) => c.thisUpdate > at('5')).map((c) => c.ca));
      expect(got?.message).toContain(`${FILE}: the new CRL of "`);
      expect(got?.message).toContain('is not valid yet, and OpenSSL would refuse every client of that CA until then (CRL_NOT_YET_VALID)');
    }
  });
});

describe('withCrlsOf: the held CA keeps its CRL in force, every other CA gets its new one (rev-day2c F1)', () => {
  /** Material with `crls` (each CRL revoking the serial `<ca>-<day>`) and the CAs `cas` in tls.ca. */
  const material = (crls: CrlInfo[], cas: string[], everyCaHasCrl = true): TlsMaterial =>
    ({
      options: { ca: 'CA', cert: 'CERT', key: 'KEY', crl: crls.map((c) => c.block) },
      caNames: cas.map((ca) => ({ ca })),
      crls,
      revocations: crls.map((c) => ({ ca: c.ca, serials: new Set([c.block]) })),
      revokedSerials: new Set(crls.map((c) => c.block)),
      everyCaHasCrl,
      expiring: [
        { kind: 'server certificate', name: 's', file: 'f', expires: at('9') },
        ...crls.map((c) => ({ kind: 'CRL' as const, name: c.issuer, file: 'crl', expires: c.nextUpdate as Date, ca: c.ca })),
      ],
    }) as unknown as TlsMaterial;
  const A = 'CN=A';
  const B = 'CN=B';

  it.each([
    // [name, CRLs in force, CAs in force, CRLs loaded, CAs loaded, held CAs, the blocks in the TLS context, everyCaHasCrl]
    ['one CA, its CRL held: the one in force', [crl(A, '2')], [A], [crl(A, '6', '9')], [A], [A], [`${A}@2`], true],
    ['A held, B newly added in the same reload: A\'s old CRL and B\'s new one', [crl(A, '2')], [A], [crl(A, '6', '9'), crl(B, '4')], [A, B], [A], [`${B}@4`, `${A}@2`], true],
    ['A held, B\'s CRL renewed in the same reload: B\'s new one (the old may expire during the wait)', [crl(A, '2'), crl(B, '1', '5')], [A, B], [crl(A, '6', '9'), crl(B, '4')], [A, B], [A], [`${B}@4`, `${A}@2`], true],
    ['A held, B dropped from tls.ca: no CRL of B', [crl(A, '2'), crl(B, '1')], [A, B], [crl(A, '6', '9')], [A], [A], [`${A}@2`], true],
    ['two CAs of one name, the one with key k2 held', [crl(A, '2', '8', 'k1'), crl(A, '2', '8', 'k2')], ['k1', 'k2'], [crl(A, '4', '8', 'k1'), crl(A, '6', '9', 'k2')], ['k1', 'k2'], ['k2'], ['k1@4', 'k2@2'], true],
    ['a CA without a CRL in the reload: everyCaHasCrl stays false', [crl(A, '2')], [A], [crl(A, '6', '9')], [A, B], [A], [`${A}@2`], false],
  ] as const)('%s', (_name, inForce, inForceCas, next, nextCas, held, blocks, everyCaHasCrl) => {
    const current = material([...inForce], [...inForceCas]);
    const loaded = material([...next], [...nextCas], !nextCas.some((ca) => !next.some((c) => c.ca === ca)));
    loaded.options.cert = 'NEWCERT';
    const got = withCrlsOf(loaded, current, held);
    expect(got.options).toEqual({ ca: 'CA', cert: 'NEWCERT', key: 'KEY', crl: blocks });
    expect(got.crls.map((c) => c.block)).toEqual(blocks);
    expect(got.everyCaHasCrl).toBe(everyCaHasCrl);
    // The revocations of the reload, and those of the held CAs' CRLs in force: none is held back.
    const want = [...next.map((c) => c.block), ...inForce.filter((c) => (held as readonly string[]).includes(c.ca)).map((c) => c.block)];
    expect(got.revocations.flatMap((r) => [...r.serials]).sort()).toEqual([...want].sort());
    expect([...got.revokedSerials].sort()).toEqual([...new Set(want)].sort());
    expect(got.expiring.filter((e) => e.kind === 'CRL').map((e) => `${e.ca}:${e.expires.toISOString()}`).sort()).toEqual(got.crls.map((c) => `${c.ca}:${c.nextUpdate?.toISOString()}`).sort());
    expect(got.expiring[0]?.kind).toBe('server certificate');
  });
});

describe('withAdminCrlsOf: the admin listener holds a CA\'s CRL as the Docker listener does, its revocations applied', () => {
  /** Admin material with `crls` (each CRL revoking the serial `<ca>@<day>`) and the CAs `cas` in admin.tls.ca; no `ca` when `cas` is undefined. */
  const material = (crls: CrlInfo[], cas: string[] | undefined, everyCaHasCrl = true): AdminTlsMaterial =>
    ({
      options: { cert: 'CERT', key: 'KEY', ...(cas ? { ca: 'CA', crl: crls.map((c) => c.block) } : {}) },
      ...(cas ? { revocation: { caNames: cas.map((ca) => ({ ca })), revocations: crls.map((c) => ({ ca: c.ca, serials: new Set([c.block]) })) } } : {}),
      caCerts: [],
      crls,
      warnings: [],
      everyCaHasCrl: cas !== undefined && everyCaHasCrl,
      server: { serial: '01', notAfter: at('9') },
      caNotAfter: [],
      // One expiry item per CRL, named by its block (the server certificate's too).
      expiring: [{ kind: 'server certificate', name: 'server', file: 'cert.pem', expires: at('9') }, ...crls.map((c) => ({ kind: 'CRL', name: c.block, file: 'crl.pem', expires: at('9'), ca: c.ca }))],
    }) as unknown as AdminTlsMaterial;
  const A = 'CN=A';
  const B = 'CN=B';

  it.each([
    // [name, CRLs in force, CRLs loaded, CAs loaded, held CAs, the blocks in the TLS context, everyCaHasCrl]
    ['one CA, its CRL held: the one in force', [crl(A, '2')], [crl(A, '6', '9')], [A], [A], [`${A}@2`], true],
    ['A held, B newly added: A\'s old CRL and B\'s new one', [crl(A, '2')], [crl(A, '6', '9'), crl(B, '4')], [A, B], [A], [`${B}@4`, `${A}@2`], true],
    ['A held, B renewed: B\'s new one', [crl(A, '2'), crl(B, '1', '5')], [crl(A, '6', '9'), crl(B, '4')], [A, B], [A], [`${B}@4`, `${A}@2`], true],
    ['a CA without a CRL in the reload: everyCaHasCrl stays false', [crl(A, '2')], [crl(A, '6', '9')], [A, B], [A], [`${A}@2`], false],
    ['nothing held: the reload as is', [crl(A, '2')], [crl(A, '4')], [A], [], [`${A}@4`], true],
  ] as const)('%s', (_name, inForce, next, nextCas, held, blocks, everyCaHasCrl) => {
    const current = material([...inForce], [A, B]);
    const loaded = material([...next], [...nextCas], !nextCas.some((ca) => !next.some((c) => c.ca === ca)));
    loaded.options.cert = 'NEWCERT';
    const got = withAdminCrlsOf(loaded, current, held);
    expect(got.options).toEqual({ ca: 'CA', cert: 'NEWCERT', key: 'KEY', crl: blocks });
    expect(got.crls.map((c) => c.block)).toEqual(blocks);
    expect(got.everyCaHasCrl).toBe(everyCaHasCrl);
    expect(got.server).toBe(loaded.server);
    // The expiry warnings and gauge see the CRLs in force (rev-observe F1).
    expect(got.expiring.filter((e) => e.kind === 'CRL').map((e) => e.name).sort()).toEqual([...blocks].sort());
    // What the listener checks at each handshake and request: the reload's revocations and the held CAs' in force.
    const want = [...next.map((c) => c.block), ...inForce.filter((c) => (held as readonly string[]).includes(c.ca)).map((c) => c.block)];
    expect(got.revocation?.revocations.flatMap((r) => [...r.serials]).sort()).toEqual([...want].sort());
    expect(got.revocation?.caNames).toBe(loaded.revocation?.caNames);
  });

  it('without admin.tls.ca (no CRL): the reload as is', () => {
    const loaded = material([], undefined);
    expect(withAdminCrlsOf(loaded, material([crl(A, '2')], [A]), [A])).toBe(loaded);
  });
});
