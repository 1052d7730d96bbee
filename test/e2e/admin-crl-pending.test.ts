/**
 * A reloaded CRL not valid yet on the admin listener, against the running gateway with real TLS
 * clients: `admin.tls.crl` is the Docker listener's `tls.crl` (one file, as deployments often
 * have it). A CRL signed on a host whose clock runs ahead is held by both listeners (crl-pending.ts):
 * a scraper of that CA still reads /metrics (put in force, OpenSSL would refuse it:
 * CRL_NOT_YET_VALID), a scraper the held CRL revokes is refused at the handshake and its open
 * connection cut at its next request, the admin `crl-pending` warning names admin.tls.crl and
 * /readyz says it, and the files are read again at its thisUpdate, when the CRL goes into force.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCa } from '../../src/pki/ca.js';
import { buildCrl, crlPem } from '../../src/pki/crl.js';
import { pkiPaths } from '../../src/pki/paths.js';
import type { PkiIndex } from '../../src/pki/pki-index.js';
import { configYaml, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;

/** The operational log's lines of `event` (of the admin listener only, with `admin`), parsed. */
function events(event: string, admin = false): Array<Record<string, unknown>> {
  return gw
    .stderr()
    .split('\n')
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => !admin || e.listener === 'admin');
}

/** How many admin reloads have loaded so far. */
const adminLoads = (): number => gw.stderr().split('admin TLS material loaded').length - 1;

/** A TLS connection to the admin listener with the client certificate of `bundle`. */
function adminConnect(bundle: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: gw.adminPort as number, servername: 'localhost', ca: readFileSync(join(pki.dir, 'ca.pem')), cert: readFileSync(join(bundle, 'cert.pem')), key: readFileSync(join(bundle, 'key.pem')) });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * `GET path` on `s` (kept open): the status line and body, or an empty status line when the
 * connection closed (or failed: in TLS 1.3 a refused client certificate is said after the client's handshake ends).
 */
function ask(s: TLSSocket, path: string): Promise<{ status: string; body: string }> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve({ status: '', body: '' });
    let data = '';
    const onData = (d: Buffer): void => {
      data += d.toString();
      const head = data.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(data.slice(0, head));
      if (head >= 0 && length && data.length - head - 4 >= Number(length[1])) done({ status: data.split('\r\n')[0] as string, body: data.slice(head + 4) });
    };
    const onEnd = (): void => done({ status: '', body: '' });
    const done = (r: { status: string; body: string }): void => {
      s.off('data', onData);
      s.off('close', onEnd);
      s.off('error', onEnd);
      resolve(r);
    };
    s.on('data', onData);
    s.on('close', onEnd);
    s.on('error', onEnd);
    s.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  });
}

/** `GET path` on a new admin connection as `bundle`: its status line ('' when refused) and body. */
async function adminGet(bundle: string, path: string): Promise<{ status: string; body: string }> {
  let s: TLSSocket;
  try {
    s = await adminConnect(bundle);
  } catch {
    return { status: '', body: '' };
  }
  try {
    return await ask(s, path);
  } finally {
    s.destroy();
  }
}

/** The CA's CRL with the next CRL Number, thisUpdate `thisUpdate`, revoking `names` besides what the index marks revoked. */
async function signCrl(thisUpdate: Date, ...names: string[]): Promise<string> {
  const index = JSON.parse(readFileSync(join(pki.dir, 'index.json'), 'utf8')) as PkiIndex;
  for (const entry of index.certs) if (names.includes(entry.name) && !entry.revoked) entry.revoked = { at: new Date().toISOString(), reason: 'keyCompromise' } as never;
  const ca = await loadCa(pkiPaths(pki.dir));
  return crlPem(await buildCrl(ca, index, index.crlNumber + 1, thisUpdate, 30));
}

beforeAll(async () => {
  pki = await makePki({ admin: ['admin'], scraper: [], carol: [] });
  const d = pki.dir;
  const adminTls = `admin:\n  listen: 127.0.0.1:0\n  tls: { cert: ${d}/server-cert.pem, key: ${d}/server-key.pem, ca: ${d}/ca.pem, crl: ${d}/crl.pem }\n`;
  const yaml = configYaml(pki, socket, '', { crl: `${d}/crl.pem` }).replace('admin: 127.0.0.1:0\n', adminTls);
  expect(yaml).toContain(`tls: { ca: ${d}/ca.pem, cert: ${d}/server-cert.pem, key: ${d}/server-key.pem, crl: ${d}/crl.pem }`);
  gw = await startGateway(d, yaml);
  expect(gw.adminPort).toBeGreaterThan(0);
});

afterAll(async () => {
  await gw?.stop();
});

describe('admin.tls.crl: a reloaded CRL not valid yet', () => {
  it('is held: a scraper reads /metrics, the one it revokes is refused and cut, it is said, and it goes into force at its thisUpdate', async () => {
    const scraper = pki.bundle('scraper');
    const carol = pki.bundle('carol');
    expect((await adminGet(scraper, '/metrics')).status).toBe('HTTP/1.1 200 OK');
    // carol's keep-alive connection, opened before the reload.
    const open = await adminConnect(carol);
    open.on('error', () => {});
    expect((await ask(open, '/healthz')).status).toBe('HTTP/1.1 200 OK');

    // Signed on a host whose clock runs 15 s ahead (seconds: X.509 times have no fraction), revoking carol.
    const thisUpdate = new Date(Math.ceil(Date.now() / 1000) * 1000 + 15_000);
    const loadsBefore = adminLoads();
    const crl = join(pki.dir, 'crl.pem');
    writeFileSync(`${crl}.new`, await signCrl(thisUpdate, 'carol'));
    renameSync(`${crl}.new`, crl);
    const warn = await until(() => events('crl-pending', true)[0], 10_000, 'the admin crl-pending warning');
    expect(warn.validFrom).toBe(thisUpdate.toISOString());
    expect(String(warn.msg)).toMatch(new RegExp(`^admin\\.tls\\.crl ${crl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the new CRL of ".*" \\(thisUpdate ${thisUpdate.toISOString()}\\) is not valid yet, and OpenSSL would refuse every client of that CA until then \\(CRL_NOT_YET_VALID\\)`));
    await until(() => events('crl-pending').find((e) => e.listener === undefined), 10_000, 'the Docker listener\'s crl-pending warning');

    // Put in force, the admin listener would refuse every scraper of the CA (CRL_NOT_YET_VALID).
    const metrics = await adminGet(scraper, '/metrics');
    expect(metrics.status).toBe('HTTP/1.1 200 OK');
    expect(metrics.body).toMatch(/^dockgate_admin_tls_last_reload_successful 1$/m);
    // carol, revoked by the held CRL: her open connection is cut at its next request...
    expect((await ask(open, '/healthz')).status).toBe('');
    await until(() => events('revoked-connection-closed', true).find((e) => (e.certificate as { cn?: string })?.cn === 'carol'), 10_000, 'carol\'s connection cut');
    // ...and her new handshakes are refused by the listener's own check.
    expect((await adminGet(carol, '/healthz')).status).toBe('');
    const refusal = await until(() => events('tls-handshake-failed', true).find((e) => (e.certificate as { cn?: string })?.cn === 'carol'), 10_000, 'carol\'s refusal');
    expect(refusal).toMatchObject({ reason: 'revoked' });
    expect(String(refusal.detail)).toContain('is revoked by a CRL the admin listener checks itself');
    // Ready, and said: both listeners hold it.
    const ready = await adminGet(scraper, '/readyz');
    expect(ready.status).toBe('HTTP/1.1 200 OK');
    expect(ready.body).toContain(`; ${crl}: the new CRL of`);
    expect(ready.body).toContain(`; admin.tls.crl ${crl}: the new CRL of`);

    // Read again a second after its thisUpdate: loaded, not held again.
    await until(() => adminLoads() >= loadsBefore + 2, 30_000, 'the admin listener to load the held CRL');
    expect(Date.now()).toBeGreaterThan(thisUpdate.getTime());
    expect(events('crl-pending', true)).toHaveLength(1);
    expect((await adminGet(scraper, '/metrics')).status).toBe('HTTP/1.1 200 OK');
    // Now OpenSSL refuses carol (CERT_REVOKED) with the CRL in force.
    expect((await adminGet(carol, '/healthz')).status).toBe('');
    await until(() => events('tls-handshake-failed', true).find((e) => (e.certificate as { cn?: string })?.cn === 'carol' && String(e.detail).includes('CERT_REVOKED')), 10_000, 'carol refused by the CRL in force');
    const readyAfter = await until(async () => {
      const r = await adminGet(scraper, '/readyz');
      return r.body.includes('is not valid yet') ? undefined : r;
    }, 10_000, 'readiness without a pending CRL');
    expect(readyAfter.status).toBe('HTTP/1.1 200 OK');
    open.destroy();
  }, 90_000);
});
