import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../../../src/admin/admin-app.js';
import { startAdminServer, type AdminServer } from '../../../src/admin/admin-server.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { record } from './fixtures.js';

/** One GET over http or https (no agent); resolves with the status and the body as text. */
function getText(options: https.RequestOptions, secure: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request({ ...options, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Raw bytes to the plain listener on `port`; resolves with everything it wrote before it closed. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.write(bytes));
    let out = '';
    c.on('data', (d: Buffer) => (out += d.toString('latin1')));
    c.on('close', () => resolve(out));
    c.on('error', reject);
  });
}

/** A plain GET to `target` (127.0.0.1 unless given) with the given Host header (fetch would not send it). */
function plainGet(port: number, path: string, host: string, target = '127.0.0.1', method = 'GET'): Promise<{ status: number; body: string }> {
  return getText({ host: target, port, path, method, headers: { host } }, false);
}

describe('admin server (plain http)', () => {
  let server: AdminServer;
  let base: string;
  let report: ReadinessReport = { ready: true, checks: { daemon: { ok: true } } };
  const registry = new Registry();
  const metrics = createMetrics(registry, { identityLabel: false, version: '1.2.3' });

  beforeAll(async () => {
    server = await startAdminServer({
      config: { enabled: true, listen: { host: '127.0.0.1', port: 0 } },
      registry,
      readiness: async () => report,
    });
    base = `http://127.0.0.1:${server.address.port}`;
  });
  afterAll(() => server.close());

  it('listens on a real port when asked for port 0', () => {
    expect(server.address.host).toBe('127.0.0.1');
    expect(server.address.port).toBeGreaterThan(0);
    expect(server.loopback).toBe(true);
  });

  it.each([
    ['/metrics/'],
    ['/METRICS'],
    ['/Metrics'],
    ['/healthz/'],
    ['/HEALTHZ'],
    ['/readyz/'],
    ['/ReadyZ'],
    ['/metrics//'],
  ])('GET %s is a JSON 404 (routes match exactly, so a proxy rule for the exact path covers every way in)', async (path) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'not found' });
  });

  it.each([
    ['/metrics', 200],
    ['/healthz', 200],
    ['/readyz', 200],
    ['/metrics/', 404],
    ['/METRICS', 404],
  ])('HEAD %s is %d with no body', async (path, want) => {
    report = { ready: true, checks: {} };
    const res = await fetch(`${base}${path}`, { method: 'HEAD' });
    expect(res.status).toBe(want);
    expect(await res.text()).toBe('');
  });

  it('GET /healthz answers ok', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
    // Plain HTTP: no HSTS, no upgrade to an HTTPS that is not there (rev-front F7).
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });

  it('GET /readyz is 200 when ready and 503 with the checks when not', async () => {
    report = { ready: true, checks: { daemon: { ok: true } } };
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { daemon: { ok: true } } });

    report = { ready: false, checks: { daemon: { ok: false, detail: 'ENOENT' }, policy: { ok: true } } };
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', checks: { daemon: { ok: false, detail: 'ENOENT' }, policy: { ok: true } } });
  });

  it('GET /readyz writes the hidden characters of a detail \\uxxxx (a CRL issuer named by another CA tool), as the logs do', async () => {
    const detail = 'CRL of "\u202Eecila CA\u009b2J" expired';
    report = { ready: false, checks: { certificates: { ok: false, detail } } };
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await res.text();
    expect(text).toBe('{"status":"not ready","checks":{"certificates":{"ok":false,"detail":"CRL of \\"\\u202eecila CA\\u009b2J\\" expired"}}}');
    expect(JSON.parse(text).checks.certificates.detail).toBe(detail);
  });

  it('GET /metrics serves the registry in the Prometheus text format', async () => {
    metrics.requestFinished(record());
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    const text = await res.text();
    expect(text).toContain('dockgate_requests_total{operation="ContainerList",method="GET",decision="allow",status_class="2xx"} 1');
    expect(text).toContain('dockgate_build_info{version="1.2.3"');
  });

  it.each([
    ['GET', '/containers/json'],
    ['GET', '/_ping'],
    ['GET', '/v1.41/version'],
    ['POST', '/metrics'],
    ['DELETE', '/healthz'],
  ])('%s %s is a JSON 404 (nothing of the Docker API here)', async (method, path) => {
    const res = await fetch(`${base}${path}`, { method });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'not found' });
  });

  it.each([
    ['attacker.example', 403],
    ['127.0.0.1.attacker.example:80', 403],
    ['localhost:9376', 200],
    ['[::1]:9376', 200],
  ])('Host %j on a loopback listener without TLS: %d (DNS rebinding)', async (host, want) => {
    for (const path of want === 403 ? ['/metrics', '/readyz', '/healthz'] : ['/metrics', '/healthz']) {
      const got = await plainGet(server.address.port, path, host);
      expect(got.status, path).toBe(want);
      if (want === 403) expect(JSON.parse(got.body)).toEqual({ message: expect.stringContaining('answers only a loopback Host') });
    }
  });

  it.each([
    ['0:0:0:0:0:0:0:1', '::1', '::1'],
    ['0000::0001', '::1', '::1'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1', '127.0.0.1'],
    ['127.0.0.2', '127.0.0.2', '127.0.0.2'],
  ])('bound to loopback as %j (%s), it answers only a loopback Host, whatever the spelling in the config', async (listen, bound, target) => {
    const s = await startAdminServer({ config: { enabled: true, listen: { host: listen, port: 0 } }, registry: new Registry(), readiness: async () => report });
    try {
      expect(s.address.host).toBe(bound);
      for (const path of ['/metrics', '/healthz', '/readyz']) {
        expect((await plainGet(s.address.port, path, 'evil.example', target)).status, path).toBe(403);
        expect((await plainGet(s.address.port, path, 'evil.example', target, 'HEAD')).status, path).toBe(403);
      }
      expect((await plainGet(s.address.port, '/healthz', `localhost:${s.address.port}`, target)).status).toBe(200);
      expect(s.loopback).toBe(true);
    } finally {
      await s.close();
    }
  });

  it.each([
    ['no version', 'GET /healthz\r\n\r\n'],
    ['HTTP/2.0', 'GET /healthz HTTP/2.0\r\nHost: localhost\r\n\r\n'],
  ])('the 400 for a request line with %s carries no X-Powered-By, and the helmet headers and Cache-Control of every answer (rev-observe F2)', async (_label, bytes) => {
    const answer = await rawExchange(server.address.port, bytes);
    const head = answer.split('\r\n\r\n')[0] ?? '';
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(head).not.toMatch(/\r\nX-Powered-By:/i);
    expect(head).toMatch(/\r\nCache-Control: no-store(\r\n|$)/i);
    expect(head).toMatch(/\r\nX-Content-Type-Options: nosniff(\r\n|$)/i);
    expect(head).toMatch(/\r\nContent-Security-Policy: default-src 'self'/i);
  });

  it('answers any Host when bound beyond loopback (the operator chose that address)', async () => {
    const s = await startAdminServer({ config: { enabled: true, listen: { host: '0.0.0.0', port: 0 } }, registry: new Registry(), readiness: async () => report });
    try {
      expect(s.loopback).toBe(false);
      expect((await plainGet(s.address.port, '/healthz', 'gw.example.com:9376')).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('answers 503 when the readiness function itself fails', async () => {
    const s = await startAdminServer({
      config: { enabled: true, listen: { host: '127.0.0.1', port: 0 } },
      registry: new Registry(),
      readiness: () => Promise.reject(new Error('checks exploded')),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${s.address.port}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'not ready', checks: { readiness: { ok: false, detail: 'Error: checks exploded' } } });
    } finally {
      await s.close();
    }
  });
});

describe('admin server with TLS and client certificates', () => {
  let dir: string;
  let server: AdminServer;
  const pem = (name: string) => readFileSync(join(dir, name), 'utf8');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dockgate-admin-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const key = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
    key('ca.key');
    ssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=admin test CA', '-days', '1', '-out', 'ca.pem');
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [name, cn] of [
      ['server', '127.0.0.1'],
      ['client', 'prometheus'],
    ]) {
      key(`${name}.key`);
      ssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
    }
    server = await startAdminServer({
      config: { enabled: true, listen: { host: '127.0.0.1', port: 0 }, tls: { cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), ca: join(dir, 'ca.pem') } },
      registry: new Registry(),
      readiness: async () => ({ ready: true, checks: {} }),
    });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function get(path: string, withClientCert: boolean, host?: string): Promise<{ status: number; body: string }> {
    return getText(
      {
        host: '127.0.0.1',
        port: server.address.port,
        path,
        ...(host ? { headers: { host }, servername: '127.0.0.1' } : {}),
        ca: pem('ca.pem'),
        ...(withClientCert ? { cert: pem('client.pem'), key: pem('client.key') } : {}),
      },
      true,
    );
  }

  it('serves a client with a certificate from the CA', async () => {
    expect(await get('/healthz', true)).toEqual({ status: 200, body: '{"status":"ok"}' });
  });

  it('over TLS, answers carry HSTS and CSP upgrade-insecure-requests (helmet defaults)', async () => {
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: server.address.port, path: '/healthz', agent: false, ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') }, (res) => {
          res.resume();
          resolve(res.headers);
        })
        .on('error', reject);
    });
    expect(headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  it('answers any Host over TLS (a rebound page cannot pass the certificate check)', async () => {
    expect(await get('/healthz', true, 'attacker.example')).toEqual({ status: 200, body: '{"status":"ok"}' });
  });

  it('refuses a client without a certificate', async () => {
    await expect(get('/healthz', false)).rejects.toThrow();
  });
});
