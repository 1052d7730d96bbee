/**
 * A revocation is not held back by another TLS file that is bad (rev-reload F2): while the
 * server certificate has been replaced and its key not yet (a half-done rotation), the whole
 * TLS reload fails, and a `certs revoke` made meanwhile used to wait for the key (carol still
 * got in). Now the CRL is read alone, verified against the CA in force, and its revocations
 * applied: carol's open connection is closed and her new handshakes refused, bob goes on.
 * Real TLS, the real CLI and a real dockerd.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { configYaml, docker, dockgate, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpRequest, RawConnection } from './support/raw-tls.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const POLICY = resolve('config/policies/admin.yaml');
let pki: TestPki;
let gw: TestGateway;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const stderrLines = (needle: string): string[] => gw.stderr().split('\n').filter((l) => l.includes(needle));
const canUse = async (name: string): Promise<boolean> => (await docker(pki.bundle(name), gw.port, ['version', '--format', '{{.Server.Version}}'])).code === 0;

beforeAll(async () => {
  pki = await makePki({ bob: ['admin'], carol: ['admin'] });
  const d = pki.dir;
  gw = await startGateway(d, configYaml(pki, socket, `policy: ${POLICY}\n`, { crl: `${d}/crl.pem` }));
});

afterAll(async () => {
  await gw?.stop();
});

it('a new CRL revokes while the server key does not match its certificate: carol cut and refused, bob served', async () => {
  // carol's keep-alive connection, kept busy (a ping every 300 ms: no idle close).
  const conn = await RawConnection.tls(pki.bundle('carol'), gw.port);
  const answers: number[] = [];
  void (async () => {
    while (!conn.isClosed) {
      conn.write(httpRequest({ method: 'GET', target: '/_ping' }));
      try {
        if ((await conn.response({ timeoutMs: 5000 })).status === 200) answers.push(Date.now());
      } catch {
        return;
      }
      await sleep(300);
    }
  })();
  await until(() => answers.length > 0, 5000, 'the first ping');

  // A rotation made in a copy, its certificate copied over first: the key does not match yet.
  const copy = join(scratchDir('rotate-'), 'certs');
  cpSync(pki.dir, copy, { recursive: true });
  const rotated = await dockgate(['certs', 'rotate-server', '--dir', copy, '--host', '127.0.0.1']);
  expect(rotated.code, rotated.stderr).toBe(0);
  cpSync(join(copy, 'server-cert.pem'), join(pki.dir, 'server-cert.pem'));
  await until(() => stderrLines('private key does not match the certificate').length > 0, 15_000, 'the failed reload');
  await sleep(500);

  const revoked = await dockgate(['certs', 'revoke', 'carol', '--dir', pki.dir]);
  expect(revoked.code, revoked.stderr).toBe(0);
  const revokedAt = Date.now();
  await Promise.race([conn.closed, sleep(10_000)]);
  expect(conn.isClosed).toBe(true);
  expect(Math.max(...answers) - revokedAt).toBeLessThan(6000);
  expect(await canUse('carol')).toBe(false);
  expect(await canUse('bob')).toBe(true);
  const line = JSON.parse(stderrLines('"crl-revocations-applied"').at(-1) ?? '{}') as { closedRevoked?: number };
  expect(line.closedRevoked).toBe(1);
  // The old server certificate still serves (its key is the one in force).
  expect(readFileSync(join(pki.dir, 'server-cert.pem'), 'utf8')).toBe(readFileSync(join(copy, 'server-cert.pem'), 'utf8'));
});
