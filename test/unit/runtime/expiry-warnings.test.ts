import { afterEach, describe, expect, it, vi } from 'vitest';
import { crlPem } from '../../../src/pki/crl.js';
import { x509 } from '../../../src/pki/webcrypto.js';
import type { CaSigner } from '../../../src/pki/ca.js';
import { certificatesCheck, expiryWarnings, startExpiryWarnings, type CertificateState } from '../../../src/runtime/expiry-warnings.js';
import type { ExpiringItem } from '../../../src/server/tls-material.js';
import { makeChain } from '../server/tls-chain.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const at = (days: number): Date => new Date(NOW.getTime() + days * DAY);
const item = (kind: ExpiringItem['kind'], days: number): ExpiringItem => ({ kind, name: `${kind}-x`, file: `/etc/${kind}.pem`, expires: at(days) });

describe('expiryWarnings', () => {
  it.each([
    // kind, days left, expected level (undefined: no warning), expected daysLeft
    ['server certificate', 31, undefined, undefined],
    ['server certificate', 30, 'warn', 30],
    ['server certificate', 29.5, 'warn', 29],
    ['server certificate', 0.5, 'warn', 0],
    ['server certificate', 0, 'error', 0],
    ['server certificate', -2, 'error', -2],
    ['CA', 30.01, undefined, undefined],
    ['CA', 12, 'warn', 12],
    ['CA', -400, 'error', -400],
    ['CRL', 4, undefined, undefined],
    ['CRL', 3, 'warn', 3],
    ['CRL', 1, 'warn', 1],
    ['CRL', -0.5, 'error', -1],
  ] as const)('%s with %s days left -> %s', (kind, days, level, daysLeft) => {
    const out = expiryWarnings([item(kind, days)], NOW);
    if (level === undefined) {
      expect(out).toEqual([]);
      return;
    }
    expect(out).toHaveLength(1);
    expect(out[0]?.level).toBe(level);
    expect(out[0]?.daysLeft).toBe(daysLeft);
    expect(out[0]?.message).toContain(`/etc/${kind}.pem`);
    expect(out[0]?.message).toContain(at(days).toISOString());
  });

  it('names the remedy: rotate-server for the server certificate, certs crl for a CRL', () => {
    const [server, crl] = expiryWarnings([item('server certificate', 5), item('CRL', -1)], NOW);
    expect(server?.message).toBe(`server certificate "server certificate-x" in /etc/server certificate.pem expires on ${at(5).toISOString()} (in 5 days): run "dockgate certs rotate-server" (or install a new certificate); the gateway picks it up without a restart`);
    expect(crl?.message).toMatch(/^CRL of "CRL-x" in \/etc\/CRL\.pem expired on .*: run "dockgate certs crl"/);
  });

  it('keeps the order of the items and skips the healthy ones', () => {
    const out = expiryWarnings([item('CA', 100), item('CRL', 2), item('server certificate', 400), item('CA', 10)], NOW);
    expect(out.map((w) => [w.item.kind, w.daysLeft])).toEqual([
      ['CRL', 2],
      ['CA', 10],
    ]);
  });
});

describe('startExpiryWarnings', () => {
  afterEach(() => vi.useRealTimers());

  it('logs at start and then once a day, with the clock it is given and the current material', () => {
    vi.useFakeTimers();
    let clock = NOW;
    let items: ExpiringItem[] = [item('server certificate', 31)];
    const lines: Array<[string, Record<string, unknown>, string]> = [];
    const log = {
      warn: (o: object, m: string) => lines.push(['warn', o as Record<string, unknown>, m]),
      error: (o: object, m: string) => lines.push(['error', o as Record<string, unknown>, m]),
    };
    const stop = startExpiryWarnings({ items: () => items, log, now: () => clock });
    expect(lines).toEqual([]); // 31 days: not yet

    clock = at(1);
    vi.advanceTimersByTime(DAY);
    expect(lines.map(([level, fields]) => [level, fields.kind, fields.daysLeft])).toEqual([['warn', 'server certificate', 30]]);

    // A reload swapped the material: the next check sees the new items.
    items = [item('CRL', 0.5)];
    clock = at(2);
    vi.advanceTimersByTime(DAY);
    expect(lines.map(([level, fields]) => [level, fields.kind, fields.daysLeft])).toEqual([
      ['warn', 'server certificate', 30],
      ['error', 'CRL', -2],
    ]);
    expect(lines[1]?.[1]).toMatchObject({ event: 'tls-expiry', file: '/etc/CRL.pem', expires: at(0.5).toISOString() });

    stop();
    vi.advanceTimersByTime(5 * DAY);
    expect(lines).toHaveLength(2);
  });

  it('warns at once when started with material already in its notice period', () => {
    const lines: string[] = [];
    const log = { warn: (_o: object, m: string) => lines.push(`warn ${m}`), error: (_o: object, m: string) => lines.push(`error ${m}`) };
    const stop = startExpiryWarnings({ items: () => [item('CA', 3)], log, now: () => NOW });
    stop();
    expect(lines).toEqual([`warn CA "CA-x" in /etc/CA.pem expires on ${at(3).toISOString()} (in 3 days): plan a new CA: every certificate it issued stops verifying when it expires`]);
  });
});

describe('certificatesCheck (readiness "certificates", evaluated at each probe)', () => {
  const SERVER = at(90);
  const crl = (issuer: string, fromDays: number, untilDays?: number) => ({ issuer, ca: issuer, thisUpdate: at(fromDays), nextUpdate: untilDays === undefined ? undefined : at(untilDays), tbsHash: `${issuer}/${fromDays}`, block: `PEM of ${issuer}` });
  const state = (over: Partial<CertificateState> = {}): CertificateState => ({ serverNotAfter: SERVER, crls: [], ...over });

  it.each([
    // label, state, ok, what the detail must say (every problem, in this order)
    // Without tls.crl, revocation is off: ready, and said (rev-pki F4).
    ['no CRL', state(), true, [`server certificate valid until ${SERVER.toISOString()}`, '; no CRL: revocation off (no tls.crl: a revoked client certificate is accepted until it expires)']],
    ['CRLs inside their window', state({ crls: [crl('root', -1, 29), crl('team', -2, 5)] }), true, [`CRLs valid until ${at(5).toISOString()}`]],
    ['CRL without nextUpdate', state({ crls: [crl('root', -1)] }), true, ['server certificate valid until']],
    ['CRL issued this very moment', state({ crls: [crl('root', 0, 30)] }), true, ['server certificate valid until']],
    ['CRL past its nextUpdate', state({ crls: [crl('root', -1, 29), crl('team', -40, -10)] }), false, [`CRL of "team" expired on ${at(-10).toISOString()} (nextUpdate): every client of that CA is refused (CRL_HAS_EXPIRED)`]],
    ['CRL whose nextUpdate is now', state({ crls: [crl('root', -30, 0)] }), false, ['CRL_HAS_EXPIRED']],
    ['CRL not valid yet (clock of the signer ahead)', state({ crls: [crl('root', 1, 31)] }), false, [`CRL of "root" is not valid before ${at(1).toISOString()} (thisUpdate): every client of that CA is refused (CRL_NOT_YET_VALID)`]],
    ['server certificate expired', state({ serverNotAfter: at(-1) }), false, [`server certificate expired on ${at(-1).toISOString()}`]],
    ['server certificate not valid yet (issued ahead)', state({ serverNotBefore: at(1) }), false, [`server certificate not valid before ${at(1).toISOString()} (notBefore): clients refuse it until then`]],
    ['server certificate valid since a moment', state({ serverNotBefore: at(0) }), true, ['server certificate valid until']],
    ['a new server certificate pending (not valid yet): ready, and said', state({ refusedServerCertificate: { message: 'cert.pem: the new server certificate (serial 02) is not valid before', validFrom: at(1) } }), true, ['server certificate valid until', '; cert.pem: the new server certificate (serial 02) is not valid before']],
    ['a new CRL pending (not valid yet): ready, and said', state({ crls: [crl('root', -1, 29)], pendingCrl: { message: 'crl.pem: the new CRL of "root" (thisUpdate x) is not valid yet' } }), true, [`CRLs valid until ${at(29).toISOString()}`, '; crl.pem: the new CRL of "root" (thisUpdate x) is not valid yet']],
    ['the admin listener\'s new CRL pending (admin.tls.crl): ready, and said', state({ crls: [crl('root', -1, 29)], adminPendingCrl: { message: 'admin.tls.crl crl.pem: the new CRL of "root" (thisUpdate x) is not valid yet' } }), true, [`CRLs valid until ${at(29).toISOString()}`, '; admin.tls.crl crl.pem: the new CRL of "root" (thisUpdate x) is not valid yet']],
    ['both listeners\' new CRLs pending: both said, the Docker listener\'s first', state({ crls: [crl('root', -1, 29)], pendingCrl: { message: 'crl.pem: pending' }, adminPendingCrl: { message: 'admin.tls.crl crl.pem: pending' } }), true, ['; crl.pem: pending; admin.tls.crl crl.pem: pending']],
    ['a new server certificate and a new CRL pending: both said', state({ crls: [crl('root', -1, 29)], refusedServerCertificate: { message: 'cert pending', validFrom: at(1) }, pendingCrl: { message: 'crl pending' } }), true, ['; cert pending', '; crl pending']],
    ['a new server certificate refused as expired: not ready', state({ refusedServerCertificate: { message: 'cert.pem: the new server certificate (serial 02) expired on' } }), false, ['cert.pem: the new server certificate (serial 02) expired on']],
    // rev-crl F4: a CA without a CRL refuses its clients: ready (the others are served), and said.
    ['a CA of tls.ca without a CRL: ready, and named', state({ crls: [crl('root', -1, 29)], casWithoutCrl: ['"CN=team"'] }), true, [`CRLs valid until ${at(29).toISOString()}`, '; CA "CN=team" has no CRL in tls.crl: every client of that CA is refused (UNABLE_TO_GET_CRL)']],
    ['a CA without a CRL and another\'s CRL expired: not ready, both named', state({ crls: [crl('root', -40, -10)], casWithoutCrl: ['"CN=team"'] }), false, ['CRL of "root" expired on', 'CA "CN=team" has no CRL in tls.crl']],
    // rev-observe F1: the admin listener's admin.tls files are named in the detail; rev-fix-observe N1: they
    // leave the check ok (readiness is about serving Docker clients; the admin files have the gauge and tls-expiry lines).
    ['admin.tls: CRLs and certificate inside their dates: ready', state({ admin: { serverNotAfter: at(90), crls: [crl('scrapers', -1, 29)] } }), true, [`server certificate valid until ${SERVER.toISOString()}`]],
    ['admin.tls.crl past its nextUpdate: still ready, the admin file named', state({ admin: { serverNotAfter: at(90), crls: [crl('scrapers', -31, -1)] } }), true, [`server certificate valid until ${SERVER.toISOString()}`, `; admin.tls.crl: CRL of "scrapers" expired on ${at(-1).toISOString()} (nextUpdate): every scraper of that CA is refused (CRL_HAS_EXPIRED)`]],
    ['admin.tls.crl not valid yet: still ready, named', state({ admin: { serverNotAfter: at(90), crls: [crl('scrapers', 1, 31)] } }), true, ['; admin.tls.crl: CRL of "scrapers" is not valid before']],
    ['admin.tls.cert expired: still ready, named', state({ admin: { serverNotAfter: at(-1), crls: [] } }), true, [`; admin.tls.cert: the admin listener's server certificate expired on ${at(-1).toISOString()}`]],
    ['admin.tls.cert not valid yet: still ready, named', state({ admin: { serverNotBefore: at(1), serverNotAfter: at(90), crls: [] } }), true, ['; admin.tls.cert: the admin listener\'s server certificate is not valid before']],
    ['both listeners\' CRLs expired: not ready for the Docker listener\'s, both named, the Docker listener\'s first', state({ crls: [crl('root', -40, -10)], admin: { serverNotAfter: at(90), crls: [crl('scrapers', -31, -1)] } }), false, ['CRL of "root" expired on', 'admin.tls.crl: CRL of "scrapers" expired on']],
    [
      'last TLS reload failed',
      state({ crls: [crl('root', -1, 29)], reloadError: '/etc/crl.pem: CRL of "root": signature algorithm 1.2.840.10045.4.3.1 is not supported' }),
      false,
      ['last TLS reload failed, the previous certificates and CRL stay in force (revocations in a new CRL are not applied): /etc/crl.pem: CRL of "root": signature algorithm 1.2.840.10045.4.3.1'],
    ],
    [
      'everything at once',
      state({ serverNotAfter: at(-1), crls: [crl('root', 1, 31), crl('team', -40, -10)], reloadError: 'bad key' }),
      false,
      ['server certificate expired', 'CRL of "root" is not valid before', 'CRL of "team" expired on', 'last TLS reload failed'],
    ],
  ] as const)('%s -> ok %s', (_label, s, ok, details) => {
    const result = certificatesCheck(s, NOW);
    expect(result.ok).toBe(ok);
    let from = 0;
    for (const d of details) {
      const i = result.detail?.indexOf(d, from) ?? -1;
      expect(i, `${JSON.stringify(result.detail)} should contain ${JSON.stringify(d)}`).toBeGreaterThanOrEqual(0);
      from = i + d.length;
    }
  });

  it('the same material turns not ready once a CRL passes its nextUpdate, with no reload', () => {
    const s = state({ crls: [crl('root', -29, 1)] });
    expect(certificatesCheck(s, NOW).ok).toBe(true);
    expect(certificatesCheck(s, at(1)).ok).toBe(false);
    expect(certificatesCheck(state({ crls: [crl('root', 1, 31)] }), at(1)).ok).toBe(true);
  });
});

describe('the CRLs the readiness check reads (TlsMaterial.crls)', async () => {
  const chain = await makeChain();
  /** A CRL of `ca` with the given dates (nextUpdate omitted when undefined). */
  async function crlOf(ca: CaSigner, thisUpdate: Date, nextUpdate?: Date): Promise<string> {
    const crl = await x509.X509CrlGenerator.create({ issuer: ca.cert.subjectName, thisUpdate, nextUpdate, signingKey: ca.key, signingAlgorithm: ca.algorithm.signing, entries: [] });
    return crlPem(crl);
  }
  const now = new Date();
  const sec = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);
  const day = (n: number) => sec(new Date(now.getTime() + n * DAY));

  it('reads thisUpdate and nextUpdate of every CRL the material loaded, in file order, with its issuer', async () => {
    const material = await chain.material((await crlOf(chain.root, day(-40), day(-10))) + (await crlOf(chain.int, day(1))));
    expect(material.crls).toEqual([
      { issuer: 'CN=dockgate CA root, O=dockgate', ca: material.caNames[1]?.ca, tbsHash: expect.stringMatching(/^[0-9a-f]{64}$/), block: expect.stringMatching(/^-----BEGIN X509 CRL-----/), thisUpdate: day(-40), nextUpdate: day(-10) },
      { issuer: 'CN=team CA, O=dockgate', ca: material.caNames[0]?.ca, tbsHash: expect.stringMatching(/^[0-9a-f]{64}$/), block: expect.stringMatching(/^-----BEGIN X509 CRL-----/), thisUpdate: day(1), nextUpdate: undefined },
    ]);
    // Both CRLs load (OpenSSL then refuses the clients); readiness names both.
    const check = certificatesCheck({ serverNotAfter: day(30), crls: material.crls }, now);
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/CRL of "CN=dockgate CA root, O=dockgate" expired .*CRL_HAS_EXPIRED.*CRL of "CN=team CA, O=dockgate" is not valid before .*CRL_NOT_YET_VALID/);
  });

  it('is empty without tls.crl', async () => {
    expect((await chain.material()).crls).toEqual([]);
  });
});
