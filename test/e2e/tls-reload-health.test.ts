/**
 * TLS material that is not in force, or refuses everyone, must show on /readyz and /metrics.
 * Against the running gateway, the real docker CLI and a real dockerd: a new CRL the gateway
 * cannot load (signed with ecdsa-with-SHA224, which OpenSSL itself accepts) leaves its
 * revocation unapplied, so readiness, the reload counter and gauge say so until a good CRL
 * loads; an expired CRL, or one not valid yet replacing an expired one (with a valid CRL in
 * force it is held pending: certificate-refusals.test.ts), loads and refuses every client (fail closed), and
 * readiness fails and the CRL's nextUpdate is exported for the expiry alerts, also when a CRL
 * expires while it is in force, with no reload.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { refreshCrl } from '../../src/pki/revoke-cert.js';
import { rotateServer } from '../../src/pki/rotate-server.js';
import { x509 } from '../../src/pki/webcrypto.js';
import { configYaml, docker, dockgate, makePki, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpGet } from './support/prometheus.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const POLICY = resolve('config/policies/admin.yaml');
const DAY = 86_400_000;
let pki: TestPki;
let gw: TestGateway;
let adminUrl: string;
let crlFile: string;

interface Ready {
  status: number;
  body: { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
}

async function readyz(): Promise<Ready> {
  const res = await httpGet(`${adminUrl}/readyz`, 10_000);
  return { status: res.status, body: JSON.parse(res.body) as Ready['body'] };
}

/** One series of the live exposition, by its exact text (`name{labels}`); undefined when absent. */
async function sample(series: string): Promise<number | undefined> {
  const text = (await httpGet(`${adminUrl}/metrics`)).body;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Replace crl.pem atomically, as a CRL publisher should. */
function installCrl(pem: string): void {
  writeFileSync(`${crlFile}.tmp`, pem);
  renameSync(`${crlFile}.tmp`, crlFile);
}

const nextUpdateOf = (pem: string): Date => new x509.X509Crl(pem).nextUpdate as Date;
const stderrLines = (needle: string): string[] => gw.stderr().split('\n').filter((l) => l.includes(needle));
const canUse = async (name: string): Promise<boolean> => (await docker(pki.bundle(name), gw.port, ['version', '--format', '{{.Server.Version}}'])).code === 0;
const handshakeRefused = (code: string) => stderrLines('"tls-handshake-failed"').some((l) => l.includes(`client certificate not verified: ${code}`));

beforeAll(async () => {
  pki = await makePki({ alice: ['admin'], bob: ['admin'], carol: ['admin'] });
  const d = pki.dir;
  crlFile = join(d, 'crl.pem');
  gw = await startGateway(d, configYaml(pki, socket, `policy: ${POLICY}\n`, { crl: crlFile }));
  adminUrl = `http://127.0.0.1:${gw.adminPort}`;
});

afterAll(async () => {
  await gw?.stop();
});

describe('a new CRL the gateway cannot load', () => {
  it('keeps the old CRL in force, and /readyz, dockgate_tls_reloads_total and dockgate_tls_last_reload_successful say so until a good CRL loads', async () => {
    const start = await readyz();
    expect(start.status).toBe(200);
    expect(start.body.checks.certificates?.ok).toBe(true);
    expect(await sample('dockgate_tls_reloads_total{result="success"}')).toBe(1);
    expect(await sample('dockgate_tls_reloads_total{result="failure"}')).toBe(0);
    expect(await sample('dockgate_tls_last_reload_successful')).toBe(1);
    expect(await canUse('alice')).toBe(true);

    // The CA signs a CRL revoking alice with ecdsa-with-SHA224: OpenSSL applies it, dockgate's
    // CRL check refuses the algorithm.
    const work = scratchDir('crl224-');
    const serial = (await run('openssl', ['x509', '-serial', '-noout', '-in', join(pki.bundle('alice'), 'cert.pem')])).stdout.trim().replace(/^serial=/, '');
    writeFileSync(join(work, 'index.txt'), `R\t491231235959Z\t250101000000Z\t${serial}\tunknown\t/CN=alice\n`);
    writeFileSync(join(work, 'ca.cnf'), '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\n');
    const made = await run('openssl', ['ca', '-gencrl', '-config', 'ca.cnf', '-keyfile', join(pki.dir, 'ca-key.pem'), '-cert', join(pki.dir, 'ca.pem'), '-md', 'sha224', '-crldays', '30', '-out', 'crl.pem'], { cwd: work });
    expect(made.code, made.stderr).toBe(0);
    const verified = await run('openssl', ['verify', '-crl_check', '-CAfile', join(pki.dir, 'ca.pem'), '-CRLfile', join(work, 'crl.pem'), join(pki.bundle('alice'), 'cert.pem')]);
    expect(verified.stdout + verified.stderr).toContain('certificate revoked');

    installCrl(readFileSync(join(work, 'crl.pem'), 'utf8'));
    const line = await until(() => stderrLines('TLS reload failed')[0], 15_000, 'the reload failure');
    const logged = JSON.parse(line) as { level: number; msg: string; err: string };
    expect(logged.msg).toBe('TLS reload failed; the previous certificates stay in force, and so does the previous CRL: clients a new CRL revokes still get in');
    expect(logged.err).toContain('1.2.840.10045.4.3.1');

    const failed = await readyz();
    expect(failed.status).toBe(503);
    expect(failed.body.status).toBe('not ready');
    expect(failed.body.checks.certificates?.ok).toBe(false);
    expect(failed.body.checks.certificates?.detail).toMatch(/^last TLS reload failed, the previous certificates and CRL stay in force \(revocations in a new CRL are not applied\): .*crl\.pem: .*1\.2\.840\.10045\.4\.3\.1/);
    for (const name of ['listener', 'policy', 'daemon']) expect(failed.body.checks[name]?.ok, name).toBe(true);
    expect(await sample('dockgate_tls_reloads_total{result="failure"}')).toBe(1);
    expect(await sample('dockgate_tls_last_reload_successful')).toBe(0);
    // What the signals above report: the revocation is not applied yet.
    expect(await canUse('alice')).toBe(true);

    // A good CRL (dockgate signs SHA-256) revoking alice loads: ready again, alice refused.
    const revoked = await dockgate(['certs', 'revoke', 'alice', '--dir', pki.dir]);
    expect(revoked.code, revoked.stderr).toBe(0);
    await until(async () => (await readyz()).status === 200, 15_000, 'ready again');
    expect((await readyz()).body.checks.certificates?.ok).toBe(true);
    expect(await sample('dockgate_tls_reloads_total{result="success"}')).toBe(2);
    expect(await sample('dockgate_tls_reloads_total{result="failure"}')).toBe(1);
    expect(await sample('dockgate_tls_last_reload_successful')).toBe(1);
    expect(await canUse('alice')).toBe(false);
    expect(await canUse('bob')).toBe(true);
  });
});

describe('a CRL outside its validity window refuses every client and /readyz says so', () => {
  it('exports the CRL nextUpdate as dockgate_certificate_expiry_timestamp_seconds{kind="crl"}', async () => {
    const nextUpdate = nextUpdateOf(readFileSync(crlFile, 'utf8'));
    expect(await sample('dockgate_certificate_expiry_timestamp_seconds{kind="crl",name="crl"}')).toBe(Math.floor(nextUpdate.getTime() / 1000));
  });

  it('expired (nextUpdate passed): loaded, every client refused (CRL_HAS_EXPIRED), /readyz 503 and the exported nextUpdate in the past', async () => {
    // Signed 3 s ago, expired 2 s ago: newer than the CRL in force (an older one would be
    // refused as a rollback), and out of date.
    const inForce = new x509.X509Crl(readFileSync(crlFile, 'utf8')).thisUpdate;
    await new Promise((r) => setTimeout(r, Math.max(0, inForce.getTime() + 4500 - Date.now())));
    await refreshCrl({ dir: pki.dir, now: new Date(Date.now() - 3000), crlDays: 1000 / DAY });
    const nextUpdate = nextUpdateOf(readFileSync(crlFile, 'utf8'));
    const series = 'dockgate_certificate_expiry_timestamp_seconds{kind="crl",name="crl"}';
    await until(async () => (await sample(series)) === Math.floor(nextUpdate.getTime() / 1000), 15_000, 'the expired CRL to load');
    expect(nextUpdate.getTime()).toBeLessThan(Date.now());
    // The reload itself succeeded: the CRL is valid, only out of date.
    expect(await sample('dockgate_tls_last_reload_successful')).toBe(1);
    const r = await readyz();
    expect(r.status).toBe(503);
    expect(r.body.checks.certificates?.ok).toBe(false);
    expect(r.body.checks.certificates?.detail).toMatch(/^CRL of "CN=dockgate CA [^"]*, O=dockgate" expired on /);
    expect(r.body.checks.certificates?.detail).toContain(`expired on ${nextUpdate.toISOString()} (nextUpdate): every client of that CA is refused (CRL_HAS_EXPIRED)`);
    expect(await canUse('bob')).toBe(false);
    await until(() => handshakeRefused('CRL_HAS_EXPIRED'), 5000, 'a CRL_HAS_EXPIRED handshake line');
  });

  it('not yet valid (thisUpdate tomorrow), replacing the expired CRL: every client refused (CRL_NOT_YET_VALID) and /readyz 503', async () => {
    const thisUpdate = new Date(Math.floor((Date.now() + DAY) / 1000) * 1000);
    await refreshCrl({ dir: pki.dir, now: thisUpdate, crlDays: 30 });
    const r = await until(async () => {
      const p = await readyz();
      return p.body.checks.certificates?.detail?.includes('CRL_NOT_YET_VALID') ? p : undefined;
    }, 15_000, 'readiness to see the not-yet-valid CRL');
    expect(r.status).toBe(503);
    expect(r.body.checks.certificates?.ok).toBe(false);
    expect(r.body.checks.certificates?.detail).toContain(`is not valid before ${thisUpdate.toISOString()} (thisUpdate)`);
    expect(await canUse('bob')).toBe(false);
    await until(() => handshakeRefused('CRL_NOT_YET_VALID'), 5000, 'a CRL_NOT_YET_VALID handshake line');
  });

  it('a CRL that expires while in force turns /readyz to 503 at that moment, with no reload', async () => {
    // Valid for 8 more seconds.
    await refreshCrl({ dir: pki.dir, crlDays: 8_000 / DAY });
    const nextUpdate = nextUpdateOf(readFileSync(crlFile, 'utf8'));
    await until(async () => (await readyz()).status === 200, 15_000, 'the fresh CRL to load');
    expect(await canUse('bob')).toBe(true);
    const reloads = stderrLines('TLS material loaded').length;

    await new Promise((r) => setTimeout(r, Math.max(0, nextUpdate.getTime() - Date.now() + 500)));
    const r = await readyz();
    expect(r.status).toBe(503);
    expect(r.body.checks.certificates?.detail).toContain(`expired on ${nextUpdate.toISOString()} (nextUpdate)`);
    expect(stderrLines('TLS material loaded').length).toBe(reloads);
    expect(await canUse('bob')).toBe(false);

    const refreshed = await dockgate(['certs', 'crl', '--dir', pki.dir]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    await until(async () => (await readyz()).status === 200, 15_000, 'ready after certs crl');
    expect(await canUse('bob')).toBe(true);
  });
});

// alice was revoked above: bob is the client here.
describe('a new server certificate clients would refuse is not put in force', () => {
  const hex = (serial: string): string => serial.toLowerCase().replace(/^0+/, '');
  /** Readiness once it refuses the certificate of serial `serial` with `fragment`. */
  const certificates = async (serial: string, fragment: string): Promise<Ready> =>
    until(async () => {
      const p = await readyz();
      const refused = /the new server certificate \(serial ([0-9a-f]+)\) (.*)/.exec(p.body.checks.certificates?.detail ?? '');
      return refused && hex(refused[1] ?? '') === hex(serial) && refused[2]?.startsWith(fragment) ? p : undefined;
    }, 15_000, `readiness to say "${fragment}"`);
  const servedSerial = async (): Promise<string> => {
    const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${gw.port}`, '-cert', join(pki.bundle('bob'), 'cert.pem'), '-key', join(pki.bundle('bob'), 'key.pem')], { input: '' });
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(r.stdout)?.[0];
    return pem ? hex(new x509.X509Certificate(pem).serialNumber) : '';
  };

  it('one not valid for two days (staged): pending, the old one serves, and a revocation meanwhile is in force at once', async () => {
    const before = await servedSerial();
    expect(before).not.toBe('');
    expect(await canUse('carol')).toBe(true);
    const issued = await rotateServer({ dir: pki.dir, now: new Date(Date.now() + 2 * DAY) });
    const r = await certificates(issued.serial, 'is not valid before');
    // Pending is no failure: ready, the reload counted a success, readiness names it.
    expect(r.status).toBe(200);
    expect(r.body.checks.certificates?.detail).toContain('the gateway loads it then');
    expect(await sample('dockgate_tls_last_reload_successful')).toBe(1);
    expect(await canUse('bob')).toBe(true);
    expect(await servedSerial()).toBe(before);
    // The staged certificate does not hold back the CRL (it did: every reload failed with it).
    const revoked = await dockgate(['certs', 'revoke', 'carol', '--dir', pki.dir]);
    expect(revoked.code, revoked.stderr).toBe(0);
    await until(async () => !(await canUse('carol')), 15_000, 'carol to be refused while a certificate is staged');
    expect(await canUse('bob')).toBe(true);
    expect(await servedSerial()).toBe(before);
  });

  it('an expired one: refused (a failed reload), the old one serves', async () => {
    const before = await servedSerial();
    const issued = await rotateServer({ dir: pki.dir, now: new Date(Date.now() - 3 * DAY), days: 1 });
    const r = await certificates(issued.serial, 'expired on');
    expect(r.status).toBe(503);
    expect(await sample('dockgate_tls_last_reload_successful')).toBe(0);
    expect(await canUse('bob')).toBe(true);
    expect(await servedSerial()).toBe(before);
  });

  it('one valid in a few seconds: pending, then loaded by itself once valid', async () => {
    const before = await servedSerial();
    // Certificates start 5 minutes before their `now` (validity.ts): this one starts 10 s from now.
    const issued = await rotateServer({ dir: pki.dir, now: new Date(Date.now() + 5 * 60_000 + 10_000) });
    const pending = await certificates(issued.serial, 'is not valid before');
    expect(pending.status).toBe(200);
    expect(pending.body.checks.certificates?.detail).toContain('the gateway loads it then');
    expect(await servedSerial()).toBe(before);
    await until(async () => (await servedSerial()) === hex(issued.serial), 25_000, 'the certificate to load once valid');
    const r = await readyz();
    expect(r.status).toBe(200);
    expect(r.body.checks.certificates?.detail).not.toContain('the new server certificate');
    expect(await sample('dockgate_tls_last_reload_successful')).toBe(1);
    expect(await canUse('bob')).toBe(true);
  });
});
