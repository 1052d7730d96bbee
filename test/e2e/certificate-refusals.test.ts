/**
 * Certificate refusals and CRL guards against the running gateway, with real TLS clients (the
 * docker CLIs, curl) and a real dockerd (rev-pki F3c, F4, F5, F6, F10):
 * - a CA certificate (CA:TRUE, keyUsage digitalSignature) presented as a client certificate is
 *   refused, and so is a certificate signed with a client's own key, each logged naming it;
 * - a refused handshake's log line names the certificate (CN, serial, issuer, fingerprint);
 * - a CRL re-signed later with a lower CRL Number, or with the number in force, is refused on reload;
 * - a CRL not valid yet is held pending while the CRL in force is valid, and superseded by one
 *   with a higher CRL Number valid now;
 * - a reload without a CA's CRL does not let the next one bring back an older CRL of it, and the
 *   gap is said on /readyz and in dockgate_tls_cas_refused; an expired CRL is too, and logged;
 * - with no `tls:` block, a dockgate CA directory without crl.pem stops the start (exit 2), and
 *   another CA's files without one start with revocation off, said at start, on /readyz and
 *   in `dockgate_tls_crls`.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCa } from '../../src/pki/ca.js';
import { buildCrl, crlPem } from '../../src/pki/crl.js';
import { pkiPaths } from '../../src/pki/paths.js';
import type { PkiIndex } from '../../src/pki/pki-index.js';
import { docker, dockerDirect, dockgate, DOCKER_CLIS, makePki, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpGet } from './support/prometheus.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const POLICY = resolve('config/policies/admin.yaml');
let pki: TestPki;
let gw: TestGateway;
let work: string;
const gateways: TestGateway[] = [];

function config(d: string, crl = true): string {
  return `listen: 127.0.0.1:0
tls: { ca: ${d}/ca.pem, cert: ${d}/server-cert.pem, key: ${d}/server-key.pem${crl ? `, crl: ${d}/crl.pem` : ''} }
upstream: unix://${socket}
admin: 127.0.0.1:0
policy: ${POLICY}
`;
}

interface HandshakeLine {
  reason: string;
  detail: string;
  client?: string;
  certificate?: { cn?: string; serial: string; issuer: string; fingerprint: string };
}

/** Handshake-failure lines of `g` from the `from`-th on. */
function handshakes(g: TestGateway, from = 0): HandshakeLine[] {
  return g
    .stderr()
    .split('\n')
    .filter((l) => l.includes('"tls-handshake-failed"'))
    .slice(from)
    .map((l) => JSON.parse(l) as HandshakeLine);
}

/** Lines of `g`'s operational log with `event`. */
function events(g: TestGateway, event: string): Array<Record<string, unknown>> {
  return g
    .stderr()
    .split('\n')
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A certificate signed with `signer` (cert and key files) by openssl: returns its bundle directory. */
function opensslBundle(name: string, subject: string, ext: string, signerCert: string, signerKey: string, chain = ''): string {
  const dir = join(work, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'ext'), ext);
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-subj', subject, '-out', join(dir, 'csr')], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'csr'), '-CA', signerCert, '-CAkey', signerKey, '-CAcreateserial', '-days', '2', '-extfile', join(dir, 'ext'), '-out', join(dir, 'leaf.pem')], { stdio: 'ignore' });
  writeFileSync(join(dir, 'cert.pem'), readFileSync(join(dir, 'leaf.pem'), 'utf8') + chain);
  writeFileSync(join(dir, 'ca.pem'), readFileSync(join(pki.dir, 'ca.pem')));
  return dir;
}

/** What the audit record and the log line call a certificate. */
function named(file: string): { serial: string; fingerprint: string } {
  const x = new X509Certificate(readFileSync(file));
  return { serial: x.serialNumber.toLowerCase(), fingerprint: x.fingerprint256.replace(/:/g, '').toLowerCase() };
}

/** The index with `name` marked revoked too (not written: only the CRL built from it is). */
function indexRevoking(...names: string[]): PkiIndex {
  const index = JSON.parse(readFileSync(join(pki.dir, 'index.json'), 'utf8')) as PkiIndex;
  for (const entry of index.certs) if (names.includes(entry.name) && !entry.revoked) entry.revoked = { at: new Date().toISOString(), reason: 'keyCompromise' } as never;
  return index;
}

/** Sign a CRL with the test CA: number `crlNumber`, thisUpdate `thisUpdate`, revoking what `index` marks revoked. */
async function signCrl(index: PkiIndex, crlNumber: number, thisUpdate: Date): Promise<string> {
  const ca = await loadCa(pkiPaths(pki.dir));
  return crlPem(await buildCrl(ca, index, crlNumber, thisUpdate, 30));
}

/** Write `file` as an operator should: a temporary file renamed over it (no reload sees it half written). */
function writeAtomically(file: string, content: string): void {
  writeFileSync(`${file}.new`, content);
  renameSync(`${file}.new`, file);
}

const ok = async (bundle: string, g = gw): Promise<boolean> => (await docker(bundle, g.port, ['version', '--format', '{{.Server.Version}}'])).code === 0;

beforeAll(async () => {
  work = scratchDir('refusals-');
  pki = await makePki({ alice: ['admin'], bob: ['admin'], carol: ['admin'], dave: ['admin'], erin: ['admin'] });
  expect((await dockgate(['certs', 'revoke', 'bob', '--dir', pki.dir])).code).toBe(0);
  gw = await startGateway(pki.dir, config(pki.dir));
  gateways.push(gw);
});

afterAll(async () => {
  for (const g of gateways) await g.stop();
});

describe('certificates refused at the handshake, each named in the log line', () => {
  it.each(DOCKER_CLIS)('a CA certificate (CA:TRUE, keyUsage digitalSignature, EKU clientAuth) signed by the CA: refused for the %s CLI, its CN never an identity', async (_v, cli) => {
    // A CN and a certificate of its own per CLI: a CLI retries, and a late line of the other
    // CLI's case (same log) must not be taken for this one's.
    const tag = cli.replace(/\W/g, '');
    const cn = `subca-admin-${tag}`;
    const bundle = opensslBundle(`subca-${tag}`, `/OU=admin/CN=${cn}`, 'basicConstraints=critical,CA:TRUE\nkeyUsage=digitalSignature,keyCertSign,cRLSign\nextendedKeyUsage=clientAuth\n', join(pki.dir, 'ca.pem'), join(pki.dir, 'ca-key.pem'));
    const { fingerprint } = named(join(bundle, 'cert.pem'));
    const from = handshakes(gw).length;
    const auditBefore = gw.stdout();
    const r = await docker(bundle, gw.port, ['ps'], { cli });
    expect(r.code).not.toBe(0);
    const line = await until(() => handshakes(gw, from).find((h) => h.certificate?.fingerprint === fingerprint), 10_000, 'the refusal line');
    expect(line).toMatchObject({
      reason: 'bad-usage',
      detail: 'certificate is a CA certificate (basicConstraints CA:TRUE): a CA certificate does not name a caller; issue a client certificate (CA:FALSE) instead',
      certificate: { cn, ...named(join(bundle, 'cert.pem')) },
    });
    // Nothing reached the HTTP layer.
    expect(gw.stdout()).toBe(auditBefore);
  });

  it('a revoked certificate: the line names it as the audit record names an allowed one (CN, serial, issuer, fingerprint)', async () => {
    expect(await ok(pki.bundle('alice'))).toBe(true);
    const audit = gw
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{"type":"decision"'))
      .map((l) => JSON.parse(l) as { identity?: { cn: string; serial: string; issuer: string; fingerprint: string } })
      .find((rec) => rec.identity?.cn === 'alice');
    expect(audit?.identity).toMatchObject({ cn: 'alice', ...named(join(pki.bundle('alice'), 'cert.pem')) });
    const from = handshakes(gw).length;
    expect(await ok(pki.bundle('bob'))).toBe(false);
    const line = await until(() => handshakes(gw, from).find((h) => h.certificate?.cn === 'bob'), 10_000, 'the refusal line');
    expect(line).toEqual({
      ...line,
      reason: 'revoked',
      detail: 'client certificate not verified: CERT_REVOKED',
      certificate: { cn: 'bob', ...named(join(pki.bundle('bob'), 'cert.pem')), issuer: audit?.identity?.issuer },
    });
  });

  it('a certificate signed with a client\'s own key (leaf CN=admin + alice\'s certificate): unknown-ca, naming the issuer, not "other"', async () => {
    const alice = pki.bundle('alice');
    const bundle = opensslBundle('forged', '/OU=admin/CN=admin', 'extendedKeyUsage=clientAuth\n', join(alice, 'cert.pem'), join(alice, 'key.pem'), readFileSync(join(alice, 'cert.pem'), 'utf8'));
    const from = handshakes(gw).length;
    const r = await run('curl', ['-sS', '--cacert', join(bundle, 'ca.pem'), '--cert', join(bundle, 'cert.pem'), '--key', join(bundle, 'key.pem'), `https://127.0.0.1:${gw.port}/_ping`]);
    expect(r.stdout).not.toBe('OK');
    // Lines of earlier cases may still arrive (a CLI's second attempt): this one names CN=admin.
    const line = await until(() => handshakes(gw, from).find((h) => h.certificate?.cn === 'admin'), 10_000, 'the refusal line');
    expect(line.reason).toBe('unknown-ca');
    expect(line.detail).toMatch(/^client certificate not verified: UNSPECIFIED \(its issuer "[^"]*CN=alice[^"]*" is no CA of tls\.ca, and no certificate the client sent can have issued it/);
    expect(line.certificate).toMatchObject({ cn: 'admin', ...named(join(bundle, 'leaf.pem')) });
  });
});

describe('CRL reloads', () => {
  const failures = (): Array<Record<string, unknown>> => gw.stderr().split('\n').filter((l) => l.includes('TLS reload failed')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const loaded = (): number => gw.stderr().split('TLS material loaded').length - 1;

  it('a CRL signed later but with a lower CRL Number (re-signed from a lost index.json) is refused; the revoked client stays out', async () => {
    const crl = join(pki.dir, 'crl.pem');
    const inForce = readFileSync(crl);
    const n = failures().length;
    // What `certs crl` signs once index.json is gone: no revocations, CRL Number 1 (the one in force is 2).
    await new Promise((r) => setTimeout(r, 1100));
    writeFileSync(crl, await signCrl({ version: 1, hosts: [], crlNumber: 0, certs: [] }, 1, new Date()));
    const line = await until(() => failures()[n], 10_000, 'a reload failure');
    expect(line.err).toMatch(new RegExp(`^${crl}: the CRL of ".*" has CRL Number 1, not higher than the one in force \\(2\\): a CA's CRL Numbers only increase \\(RFC 5280\\)`));
    expect(await ok(pki.bundle('bob'))).toBe(false);
    expect(await ok(pki.bundle('alice'))).toBe(true);
    const before = loaded();
    writeFileSync(crl, inForce);
    await until(() => loaded() > before, 10_000, 'the CRL in force to load again');
  });

  it('a CRL signed later with the same CRL Number as the one in force (an index one CRL behind) is refused; the same CRL rewritten loads', async () => {
    const crl = join(pki.dir, 'crl.pem');
    const inForce = readFileSync(crl);
    const n = failures().length;
    // What `certs crl` signs from an index restored one CRL behind: the number in force again, without bob.
    await new Promise((r) => setTimeout(r, 1100));
    writeFileSync(crl, await signCrl({ version: 1, hosts: [], crlNumber: 0, certs: [] }, 2, new Date()));
    const line = await until(() => failures()[n], 10_000, 'a reload failure');
    expect(line.err).toMatch(new RegExp(`^${crl}: the CRL of ".*" has CRL Number 2, not higher than the one in force \\(2\\) and is another CRL under that number`));
    // bob is not tried here: the CRL in force is unchanged, and his refused handshakes would count
    // toward blocking 127.0.0.1 (limits.handshakeFailuresPerSource) for the next case.
    const before = loaded();
    writeFileSync(crl, inForce);
    await until(() => loaded() > before, 10_000, 'the CRL in force to load again');
    expect(failures().length).toBe(n + 1);
  });

  it('a CRL not valid yet is held pending: clients keep getting in, its new revocation applies at once, and it goes into force at its thisUpdate', async () => {
    const crl = join(pki.dir, 'crl.pem');
    const thisUpdate = new Date(Math.ceil(Date.now() / 1000) * 1000 + 12_000);
    const pending = events(gw, 'crl-pending').length;
    const before = loaded();
    writeFileSync(crl, await signCrl(indexRevoking('carol'), 3, thisUpdate));
    const warn = await until(() => events(gw, 'crl-pending')[pending], 10_000, 'the crl-pending warning');
    expect(warn.validFrom).toBe(thisUpdate.toISOString());
    expect(String(warn.msg)).toContain('is not valid yet, and OpenSSL would refuse every client of that CA until then (CRL_NOT_YET_VALID)');
    // Put in force, it would refuse everyone (CRL_NOT_YET_VALID): alice gets in.
    expect(await ok(pki.bundle('alice'))).toBe(true);
    // carol, revoked by the pending CRL, is refused by the gateway's own check.
    const from = handshakes(gw).length;
    expect(await ok(pki.bundle('carol'))).toBe(false);
    const refusal = await until(() => handshakes(gw, from).find((h) => h.certificate?.cn === 'carol'), 10_000, 'carol\'s refusal');
    expect(refusal).toMatchObject({ reason: 'revoked', certificate: { cn: 'carol' } });
    expect(refusal.detail).toContain('is revoked by a CRL the gateway checks itself');
    const ready = await httpGet(`http://127.0.0.1:${gw.adminPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toContain('is not valid yet');
    // Loaded by itself a second after its thisUpdate.
    // Two loads: the reload that held it, and the one a second after its thisUpdate.
    await until(() => loaded() >= before + 2, 30_000, 'the pending CRL to load');
    expect(Date.now()).toBeGreaterThan(thisUpdate.getTime());
    expect(events(gw, 'crl-pending')).toHaveLength(pending + 1);
    expect(await ok(pki.bundle('alice'))).toBe(true);
    const after = handshakes(gw).length;
    expect(await ok(pki.bundle('carol'))).toBe(false);
    // Now OpenSSL refuses her (a late line of the gateway's own refusal may still come first).
    await until(() => handshakes(gw, after).find((h) => h.certificate?.cn === 'carol' && h.detail === 'client certificate not verified: CERT_REVOKED'), 10_000, 'carol refused by the CRL in force');
    const readyAfter = await httpGet(`http://127.0.0.1:${gw.adminPort}/readyz`);
    expect(readyAfter.status).toBe(200);
    expect(readyAfter.body).not.toContain('is not valid yet');
  }, 60_000);

  it('a held CRL is superseded by one with a higher CRL Number valid now (re-signed once the clock is fixed), which goes into force at once (rev-crl F2)', async () => {
    const crl = join(pki.dir, 'crl.pem');
    const pending = events(gw, 'crl-pending').length;
    const n = failures().length;
    // Signed on a host whose clock runs ten minutes ahead: held, dave refused by the gateway's own check.
    writeAtomically(crl, await signCrl(indexRevoking('carol', 'dave'), 4, new Date(Date.now() + 600_000)));
    await until(() => events(gw, 'crl-pending')[pending], 10_000, 'the crl-pending warning');
    // The clock fixed, the CRL re-signed from the same index: CRL Number 5, valid now, erin revoked as well.
    await new Promise((r) => setTimeout(r, 1100));
    writeAtomically(crl, await signCrl(indexRevoking('carol', 'dave', 'erin'), 5, new Date()));
    // bob, carol, dave and erin: the reload line counts the 4 serials of CRL #5 (the held one had 3).
    const reloadOf5 = () => gw.stderr().split('\n').some((l) => l.includes('TLS material loaded') && l.includes('"revoked":4'));
    await until(() => reloadOf5() || failures().length > n, 10_000, 'the reload of CRL #5');
    expect(failures().slice(n)).toEqual([]);
    // erin, whom only #5 revokes, is out (refused #5 would have let her in; the refusal lines of
    // reason "revoked" are past their sample of 10 a minute here, so the outcome is what counts).
    expect(await ok(pki.bundle('erin'))).toBe(false);
    expect(await ok(pki.bundle('alice'))).toBe(true);
    const ready = await httpGet(`http://127.0.0.1:${gw.adminPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).not.toContain('is not valid yet');
  }, 60_000);

  it('a reload without a CA\'s CRL, then one with its older CRL: refused, the revoked client stays out (rev-crl F1)', async () => {
    // Two CAs (a second `certs init`), each with its CRL; bob (CA 1) revoked by CRL #21.
    const second = await makePki({});
    const dir = join(work, 'two-cas');
    execFileSync('mkdir', ['-p', dir]);
    for (const f of ['server-cert.pem', 'server-key.pem']) cpSync(join(pki.dir, f), join(dir, f));
    writeFileSync(join(dir, 'ca.pem'), readFileSync(join(pki.dir, 'ca.pem'), 'utf8') + readFileSync(join(second.dir, 'ca.pem'), 'utf8'));
    const secondCrl = readFileSync(join(second.dir, 'crl.pem'), 'utf8');
    writeFileSync(join(dir, 'crl.pem'), (await signCrl(indexRevoking(), 21, new Date())) + secondCrl);
    const g = await startGateway(dir, config(dir));
    gateways.push(g);
    const reloads = (): string[] => g.stderr().split('\n').filter((l) => l.includes('TLS material loaded') || l.includes('TLS reload failed'));
    expect(await ok(pki.bundle('bob'), g)).toBe(false);
    expect(await ok(pki.bundle('alice'), g)).toBe(true);
    // A half-done edit: CA 1's CRL missing (its clients refused, UNABLE_TO_GET_CRL); the reload goes in.
    let n = reloads().length;
    writeAtomically(join(dir, 'crl.pem'), secondCrl);
    await until(() => reloads()[n], 10_000, 'the reload without CA 1\'s CRL');
    expect(reloads()[n]).toContain('TLS material loaded');
    // Said where it is looked for (rev-crl F4): /readyz (still ready) and dockgate_tls_cas_refused.
    const gap = await httpGet(`http://127.0.0.1:${g.adminPort}/readyz`);
    expect(gap.status).toBe(200);
    expect(gap.body).toContain('has no CRL in tls.crl: every client of that CA is refused (UNABLE_TO_GET_CRL)');
    expect((await httpGet(`http://127.0.0.1:${g.adminPort}/metrics`)).body).toMatch(/^dockgate_tls_cas_refused\{reason="no-crl"\} 1$/m);
    // CA 1's CRL #20 from before bob's revocation (a stale copy): refused, bob stays out.
    n = reloads().length;
    writeAtomically(join(dir, 'crl.pem'), (await signCrl({ version: 1, hosts: [], crlNumber: 0, certs: [] }, 20, new Date(Date.now() - 3_600_000))) + secondCrl);
    const line = JSON.parse(await until(() => reloads()[n], 10_000, 'the reload of CRL #20')) as Record<string, unknown>;
    expect(line.err).toContain('has CRL Number 20, not higher than the newest loaded since the gateway started (21)');
    expect(await ok(pki.bundle('bob'), g)).toBe(false);
    // rev-crl F3: CA 1's CRL #22, already expired: put in force (fail closed: no older CRL is kept
    // in its place), and said: an error line naming the CA and nextUpdate, /readyz, the metric.
    n = reloads().length;
    writeAtomically(join(dir, 'crl.pem'), (await signCrl(indexRevoking(), 22, new Date(Date.now() - 31 * 86_400_000))) + secondCrl);
    await until(() => reloads()[n], 10_000, 'the reload of CRL #22');
    const lockout = await until(() => events(g, 'crl-lockout')[0], 10_000, 'the crl-lockout line');
    expect(lockout).toMatchObject({ reason: 'crl-expired', level: 50 });
    // The two CAs' names differ (certs init names each CA apart since 3cc39bc): the CA is named
    // without the fingerprint that tells apart CAs of one name (same-name-cas.test.ts).
    expect(String(lockout.msg)).toMatch(/^the CRL of "CN=dockgate CA [^"]*" in force expired on .* \(nextUpdate\): every client of that CA is refused \(CRL_HAS_EXPIRED\)/);
    const expired = await httpGet(`http://127.0.0.1:${g.adminPort}/readyz`);
    expect(expired.status).toBe(503);
    expect(expired.body).toContain('CRL_HAS_EXPIRED');
    const metrics = (await httpGet(`http://127.0.0.1:${g.adminPort}/metrics`)).body;
    expect(metrics).toMatch(/^dockgate_tls_cas_refused\{reason="crl-expired"\} 1$/m);
    expect(metrics).toMatch(/^dockgate_tls_cas_refused\{reason="no-crl"\} 0$/m);
    expect(await ok(pki.bundle('alice'), g)).toBe(false);
    await g.stop();
  }, 60_000);
});

describe('no tls: block, ./certs/crl.pem', () => {
  /** A copy of the CA directory as ./certs of a new directory, less `drop`, with a config without tls. */
  function withoutTls(name: string, drop: string[]): { dir: string; file: string } {
    const dir = join(work, name);
    cpSync(pki.dir, join(dir, 'certs'), { recursive: true });
    for (const f of drop) rmSync(join(dir, 'certs', f));
    const file = join(dir, 'dockgate.yaml');
    writeFileSync(file, `listen: 127.0.0.1:0\nupstream: unix://${socket}\nadmin: 127.0.0.1:0\npolicy: ${POLICY}\n`);
    return { dir, file };
  }

  it('a dockgate CA directory (index.json) without crl.pem: exit 2, naming the file, before anything listens', async () => {
    const { dir, file } = withoutTls('dockgate-ca', ['crl.pem']);
    const r = await dockgate(['serve', '--config', file], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`tls.crl: ${dir}/certs/crl.pem: no such file: ${dir}/certs is a dockgate CA directory (index.json), whose revocations are in crl.pem, and without it every revoked certificate would be accepted`);
  });

  it('another CA\'s files (no index.json) without crl.pem: serves with revocation off, and says so at start, on /readyz and in dockgate_tls_crls', async () => {
    const { dir, file } = withoutTls('foreign-ca', ['crl.pem', 'index.json']);
    const g = await startGateway(dir, readFileSync(file, 'utf8'));
    gateways.push(g);
    expect(events(g, 'tls-config').map((l) => l.msg)).toContain('no CRL: revocation off (no tls.crl: a revoked client certificate is accepted until it expires)');
    const ready = await httpGet(`http://127.0.0.1:${g.adminPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toContain('no CRL: revocation off');
    expect((await httpGet(`http://127.0.0.1:${g.adminPort}/metrics`)).body).toMatch(/^dockgate_tls_crls 0$/m);
    expect((await httpGet(`http://127.0.0.1:${gw.adminPort}/metrics`)).body).toMatch(/^dockgate_tls_crls 1$/m);
    // The consequence the README states: revoked bob gets in.
    expect(await ok(pki.bundle('bob'), g)).toBe(true);
    await g.stop();
  });
});

// The daemon is shared: nothing here creates containers, but check it still answers.
it('the daemon still answers directly', async () => {
  expect((await dockerDirect(socket, ['version', '--format', '{{.Server.Version}}'])).code).toBe(0);
});
