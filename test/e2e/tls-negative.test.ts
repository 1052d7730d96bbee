/**
 * Negative TLS: each bad client is refused at the handshake, the gateway logs why, and the
 * daemon sees nothing (no container is created, no audit record is written).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCa, loadCa } from '../../src/pki/ca.js';
import { issueLeaf } from '../../src/pki/leaf-certificate.js';
import { pkiPaths } from '../../src/pki/paths.js';
import { configYaml, docker, DOCKER_CLIS, dockerDirect, makePki, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;
let work: string;
const names: string[] = [];

/** Write a client bundle (ca.pem, cert.pem, key.pem) into a new directory. */
function writeBundle(name: string, ca: string, cert: string, key: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'ca.pem'), ca);
  writeFileSync(join(dir, 'cert.pem'), cert);
  writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
  return dir;
}

/** Handshake-failure log lines of the gateway (`g`, the shared one by default) since `from` (an index into stderr). */
function handshakeLines(from: number, g: TestGateway = gw): Array<{ reason: string; detail: string; client?: string }> {
  return g
    .stderr()
    .slice(from)
    .split('\n')
    .filter((l) => l.includes('"tls-handshake-failed"'))
    .map((l) => JSON.parse(l) as { reason: string; detail: string });
}

/**
 * How the docker CLI reports a refused handshake. With TLS 1.3 the server checks the client
 * certificate after the client thinks the handshake is done, so the CLI sees an alert, a reset
 * or an EOF on its first read rather than a clear certificate error; or, when the close arrives
 * before Go's transport has written the request, `http: server closed idle connection` (seen
 * once in CI, for the expired certificate).
 */
const CLI_REFUSED = /error during connect: .*(remote error: tls|connection reset by peer|EOF|server closed idle connection)/;

/**
 * Handshake with Node's TLS and `bundle` (which sends its certificate whatever the server asks
 * for), then send a request. Returns how it ended and the handshake reasons the gateway logged.
 */
async function handshakeProbe(bundle: string, extra: ConnectionOptions = {}, g: TestGateway = gw): Promise<{ outcome: string; reasons: string[]; details: string[] }> {
  const errFrom = g.stderr().length;
  const outcome = await new Promise<string>((resolve) => {
    const s = connect({
      host: '127.0.0.1',
      port: g.port,
      ca: readFileSync(join(bundle, 'ca.pem')),
      cert: readFileSync(join(bundle, 'cert.pem')),
      key: readFileSync(join(bundle, 'key.pem')),
      ...extra,
    });
    let body = '';
    s.on('secureConnect', () => s.write('GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    s.on('data', (d: Buffer) => (body += d.toString()));
    s.on('error', (err) => resolve(`error: ${err.message}`));
    s.on('close', () => resolve(`closed: ${body}`));
  });
  const lines = (await waitFor(() => {
    const l = handshakeLines(errFrom, g);
    return l.length > 0 ? l : undefined;
  })) ?? [];
  return { outcome, reasons: lines.map((l) => l.reason), details: lines.map((l) => l.detail) };
}

/** Open a TCP connection to the gateway on `port`, send `bytes` (none when undefined), end it; resolves once it closed. */
function sendAndGo(port: number, bytes?: Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    const s = netConnect(port, '127.0.0.1', () => (bytes ? s.end(bytes) : s.end()));
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
}

/** The source of `g`'s clients was not blocked: nothing logged, and a valid client is served. */
async function expectNotBlocked(g: TestGateway): Promise<void> {
  expect(g.stderr()).not.toContain('"tls-source-blocked"');
  const ok = await docker(pki.bundle('admin'), g.port, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 });
  expect(ok.stderr).toBe('');
  expect(ok.code).toBe(0);
}

async function waitFor<T>(probe: () => T | undefined, ms = 5000): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Run `docker run --name NAME busybox true` with `bundle` (or without a client certificate),
 * expect the CLI to fail, and check the daemon and the audit log saw nothing of it.
 */
async function refusedRun(label: string, args: { bundle?: string; caOnly?: string }): Promise<{ stderr: string; handshake: Array<{ reason: string; detail: string }> }> {
  const name = `tlsneg-${label}-${Date.now()}`;
  names.push(name);
  const errFrom = gw.stderr().length;
  const auditBefore = gw.stdout();
  let r;
  if (args.bundle) {
    r = await docker(args.bundle, gw.port, ['run', '--name', name, 'busybox', 'true'], { timeoutMs: 30_000 });
  } else {
    // --tlsverify with only a CA: the CLI offers no client certificate (HOME has none either).
    const home = mkdtempSync(join(work, 'home-'));
    r = await run('docker', ['--tlsverify', '--tlscacert', args.caOnly as string, '-H', `tcp://127.0.0.1:${gw.port}`, 'run', '--name', name, 'busybox', 'true'], {
      env: { ...process.env, HOME: home, DOCKER_CONFIG: home, DOCKER_CERT_PATH: home },
      timeoutMs: 30_000,
    });
  }
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  const handshake = (await waitFor(() => {
    const l = handshakeLines(errFrom);
    return l.length > 0 ? l : undefined;
  })) ?? [];
  // The daemon never heard of it.
  const ps = await dockerDirect(socket, ['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Names}}']);
  expect(ps.code).toBe(0);
  expect(ps.stdout.trim()).toBe('');
  // Nothing reached the HTTP layer: no audit record was written.
  expect(gw.stdout()).toBe(auditBefore);
  return { stderr: r.stderr, handshake };
}

beforeAll(async () => {
  work = scratchDir('tlsneg-');
  pki = await makePki({ admin: [] });
  gw = await startGateway(pki.dir, configYaml(pki, socket));
  const ca = await loadCa(pkiPaths(pki.dir));
  const caPem = readFileSync(join(pki.dir, 'ca.pem'), 'utf8');
  const now = new Date();
  // Expired: valid for one day, two years ago.
  const expired = await issueLeaf(ca, { kind: 'client', subject: [{ CN: ['old-alice'] }, { OU: ['dev'] }], keyType: 'ecdsa', days: 1, now: new Date(now.getTime() - 730 * 86_400_000) });
  writeBundle('expired', caPem, expired.certPem, expired.keyPem);
  // Signed by the right CA but for servers only (EKU serverAuth).
  const serverOnly = await issueLeaf(ca, { kind: 'server', subject: [{ CN: ['mallory'] }], keyType: 'ecdsa', days: 30, now, sans: { dns: ['localhost'], ip: [] } });
  writeBundle('server-only', caPem, serverOnly.certPem, serverOnly.keyPem);
  // Signed by the right CA but naming no one: no subject CN, only SAN DNS:admin (once named
  // after that SAN, so the built-in policy's `users: [admin]` matched), and two CNs.
  const sanAdmin = await issueLeaf(ca, { kind: 'client', subject: [{ OU: ['dev'] }], keyType: 'ecdsa', days: 30, now, sans: { dns: ['admin'], ip: [] } });
  writeBundle('san-admin', caPem, sanAdmin.certPem, sanAdmin.keyPem);
  const twoCn = await issueLeaf(ca, { kind: 'client', subject: [{ CN: ['admin'] }, { CN: ['alice'] }, { OU: ['dev'] }], keyType: 'ecdsa', days: 30, now });
  writeBundle('two-cn', caPem, twoCn.certPem, twoCn.keyPem);
  // A well-formed client certificate from a CA the gateway does not trust.
  const other = await createCa({ keyType: 'ecdsa', days: 30, now, hostname: 'elsewhere' });
  const foreign = await issueLeaf(other, { kind: 'client', subject: [{ CN: ['alice'] }, { OU: ['admin'] }], keyType: 'ecdsa', days: 30, now });
  // The client still trusts the real CA for the server, so only the gateway can refuse.
  writeBundle('foreign', caPem, foreign.certPem, foreign.keyPem);
  // A valid client whose ca.pem is another CA's: the client refuses the gateway's certificate.
  const admin = pki.bundle('admin');
  writeBundle('distrusts-gateway', other.certPem, readFileSync(join(admin, 'cert.pem'), 'utf8'), readFileSync(join(admin, 'key.pem'), 'utf8'));
  // A self-signed client certificate (what a scanner or a test script sends).
  const selfSigned = join(work, 'self-signed');
  mkdirSync(selfSigned);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=admin', '-addext', 'extendedKeyUsage=clientAuth', '-keyout', join(selfSigned, 'key.pem'), '-out', join(selfSigned, 'cert.pem')], { stdio: 'ignore' });
  writeFileSync(join(selfSigned, 'ca.pem'), caPem);
});

afterAll(async () => {
  if (names.length > 0) await dockerDirect(socket, ['rm', '-f', ...names]);
  await gw?.stop();
});

describe('refused at the handshake; the daemon sees nothing', () => {
  it('control: the valid bundle runs a container (so the refusals below are about TLS)', async () => {
    const name = `tlsneg-ok-${Date.now()}`;
    names.push(name);
    const r = await docker(pki.bundle('admin'), gw.port, ['run', '--name', name, 'busybox', 'true']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ps = await dockerDirect(socket, ['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Names}}']);
    expect(ps.stdout.trim()).toBe(name);
    expect(gw.stdout()).toContain(name);
  });

  it.each([['--http1.0'], ['--http1.1'], ['--http2'], ['--http1.1', '--no-alpn']])('control: curl %s is served, as dockerd\'s TLS listener (which negotiates no protocol) serves it', async (...flags) => {
    // Node's HTTPS server offers only http/1.1 by default, and refuses the handshake of a client
    // whose ALPN list has no protocol in common: curl --http1.0 (which offers only http/1.0) failed.
    const b = pki.bundle('admin');
    const r = await run('curl', ['-s', ...flags, '-w', ' %{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), `https://127.0.0.1:${gw.port}/_ping`]);
    expect([r.code, r.stdout]).toEqual([0, 'OK 200']);
  });

  it.each(DOCKER_CLIS)('plain HTTP to the TLS port (the %s CLI without --tlsverify) is told so, as dockerd --tlsverify tells it', async (_v, cli) => {
    // A gateway of its own: the CLI's attempts would use up the shared one's sampled log lines
    // of reason "protocol" (10 a minute), which the TLS 1.1 case below reads.
    const own = await startGateway(pki.dir, configYaml(pki, socket));
    try {
      const home = mkdtempSync(join(work, 'home-plain-'));
      const r = await run(cli, ['-H', `tcp://127.0.0.1:${own.port}`, 'version', '--format', '{{.Server.Version}}'], {
        env: { ...process.env, HOME: home, DOCKER_CONFIG: home, DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '' },
        timeoutMs: 30_000,
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('Client sent an HTTP request to an HTTPS server.');
      expect(r.stdout.trim()).toBe('');
      const reasons = await waitFor(() => {
        const l = own.stderr().split('\n').filter((x) => x.includes('"tls-handshake-failed"')).map((x) => (JSON.parse(x) as { reason: string }).reason);
        return l.length > 0 ? l : undefined;
      });
      expect(reasons).toContain('protocol');
    } finally {
      await own.stop();
    }
  });

  it('no client certificate', async () => {
    const { stderr, handshake } = await refusedRun('nocert', { caOnly: join(pki.dir, 'ca.pem') });
    expect(stderr).toMatch(CLI_REFUSED);
    expect(handshake.map((h) => h.reason)).toContain('no-certificate');
  });

  it('a certificate from another CA', async () => {
    const { stderr, handshake } = await refusedRun('foreign', { bundle: join(work, 'foreign') });
    expect(stderr).toMatch(CLI_REFUSED);
    // The server's CertificateRequest names the trusted CA; Go's TLS (the docker CLI) then does
    // not even offer a certificate from another CA, so the gateway sees none.
    expect(handshake.map((h) => h.reason)).toContain('no-certificate');
    // A client that sends it anyway (OpenSSL, Node) is refused as an unknown CA.
    const probe = await handshakeProbe(join(work, 'foreign'));
    // With TLS 1.3 the client's handshake completes before the server checks the certificate:
    // it sees an alert or the connection closing, never an HTTP answer.
    expect(probe.outcome).toMatch(/^(error: |closed: $)/);
    expect(probe.reasons).toContain('unknown-ca');
    expect(probe.details[0]).toBe('client certificate not verified: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('an expired client certificate', async () => {
    const { stderr, handshake } = await refusedRun('expired', { bundle: join(work, 'expired') });
    expect(stderr).toMatch(CLI_REFUSED);
    expect(handshake.map((h) => h.reason)).toContain('expired');
    expect(handshake[0]?.detail).toBe('client certificate not verified: CERT_HAS_EXPIRED');
  });

  it('a server-only (serverAuth) certificate signed by the right CA', async () => {
    const { stderr, handshake } = await refusedRun('serveronly', { bundle: join(work, 'server-only') });
    expect(stderr).toMatch(CLI_REFUSED);
    expect(handshake.map((h) => h.reason)).toContain('bad-usage');
    expect(handshake[0]?.detail).toBe('client certificate not verified: INVALID_PURPOSE');
  });

  it.each([
    ['no subject CN, only SAN DNS:admin', 'san-admin', 'certificate subject has no CN to name the caller'],
    ['two subject CNs (admin, alice)', 'two-cn', 'certificate subject has 2 CNs; exactly one must name the caller'],
  ])('a certificate of the right CA with %s', async (_label, bundle, detail) => {
    const { stderr, handshake } = await refusedRun(bundle, { bundle: join(work, bundle) });
    expect(stderr).toMatch(CLI_REFUSED);
    expect(handshake[0]).toEqual({ ...handshake[0], reason: 'bad-usage', detail });
  });

  it('TLS 1.1 (even with a valid client certificate)', async () => {
    const auditBefore = gw.stdout();
    // OpenSSL 3 refuses TLS 1.1 at the default security level before sending anything.
    const probe = await handshakeProbe(pki.bundle('admin'), { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    expect(probe.outcome).toMatch(/^error: .*(protocol version|unsupported protocol)/i);
    expect(probe.reasons).toContain('protocol');
    expect(probe.details.join('\n')).toMatch(/unsupported protocol/i);
    expect(gw.stdout()).toBe(auditBefore);
  });
});

/** Connect with `bundle` (offering `session` to resume), read one /_ping answer, report reuse. */
function pingOnce(bundle: string, session?: Buffer): Promise<{ reused: boolean; ticket?: Buffer; answer: string }> {
  return new Promise((resolve, reject) => {
    let ticket: Buffer | undefined;
    let answer = '';
    const s = connect({ host: '127.0.0.1', port: gw.port, ca: readFileSync(join(bundle, 'ca.pem')), cert: readFileSync(join(bundle, 'cert.pem')), key: readFileSync(join(bundle, 'key.pem')), session });
    s.on('session', (t: Buffer) => (ticket = t));
    s.on('secureConnect', () => s.write('GET /_ping HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n'));
    s.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    s.on('end', () => resolve({ reused: s.isSessionReused(), ticket, answer }));
    s.on('error', reject);
  });
}

describe('no session resumption', () => {
  it('a client offering the session of its previous connection gets a full handshake', async () => {
    const first = await pingOnce(pki.bundle('admin'));
    expect(first.answer).toMatch(/^HTTP\/1\.1 200 /);
    // TLS 1.3 still hands the client a (stateful) ticket, which the gateway cannot resume.
    expect(first.ticket).toBeDefined();
    const second = await pingOnce(pki.bundle('admin'), first.ticket);
    expect(second.answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(second.reused).toBe(false);
  });
});

describe('what a refused handshake is counted as', () => {
  it('a TCP connection that sends nothing (a port scan, a load balancer\'s TCP check) is no-hello, with its address in the log line', async () => {
    const from = gw.stderr().length;
    await new Promise<void>((resolve) => {
      const s = netConnect(gw.port, '127.0.0.1', () => s.end());
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    const lines = await waitFor(() => {
      const l = handshakeLines(from);
      return l.length > 0 ? l : undefined;
    });
    expect(lines?.[0]).toMatchObject({ reason: 'no-hello', client: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
  });

  it('with tls.crl holding every CA\'s CRL, a self-signed client certificate is an unknown CA, not a problem with the gateway\'s CRL', async () => {
    const own = await startGateway(pki.dir, configYaml(pki, socket, '', { crl: `${pki.dir}/crl.pem` }));
    try {
      expect(own.stderr()).not.toContain('holds no CRL issued by');
      const probe = await handshakeProbe(join(work, 'self-signed'), {}, own);
      expect(probe.outcome).toMatch(/^(error: |closed: $)/);
      expect(probe.reasons).toEqual(['unknown-ca']);
      expect(probe.details[0]).toContain('the client\'s chain goes through a certificate that is no CA of tls.ca');
    } finally {
      await own.stop();
    }
  });
});

describe('per-source limits before any TLS work', () => {
  it('a source whose handshakes keep failing has its new connections closed on arrival, a valid client from it too, and it is logged', async () => {
    const own = await startGateway(pki.dir, configYaml(pki, socket, 'limits: { handshakeFailuresPerSource: 3 }\n'));
    try {
      for (let i = 0; i < 4; i++) expect((await handshakeProbe(join(work, 'foreign'), {}, own)).reasons).toContain('unknown-ca');
      await waitFor(() => (own.stderr().includes('"tls-source-blocked"') ? true : undefined));
      const blocked = own.stderr().split('\n').find((l) => l.includes('"tls-source-blocked"'));
      expect(JSON.parse(blocked as string)).toMatchObject({ source: '127.0.0.1', failures: 4, reasons: { 'unknown-ca': 4 }, forSeconds: 30 });
      const from = own.stderr().length;
      const r = await docker(pki.bundle('admin'), own.port, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 });
      expect(r.code).not.toBe(0);
      // Told in TLS's own words, not a bare EOF or reset.
      expect(r.stderr).toContain('remote error: tls: access denied');
      const lines = await waitFor(() => {
        const l = handshakeLines(from, own);
        return l.length > 0 ? l : undefined;
      });
      expect(lines?.[0]).toMatchObject({ reason: 'source-limit', detail: expect.stringContaining('limits.handshakeFailuresPerSource') });
    } finally {
      await own.stop();
    }
  });

  it('clients that refuse the gateway\'s certificate (OpenSSL, both CLIs) are client-alert and do not count against their source', async () => {
    const own = await startGateway(pki.dir, configYaml(pki, socket, 'limits: { handshakeFailuresPerSource: 3 }\n'));
    try {
      const bundle = join(work, 'distrusts-gateway');
      // OpenSSL-based clients (curl, docker-py) send the alert unknown_ca.
      for (let i = 0; i < 2; i++) {
        const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${own.port}`, '-CAfile', join(bundle, 'ca.pem'), '-cert', join(bundle, 'cert.pem'), '-key', join(bundle, 'key.pem'), '-verify_return_error'], { input: '', timeoutMs: 30_000 });
        expect(r.code).not.toBe(0);
      }
      // Go's TLS sends bad_certificate; each CLI run makes several attempts.
      for (const [, cli] of DOCKER_CLIS) {
        const r = await docker(bundle, own.port, ['version', '--format', '{{.Server.Version}}'], { cli, timeoutMs: 30_000 });
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('certificate signed by unknown authority');
      }
      // Log lines are sampled (10 a minute per reason): the first ten are enough, over the limit of 3.
      const lines = await waitFor(() => {
        const l = handshakeLines(0, own);
        return l.length >= 5 && l.some((x) => x.detail.includes('(alert 42)')) ? l : undefined;
      });
      expect(new Set(lines?.map((l) => l.reason))).toEqual(new Set(['client-alert']));
      expect(new Set(lines?.map((l) => /\(alert (\d+)\)/.exec(l.detail)?.[1]))).toEqual(new Set(['42', '48']));
      await expectNotBlocked(own);
    } finally {
      await own.stop();
    }
  });

  it('handshakes the client itself drops before the gateway refused anything (the 20.10 CLI after 2 s) do not count against its source', async () => {
    const own = await startGateway(pki.dir, configYaml(pki, socket, 'limits: { handshakeFailuresPerSource: 3 }\n'));
    try {
      // Half a ClientHello, then gone: six times.
      for (let i = 0; i < 6; i++) await sendAndGo(own.port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
      await waitFor(() => (own.stderr().split('"tls-handshake-failed"').length > 6 ? true : undefined));
      await expectNotBlocked(own);
    } finally {
      await own.stop();
    }
  });

  it('connections that send nothing (port scans, a load balancer\'s TCP checks) do not count against their source', async () => {
    const own = await startGateway(pki.dir, configYaml(pki, socket, 'limits: { handshakeFailuresPerSource: 2 }\n'));
    try {
      for (let i = 0; i < 5; i++) await sendAndGo(own.port);
      await waitFor(() => (own.stderr().split('"no-hello"').length > 5 ? true : undefined));
      await expectNotBlocked(own);
    } finally {
      await own.stop();
    }
  });

  // Every reason the gateway checked and refused counts, not only unknown-ca.
  it.each<[string, () => string, ConnectionOptions, string]>([
    ['no client certificate', () => join(work, 'foreign'), { cert: undefined, key: undefined }, 'no-certificate'],
    ['an expired certificate', () => join(work, 'expired'), {}, 'expired'],
    ['a server-only (serverAuth) certificate', () => join(work, 'server-only'), {}, 'bad-usage'],
    ['TLS 1.1', () => pki.bundle('admin'), { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }, 'protocol'],
  ])('refusals for %s count against the source', async (_label, bundle, extra, reason) => {
    const own = await startGateway(pki.dir, configYaml(pki, socket, 'limits: { handshakeFailuresPerSource: 2 }\n'));
    try {
      for (let i = 0; i < 3; i++) expect((await handshakeProbe(bundle(), extra, own)).reasons).toContain(reason);
      const blocked = await waitFor(() => own.stderr().split('\n').find((l) => l.includes('"tls-source-blocked"')));
      expect(JSON.parse(blocked as string)).toMatchObject({ source: '127.0.0.1', failures: 3, reasons: { [reason]: 3 } });
    } finally {
      await own.stop();
    }
  });

  it('verified connections held open are no handshakes in progress: more of them than limits.handshakesPerSource are fine', async () => {
    const own = await startGateway(pki.dir, configYaml(pki, socket, 'limits: { handshakesPerSource: 2 }\n'));
    const bundle = pki.bundle('admin');
    const open: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        // Each answers a request (so the gateway has verified it), then stays open.
        const answered = await new Promise<string>((resolve) => {
          const s = connect({ host: '127.0.0.1', port: own.port, ca: readFileSync(join(bundle, 'ca.pem')), cert: readFileSync(join(bundle, 'cert.pem')), key: readFileSync(join(bundle, 'key.pem')) });
          open.push(s);
          s.on('secureConnect', () => s.write('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n'));
          s.once('data', (d: Buffer) => resolve(d.toString().split('\r\n')[0] as string));
          s.on('error', (err) => resolve(`error: ${err.message}`));
          s.on('close', () => resolve('closed'));
        });
        expect(answered).toBe('HTTP/1.1 200 OK');
      }
      const ok = await docker(bundle, own.port, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 });
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(own.stderr()).not.toContain('"source-limit"');
    } finally {
      for (const s of open) s.destroy();
      await own.stop();
    }
  });

  it('a source may have limits.handshakesPerSource handshakes in progress; one more is closed on arrival until one ends', async () => {
    const own = await startGateway(pki.dir, configYaml(pki, socket, 'limits: { handshakesPerSource: 2 }\n'));
    const idle = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<Socket>((resolve, reject) => {
            const s = netConnect(own.port, '127.0.0.1', () => resolve(s));
            s.on('error', reject);
          }),
      ),
    );
    try {
      const busy = await docker(pki.bundle('admin'), own.port, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 });
      expect(busy.code).not.toBe(0);
      for (const s of idle) s.destroy();
      await waitFor(() => (own.stderr().split('"no-hello"').length > 2 ? true : undefined));
      const ok = await docker(pki.bundle('admin'), own.port, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 });
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
    } finally {
      for (const s of idle) s.destroy();
      await own.stop();
    }
  });
});
