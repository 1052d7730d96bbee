/**
 * Metrics end to end: a real Prometheus (Debian's package) scrapes the gateway's admin listener
 * every second while the real docker CLI works through the gateway, a read-only identity is
 * denied and clients fail the TLS handshake; the counters Prometheus stored must match what was
 * done, call by call. Also: the admin listener and the Docker listener never serve each other.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockgate, makePki, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpGet, promtoolCheckMetrics, startPrometheus, type TestPrometheus } from './support/prometheus.js';
import { RawConnection } from './support/raw-tls.js';
import { tlsAttempt, tlsRequest } from './support/tls-request.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const JOB = 'dockgate-e2e';
let pki: TestPki;
let other: TestPki;
let gw: TestGateway;
let prom: TestPrometheus;
let adminUrl: string;

type AuditLine = { operation: string; decision: string; status: number; bytesIn: number; bytesOut: number; identity?: { cn: string }; rule?: string; code?: string };

/** Audit records the gateway wrote to stdout so far (no audit file configured). */
function auditRecords(): AuditLine[] {
  return gw
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine);
}

/** Lines of the operational log (stderr) about rejected handshakes. */
function handshakeLines(): Array<{ reason: string }> {
  return gw
    .stderr()
    .split('\n')
    .filter((l) => l.includes('"tls-handshake-failed"'))
    .map((l) => JSON.parse(l) as { reason: string });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `fn` is true (or fail with `what`). */
async function waitFor(what: string, fn: () => boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** What the docker CLI 28 sends per command (seen in the audit log; asserted again below). */
const PS = [['SystemPingHead', 'allow'], ['ContainerList', 'allow']];
const RUN_RM = [['SystemPingHead', 'allow'], ['ContainerCreate', 'allow'], ['ContainerAttach', 'allow'], ['ContainerWait', 'allow'], ['ContainerStart', 'allow']];
const RUN_DENIED = [['SystemPingHead', 'allow'], ['ContainerCreate', 'deny']];

beforeAll(async () => {
  pki = await makePki({ admin: [], bob: ['dev'] });
  // A second CA the gateway does not know, with a client certificate of the same name.
  other = await makePki({ admin: [] });
  gw = await startGateway(pki.dir, configYaml(pki, socket));
  expect(gw.adminPort).toBeGreaterThan(0);
  adminUrl = `http://127.0.0.1:${gw.adminPort}`;
  prom = await startPrometheus({ job: JOB, targets: [`127.0.0.1:${gw.adminPort}`], intervalS: 1 });
  await prom.waitForScrapeAfter(JOB, Date.now());
});

afterAll(async () => {
  await prom?.stop();
  await gw?.stop();
});

describe('Prometheus scraping the admin listener while the docker CLI works', () => {
  const expected = new Map<string, number>();
  const add = (calls: string[][], identity: string, times: number) => {
    for (const [op, decision] of calls) {
      const key = `${op}|${decision}|${identity}`;
      expected.set(key, (expected.get(key) ?? 0) + times);
    }
  };

  beforeAll(async () => {
    const admin = pki.bundle('admin');
    const bob = pki.bundle('bob');
    for (let i = 0; i < 3; i++) {
      const r = await docker(admin, gw.port, ['ps', '-a']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    add(PS, 'admin', 3);
    for (let i = 0; i < 2; i++) {
      const r = await docker(admin, gw.port, ['run', '--rm', 'busybox', 'true']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    add(RUN_RM, 'admin', 2);
    const bobPs = await docker(bob, gw.port, ['ps']);
    expect(bobPs.code).toBe(0);
    add(PS, 'bob', 1);
    for (let i = 0; i < 2; i++) {
      const r = await docker(bob, gw.port, ['run', '--rm', 'busybox', 'true']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('bob');
    }
    add(RUN_DENIED, 'bob', 2);
    // Handshakes one connection at a time, so each failure is counted once.
    for (let i = 0; i < 3; i++) expect((await tlsAttempt(gw.port, join(pki.dir, 'ca.pem'))).rejected).toBe(true);
    const stranger = other.bundle('admin');
    for (let i = 0; i < 2; i++) {
      expect((await tlsAttempt(gw.port, join(pki.dir, 'ca.pem'), { cert: join(stranger, 'cert.pem'), key: join(stranger, 'key.pem') })).rejected).toBe(true);
    }

    // Every record is written right after its metrics are counted: once all are in the log
    // (and every handshake failure in stderr), a later scrape holds every increment.
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    await waitFor(`${total} audit records`, () => auditRecords().length >= total);
    await waitFor('5 handshake failure lines', () => handshakeLines().length >= 5);
    await prom.waitForScrapeAfter(JOB, Date.now());
  });

  it('the audit log shows exactly the calls the CLI was expected to make', () => {
    const seen = new Map<string, number>();
    for (const r of auditRecords()) {
      const key = `${r.operation}|${r.decision}|${r.identity?.cn}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(expected));
  });

  it('dockgate_requests_total in Prometheus matches every operation, decision and identity', async () => {
    expect(await prom.scalar('sum(dockgate_requests_total{operation="ContainerList",decision="allow"})')).toBe(4);
    expect(await prom.scalar('dockgate_requests_total{operation="ContainerList",decision="allow",identity="admin",method="GET",status_class="2xx"}')).toBe(3);
    expect(await prom.scalar('dockgate_requests_total{operation="ContainerList",decision="allow",identity="bob"}')).toBe(1);
    expect(await prom.scalar('sum(dockgate_requests_total{operation="SystemPingHead",decision="allow",method="HEAD"})')).toBe(8);
    expect(await prom.scalar('dockgate_requests_total{operation="ContainerCreate",decision="allow",status_class="2xx"}')).toBe(2);
    expect(await prom.scalar('dockgate_requests_total{operation="ContainerCreate",decision="deny",identity="bob",status_class="4xx"}')).toBe(2);
    expect(await prom.scalar('dockgate_requests_total{operation="ContainerAttach",decision="allow",status_class="101"}')).toBe(2);
    expect(await prom.scalar('dockgate_requests_total{operation="ContainerStart",decision="allow"}')).toBe(2);
    expect(await prom.scalar('dockgate_requests_total{operation="ContainerWait",decision="allow"}')).toBe(2);
    expect(await prom.scalar('sum(dockgate_requests_total)')).toBe(22);

    // And every series, summed over method and status class, equals the audit log's count.
    const series = await prom.query('sum by (operation, decision, identity) (dockgate_requests_total)');
    const fromProm = Object.fromEntries(series.map((s) => [`${s.metric.operation}|${s.metric.decision}|${s.metric.identity}`, s.value]));
    expect(fromProm).toEqual(Object.fromEntries(expected));
  });

  it('durations, streams and bytes agree with the audit log', async () => {
    expect(await prom.scalar('sum(dockgate_request_duration_seconds_count)')).toBe(22);
    expect(await prom.scalar('dockgate_stream_duration_seconds_count{operation="ContainerAttach",hijack="true"}')).toBe(2);
    expect(await prom.scalar('dockgate_stream_duration_seconds_count{operation="ContainerWait",hijack="false"}')).toBe(2);
    const records = auditRecords();
    for (const op of ['ContainerCreate', 'ContainerAttach', 'ContainerList']) {
      const bytesIn = records.filter((r) => r.operation === op).reduce((a, r) => a + r.bytesIn, 0);
      const bytesOut = records.filter((r) => r.operation === op).reduce((a, r) => a + r.bytesOut, 0);
      expect(await prom.scalar(`dockgate_request_bytes_total{operation="${op}"}`), `${op} bytes in`).toBe(bytesIn === 0 ? undefined : bytesIn);
      expect(await prom.scalar(`dockgate_response_bytes_total{operation="${op}"}`), `${op} bytes out`).toBe(bytesOut);
    }
    // The CLI has exited: nothing stays open.
    expect(await prom.scalar('dockgate_open_streams')).toBe(0);
    expect(await prom.scalar('dockgate_open_hijacked_sessions')).toBe(0);
    expect(await prom.scalar('dockgate_upstream_up')).toBe(1);
  });

  it('dockgate_denials_total counts the denials by rule and reason code', async () => {
    const denied = auditRecords().filter((r) => r.decision === 'deny');
    expect(denied.map((r) => [r.rule, r.code])).toEqual([
      ['default', 'no-rule'],
      ['default', 'no-rule'],
    ]);
    expect(await prom.scalar('dockgate_denials_total{rule="default",code="no-rule",decision="deny"}')).toBe(2);
    expect(await prom.scalar('sum(dockgate_denials_total)')).toBe(2);
  });

  it('dockgate_tls_handshake_failures_total counts the failures by reason: no certificate, unknown CA', async () => {
    // A certificate from another CA fails verification after the TLS 1.3 handshake; Node then
    // reports only "socket hang up", so the reason must come from the socket's verify error.
    expect(handshakeLines().map((l) => l.reason).sort()).toEqual(['no-certificate', 'no-certificate', 'no-certificate', 'unknown-ca', 'unknown-ca']);
    expect(await prom.scalar('dockgate_tls_handshake_failures_total{reason="no-certificate"}')).toBe(3);
    expect(await prom.scalar('dockgate_tls_handshake_failures_total{reason="unknown-ca"}')).toBe(2);
    expect(await prom.scalar('sum(dockgate_tls_handshake_failures_total)')).toBe(5);
  });

  it('promtool check metrics passes on the live exposition', async () => {
    const res = await httpGet(`${adminUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('dockgate_requests_total{');
    const check = await promtoolCheckMetrics(res.body);
    expect(check.stdout + check.stderr).toBe('');
    expect(check.code).toBe(0);
  });
});

describe('the two listeners never serve each other', () => {
  it('nothing of the Docker API answers on the admin listener', async () => {
    for (const path of ['/_ping', '/version', '/info', '/containers/json', '/v1.41/containers/json', '/v1.41/_ping', '/images/json']) {
      const res = await httpGet(`${adminUrl}${path}`);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body), path).toEqual({ message: 'not found' });
    }
    // The docker CLI pointed at the admin port finds no daemon there.
    const r = await run('docker', ['-H', `tcp://127.0.0.1:${gw.adminPort}`, 'version', '--format', '{{.Server.Version}}']);
    expect(r.code).not.toBe(0);
    expect(r.stdout.trim()).toBe('');
  });

  it('nothing of the admin API answers on the Docker listener (Docker-shaped errors only)', async () => {
    for (const path of ['/metrics', '/healthz', '/readyz', '/v1.41/metrics']) {
      const res = await tlsRequest(pki.bundle('admin'), gw.port, { path });
      expect([403, 404], path).toContain(res.status);
      expect(res.headers['content-type'], path).toBe('application/json');
      const body = JSON.parse(res.body) as { message?: string };
      expect(typeof body.message, path).toBe('string');
      expect(res.body, path).not.toContain('dockgate_');
      expect(res.body, path).not.toContain('"status"');
    }
  });
});

describe('an admin listener anyone can reach', () => {
  it('on a non-loopback address without client certificates it is warned about; on loopback it is not', async () => {
    expect(gw.stderr()).not.toContain('"event":"admin-open"');
    const open = await startGateway(pki.dir, configYaml(pki, socket).replace('admin: 127.0.0.1:0\n', 'admin: 0.0.0.0:0\n'));
    try {
      expect(open.stderr()).toContain('"event":"admin-open"');
      expect(open.stderr()).toContain('anyone who reaches it reads the metrics');
    } finally {
      await open.stop();
    }
  });

  it('bound to loopback under another spelling, it is not warned about and answers only a loopback Host (DNS rebinding)', async () => {
    for (const [listen, url] of [
      ['[0:0:0:0:0:0:0:1]', 'http://[::1]'],
      ['[::ffff:127.0.0.1]', 'http://127.0.0.1'],
    ]) {
      const g = await startGateway(pki.dir, configYaml(pki, socket).replace('admin: 127.0.0.1:0\n', `admin: "${listen}:0"\n`));
      try {
        expect(g.stderr(), listen).not.toContain('"event":"admin-open"');
        const status = async (host?: string): Promise<string> => {
          const r = await run('curl', ['-sg', '-o', '/dev/null', '-w', '%{http_code}', ...(host ? ['-H', `Host: ${host}`] : []), `${url}:${g.adminPort}/metrics`]);
          return r.stdout;
        };
        expect(await status('evil.example'), listen).toBe('403');
        expect(await status(), listen).toBe('200');
      } finally {
        await g.stop();
      }
    }
  });
});

describe('admin listener with TLS and client certificates', () => {
  let tlsGw: TestGateway | undefined;
  let tlsProm: TestPrometheus | undefined;

  afterAll(async () => {
    await tlsProm?.stop();
    await tlsGw?.stop();
  });

  it('Prometheus scrapes it with a client certificate; clients without one, or over plain HTTP, get nothing', async () => {
    const adminTls = `admin:\n  listen: 127.0.0.1:0\n  tls: { cert: ${pki.dir}/server-cert.pem, key: ${pki.dir}/server-key.pem, ca: ${pki.dir}/ca.pem }\n`;
    tlsGw = await startGateway(pki.dir, configYaml(pki, socket).replace('admin: 127.0.0.1:0\n', adminTls));
    expect(tlsGw.adminPort).toBeGreaterThan(0);
    const scraper = pki.bundle('bob');
    tlsProm = await startPrometheus({ job: 'dockgate-tls', targets: [`127.0.0.1:${tlsGw.adminPort}`], intervalS: 1, tls: { ca: join(pki.dir, 'ca.pem'), cert: join(scraper, 'cert.pem'), key: join(scraper, 'key.pem') } });
    expect((await docker(pki.bundle('admin'), tlsGw.port, ['ps'])).code).toBe(0);
    await tlsProm.waitForScrapeAfter('dockgate-tls', Date.now());
    expect(await tlsProm.scalar('dockgate_requests_total{operation="ContainerList",decision="allow"}')).toBe(1);
    expect(await tlsProm.scalar('dockgate_upstream_up')).toBe(1);

    // With the right client certificate the probes answer; without one the handshake fails.
    const ok = await tlsRequest(scraper, tlsGw.adminPort as number, { path: '/healthz' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ status: 'ok' });
    expect((await tlsAttempt(tlsGw.adminPort as number, join(pki.dir, 'ca.pem'), undefined, '/healthz')).rejected).toBe(true);
    // The same probe with the scraper's certificate is accepted (so the refusals above are real).
    expect((await tlsAttempt(tlsGw.adminPort as number, join(pki.dir, 'ca.pem'), { cert: join(scraper, 'cert.pem'), key: join(scraper, 'key.pem') }, '/healthz')).rejected).toBe(false);
    const stranger = other.bundle('admin');
    expect((await tlsAttempt(tlsGw.adminPort as number, join(pki.dir, 'ca.pem'), { cert: join(stranger, 'cert.pem'), key: join(stranger, 'key.pem') }, '/healthz')).rejected).toBe(true);
    await expect(httpGet(`http://127.0.0.1:${tlsGw.adminPort}/metrics`)).rejects.toThrow();
  });

  it('with admin.tls.crl, certs revoke takes a scraper off: its open connection gets no more answers, its new handshakes are refused', async () => {
    const issued = await dockgate(['certs', 'issue', 'scraper-crl', '--dir', pki.dir]);
    expect(issued.code).toBe(0);
    const adminTls = `admin:\n  listen: 127.0.0.1:0\n  tls: { cert: ${pki.dir}/server-cert.pem, key: ${pki.dir}/server-key.pem, ca: ${pki.dir}/ca.pem, crl: ${pki.dir}/crl.pem }\n`;
    const gw = await startGateway(pki.dir, configYaml(pki, socket).replace('admin: 127.0.0.1:0\n', adminTls));
    const conn = await RawConnection.tls(pki.bundle('scraper-crl'), gw.adminPort as number);
    try {
      const healthz = 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n';
      conn.write(healthz);
      expect((await conn.response()).status).toBe(200);
      const scraper = { cert: join(pki.bundle('scraper-crl'), 'cert.pem'), key: join(pki.bundle('scraper-crl'), 'key.pem') };
      expect((await tlsAttempt(gw.adminPort as number, join(pki.dir, 'ca.pem'), scraper, '/healthz')).rejected).toBe(false);

      expect((await dockgate(['certs', 'revoke', 'scraper-crl', '--dir', pki.dir])).code).toBe(0);
      // The gateway notices the new crl.pem by itself (no signal).
      await until(async () => (await tlsAttempt(gw.adminPort as number, join(pki.dir, 'ca.pem'), scraper, '/healthz')).rejected, 15_000, 'the admin listener refusing the revoked scraper');
      expect(gw.stderr()).toContain('admin TLS material loaded');
      conn.write(healthz);
      await conn.closed;
      expect(conn.takeBuffered().length).toBe(0);
      // Another scraper of the same CA goes on.
      expect((await tlsRequest(pki.bundle('bob'), gw.adminPort as number, { path: '/healthz' })).status).toBe(200);

      // A CRL the admin listener refuses: the old one stays, and the metric says so until a good one loads.
      const adminReload = async () => /^dockgate_admin_tls_last_reload_successful (\d)$/m.exec((await tlsRequest(pki.bundle('bob'), gw.adminPort as number, { path: '/metrics' })).body)?.[1];
      expect(await adminReload()).toBe('1');
      const crlFile = join(pki.dir, 'crl.pem');
      const good = readFileSync(crlFile);
      writeFileSync(crlFile, '-----BEGIN X509 CRL-----\nnot a crl\n-----END X509 CRL-----\n');
      await until(async () => (await adminReload()) === '0', 15_000, 'the failed admin reload in the metric');
      expect(gw.stderr()).toContain('admin TLS reload failed');
      writeFileSync(crlFile, good);
      await until(async () => (await adminReload()) === '1', 15_000, 'the good CRL loaded again');
    } finally {
      conn.close();
      await gw.stop();
    }
  });
});
