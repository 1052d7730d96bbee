/**
 * One TLS file change followed by SIGHUP is loaded once, by each listener (s33 probe): the
 * signal's reload read the new `crl.pem`, and the file watch loaded it again about 2 s later:
 * two `TLS material loaded` lines (two `admin TLS material loaded`) and
 * `dockgate_tls_reloads_total` +2 for one change. As for the policy (policy-sighup-settle.test.ts),
 * the watch now skips a file the newest reload already read as it is; a change made after that
 * reload is still loaded, and a SIGHUP on unchanged files still reloads them. Against the
 * running gateway, real TLS and the real docker CLI: `admin.tls.crl` is the same file as `tls.crl`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { configYaml, docker, dockgate, makePki, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;

const lines = (msg: string): number => gw.stderr().split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;
const dockerLoads = (): number => lines('TLS material loaded');
const adminLoads = (): number => lines('admin TLS material loaded');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `dockgate_tls_reloads_total{result="success"}` from the admin listener's /metrics (scraped as `admin`). */
async function reloads(): Promise<number> {
  const b = pki.bundle('admin');
  const res = await run('curl', ['-sS', '--cacert', join(pki.dir, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), `https://localhost:${gw.adminPort}/metrics`, '--resolve', `localhost:${gw.adminPort}:127.0.0.1`]);
  const m = /^dockgate_tls_reloads_total\{result="success"\} (\d+)/m.exec(res.stdout);
  if (!m) throw new Error(`no dockgate_tls_reloads_total in /metrics: ${res.stderr}`);
  return Number(m[1]);
}

const canUse = async (name: string): Promise<boolean> => (await docker(pki.bundle(name), gw.port, ['version', '--format', '{{.Server.Version}}'])).code === 0;

/** Revoke `name` with the CLI: crl.pem is replaced by rename. */
async function revoke(name: string): Promise<void> {
  const r = await dockgate(['certs', 'revoke', name, '--dir', pki.dir]);
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  pki = await makePki({ admin: ['admin'], carol: ['admin'], dave: ['admin'], erin: ['admin'], frank: ['admin'] });
  const d = pki.dir;
  const adminTls = `admin:\n  listen: 127.0.0.1:0\n  tls: { cert: ${d}/server-cert.pem, key: ${d}/server-key.pem, ca: ${d}/ca.pem, crl: ${d}/crl.pem }\n`;
  const yaml = configYaml(pki, socket, `policy: ${join(process.cwd(), 'config/policies/admin.yaml')}\n`, { crl: `${d}/crl.pem` }).replace('admin: 127.0.0.1:0\n', adminTls);
  expect(yaml).toContain(adminTls);
  gw = await startGateway(d, yaml);
});

afterAll(async () => {
  await gw?.stop();
});

it('a CRL change followed by SIGHUP is loaded once by each listener; a later change is still loaded', async () => {
  expect(await canUse('carol')).toBe(true);
  const docker0 = dockerLoads();
  const admin0 = adminLoads();
  const success0 = await reloads();

  await revoke('carol');
  gw.process.kill('SIGHUP');
  await until(() => dockerLoads() > docker0 && adminLoads() > admin0, 10_000, 'the SIGHUP reloads');
  expect(await canUse('carol')).toBe(false);
  // The watch (1 s poll, 2 s quiet from the file's mtime) has had its turn.
  await sleep(4500);
  expect(dockerLoads()).toBe(docker0 + 1);
  expect(adminLoads()).toBe(admin0 + 1);
  expect(await reloads()).toBe(success0 + 1);

  // A change with no SIGHUP: the watch loads it (once per listener).
  expect(await canUse('dave')).toBe(true);
  await revoke('dave');
  await until(() => dockerLoads() > docker0 + 1 && adminLoads() > admin0 + 1, 10_000, 'the watch reloads');
  expect(await canUse('dave')).toBe(false);
  await sleep(4500);
  expect(dockerLoads()).toBe(docker0 + 2);
  expect(adminLoads()).toBe(admin0 + 2);
  expect(await reloads()).toBe(success0 + 2);
});

it('a change made just after the SIGHUP\'s read is loaded by the watch; a SIGHUP on unchanged files still reloads', async () => {
  expect(await canUse('erin')).toBe(true);
  const docker0 = dockerLoads();
  const admin0 = adminLoads();
  await revoke('frank');
  gw.process.kill('SIGHUP');
  await until(() => dockerLoads() > docker0 && adminLoads() > admin0, 10_000, 'the SIGHUP reloads');
  // The SIGHUP read the file before this change: the watch must load it.
  await revoke('erin');
  await until(() => dockerLoads() > docker0 + 1 && adminLoads() > admin0 + 1, 10_000, 'the watch reloads of the later change');
  expect(await canUse('erin')).toBe(false);
  expect(await canUse('frank')).toBe(false);
  await sleep(4500);
  expect(dockerLoads()).toBe(docker0 + 2);
  expect(adminLoads()).toBe(admin0 + 2);

  gw.process.kill('SIGHUP');
  await until(() => dockerLoads() === docker0 + 3 && adminLoads() === admin0 + 3, 10_000, 'the reloads an operator asked for');
});
