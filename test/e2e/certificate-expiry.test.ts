/**
 * A client certificate (or an intermediate CA of its chain) that expires while its connections
 * are open, with the real docker CLI and a real dockerd (rev-live F1: OpenSSL checks the dates
 * only at the handshake, and nothing else did: a keep-alive connection kept sending requests, a
 * create 20 s after notAfter was forwarded and answered 201, `events` and an `exec -i` session
 * went on for minutes). Each is cut at notAfter, recorded `endedBy: "expired"`, logged; a create
 * sent after it on the same connection never reaches the daemon; another user's stream stays.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCa } from '../../src/pki/ca.js';
import { createIntermediateCa } from '../../src/pki/intermediate-ca.js';
import { issueLeaf } from '../../src/pki/leaf-certificate.js';
import { pkiPaths } from '../../src/pki/paths.js';
import { background as startBackground, killAll, type Background } from './support/background.js';
import { dockerDirect, makePki, run, startGateway, tlsArgs, type TestGateway, type TestPki } from './support/gateway.js';
import { jsonRequest, RawConnection } from './support/raw-tls.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const POLICY = resolve('config/policies/admin.yaml');
const EXEC_BOX = 'expiry-exec';
const AFTER = 'expiry-after-notafter';
const DAY = 86_400_000;
/** How long the short-lived certificates live from the start of the suite. */
const LIFE_MS = 25_000;
const children: ChildProcessWithoutNullStreams[] = [];
let pki: TestPki;
let work: string;
let gw: TestGateway;

/** Start a long-running command and collect its output (killed at the end). */
const background = (cmd: string, args: string[]): Background => startBackground(children, cmd, args);

/** A client bundle directory: the root (it verifies the server), `cert`, `key`. */
function bundle(name: string, cert: string, key: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'ca.pem'), readFileSync(join(pki.dir, 'ca.pem')));
  writeFileSync(join(dir, 'cert.pem'), cert);
  writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
  return dir;
}

interface AuditLine {
  operation: string;
  decision: string;
  status: number;
  identity?: { cn: string };
  endedBy?: string;
}

const auditRecords = (): AuditLine[] =>
  gw
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{"type":"decision"'))
    .map((l) => JSON.parse(l) as AuditLine);

const expiryLines = (): Array<{ expired: string; notAfter: string; subject: string; certificate: { cn: string } }> =>
  gw
    .stderr()
    .split('\n')
    .filter((l) => l.includes('"expired-connection-closed"'))
    .map((l) => JSON.parse(l) as { expired: string; notAfter: string; subject: string; certificate: { cn: string } });

let dave: string;
let erin: string;
let daveNotAfter: number;
let intNotAfter: number;

beforeAll(async () => {
  work = scratchDir('expiry-');
  pki = await makePki({ alice: ['admin'] });
  const root = await loadCa(pkiPaths(pki.dir));
  // Valid for a day from a day ago, less LIFE_MS: LIFE_MS from now (dockgate issues whole days).
  const start = new Date(Date.now() - DAY + LIFE_MS);
  const leaf = await issueLeaf(root, { kind: 'client', subject: [{ CN: ['dave'] }, { OU: ['admin'] }], keyType: 'ecdsa', days: 1, now: start });
  daveNotAfter = leaf.notAfter.getTime();
  dave = bundle('dave', leaf.certPem, leaf.keyPem);
  // An intermediate that expires as soon, and erin's certificate below it valid for days
  // (openssl: dockgate's issuer would clamp it to the intermediate's end).
  const int = await createIntermediateCa(root, { commonName: 'dockgate short team CA', keyType: 'ecdsa', days: 1, now: start });
  intNotAfter = int.cert.notAfter.getTime();
  const dir = join(work, 'int');
  mkdirSync(dir);
  writeFileSync(join(dir, 'int.pem'), int.certPem);
  writeFileSync(join(dir, 'int-key.pem'), int.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'ext.cnf'), '[c]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  const sh = (args: string[]) => run('openssl', args, { cwd: dir });
  expect((await sh(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'key.pem'])).code).toBe(0);
  expect((await sh(['req', '-new', '-key', 'key.pem', '-subj', '/CN=erin/OU=admin', '-out', 'req.csr'])).code).toBe(0);
  expect((await sh(['x509', '-req', '-in', 'req.csr', '-CA', 'int.pem', '-CAkey', 'int-key.pem', '-set_serial', '0x4343', '-days', '5', '-extfile', 'ext.cnf', '-extensions', 'c', '-out', 'cert.pem'])).code).toBe(0);
  erin = bundle('erin', readFileSync(join(dir, 'cert.pem'), 'utf8') + int.certPem, readFileSync(join(dir, 'key.pem'), 'utf8'));
  expect(new Date(new X509Certificate(readFileSync(join(dir, 'cert.pem'))).validTo).getTime()).toBeGreaterThan(Date.now() + DAY);

  const ca = join(work, 'tls-ca.pem');
  writeFileSync(ca, readFileSync(join(pki.dir, 'ca.pem'), 'utf8') + int.certPem);
  gw = await startGateway(work, `listen: 127.0.0.1:0
tls: { ca: ${ca}, cert: ${pki.dir}/server-cert.pem, key: ${pki.dir}/server-key.pem }
upstream: unix://${socket}
admin:
  listen: 127.0.0.1:0
  tls: { ca: ${ca}, cert: ${pki.dir}/server-cert.pem, key: ${pki.dir}/server-key.pem }
policy: ${POLICY}
`);
  expect((await dockerDirect(socket, ['run', '-d', '--name', EXEC_BOX, 'busybox', 'sleep', '600'])).code).toBe(0);
});

afterAll(async () => {
  killAll(children);
  await dockerDirect(socket, ['rm', '-f', EXEC_BOX, AFTER]);
  await gw?.stop();
});

/** `docker events` (from the start of the suite's container): open once it printed that start. */
async function openEvents(b: string): Promise<Background> {
  const events = background('docker', [...tlsArgs(b, gw.port), 'events', '--since', '10m', '--filter', `container=${EXEC_BOX}`]);
  await until(() => events.out().includes(' start '), 15_000, 'docker events to stream');
  return events;
}

describe('certificate expiry on open connections', () => {
  it('at notAfter: the keep-alive connection, events and exec -i of the expired client (and of the client below an expired intermediate) are cut, recorded expired; a create sent after it is not forwarded; another user\'s stream stays', async () => {
    expect(daveNotAfter - Date.now()).toBeGreaterThan(8_000);
    // A keep-alive connection kept busy: a request every 2 s (under keepAliveTimeoutMs).
    const keep = await RawConnection.tls(dave, gw.port);
    const ping = async (): Promise<number> => {
      keep.write('GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n');
      return (await keep.response()).status;
    };
    expect(await ping()).toBe(200);
    // And a scraper's keep-alive connection to the admin listener (rev-fix-http F3: not cut).
    const scrape = await RawConnection.tls(dave, gw.adminPort as number);
    const scrapePing = async (): Promise<number> => {
      scrape.write('GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n');
      return (await scrape.response()).status;
    };
    expect(await scrapePing()).toBe(200);
    const events = await openEvents(dave);
    const session = background('docker', [...tlsArgs(dave, gw.port), 'exec', '-i', EXEC_BOX, 'sh']);
    session.child.stdin.write('echo session-$((20+22))\n');
    await until(() => session.out().includes('session-42'), 15_000, 'the exec -i session to answer');
    const erinEvents = await openEvents(erin);
    const aliceEvents = await openEvents(pki.bundle('alice'));

    while (Date.now() < daveNotAfter + 1_000 && !keep.isClosed) {
      expect(await ping()).toBe(200);
      if (!scrape.isClosed) expect(await scrapePing()).toBe(200);
      await new Promise((r) => setTimeout(r, Math.min(2_000, Math.max(50, daveNotAfter + 1_000 - Date.now()))));
    }
    // Past notAfter on the same connection: a create (before the fix: forwarded, 201).
    if (!keep.isClosed) keep.write(jsonRequest('POST', `/v1.41/containers/create?name=${AFTER}`, JSON.stringify({ Image: 'busybox', Cmd: ['true'] })));
    await Promise.race([keep.closed, new Promise((r) => setTimeout(r, 5_000))]);
    expect(keep.isClosed).toBe(true);
    // Cut with the others (an idle keep-alive connection is closed only 5 s after its last request).
    await Promise.race([scrape.closed, new Promise((r) => setTimeout(r, 1_000))]);
    expect(scrape.isClosed).toBe(true);
    expect(gw.stderr()).toMatch(/"event":"expired-connection-closed","listener":"admin"/);
    expect(keep.takeBuffered().toString('latin1')).not.toContain('201 Created');
    for (const c of [events, session, erinEvents]) await Promise.race([c.exited, new Promise((r) => setTimeout(r, 5_000))]);
    expect([events.child.exitCode, session.child.exitCode, erinEvents.child.exitCode].map((c) => c !== null)).toEqual([true, true, true]);
    // The daemon never saw the create.
    expect((await dockerDirect(socket, ['ps', '-aq', '--filter', `name=${AFTER}`])).stdout.trim()).toBe('');
    // Cut at the expiry, not long after.
    const lines = expiryLines();
    expect(lines.map((l) => `${l.certificate.cn} ${l.expired}`).sort()).toEqual(expect.arrayContaining(['dave client', 'dave client', 'dave client', 'erin ca']));
    expect(lines.find((l) => l.certificate.cn === 'erin')?.subject).toContain('dockgate short team CA');
    expect(Date.parse(lines.find((l) => l.certificate.cn === 'dave')?.notAfter ?? '')).toBe(daveNotAfter);
    expect(Date.parse(lines.find((l) => l.certificate.cn === 'erin')?.notAfter ?? '')).toBe(intNotAfter);

    await until(() => auditRecords().filter((r) => r.endedBy === 'expired').length >= 3, 10_000, 'the records of the cut exchanges');
    const cut = auditRecords()
      .filter((r) => r.endedBy !== undefined)
      .map((r) => `${r.identity?.cn} ${r.operation} ${r.decision} ${r.status} ${r.endedBy}`)
      .sort();
    expect(cut).toEqual(['dave ExecStart allow 101 expired', 'dave SystemEvents allow 200 expired', 'erin SystemEvents allow 200 expired']);
    // alice's stream is still open.
    expect(aliceEvents.child.exitCode).toBeNull();
    // A new connection with the expired certificate is refused at the handshake, as before.
    const again = await run('docker', [...tlsArgs(dave, gw.port), 'version']);
    expect(again.code).not.toBe(0);
  });
});
