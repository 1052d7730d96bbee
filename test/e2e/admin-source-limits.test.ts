/**
 * The admin listener with `admin.tls` (client certificates required) has the Docker listener's
 * per-source handshake limits, in a table of its own: a source over them is closed on arrival
 * with a TLS access_denied alert before any TLS work, while a scraper from another source (the
 * client side bound to another loopback address) still reads /healthz, /readyz and /metrics.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, makePki, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;

/** The fatal access_denied alert a connection closed on arrival gets, in the clear. */
const ACCESS_DENIED = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x31]);

/**
 * `GET path` over TLS to 127.0.0.1:`port` from the local address `from`, with the client
 * certificate of `bundle` or none. Resolves with the status line, or the error.
 */
function adminGet(port: number, from: string, bundle: string | undefined, path: string): Promise<{ status?: string; body: string; error?: string }> {
  return new Promise((resolve) => {
    const ca = readFileSync(join(pki.dir, 'ca.pem'));
    const client = bundle ? { cert: readFileSync(join(bundle, 'cert.pem')), key: readFileSync(join(bundle, 'key.pem')) } : {};
    // The TCP connection is made first, bound to `from`; TLS then runs over it.
    const s = connect({ socket: netConnect({ host: '127.0.0.1', port, localAddress: from }), host: '127.0.0.1', ca, ...client });
    let data = '';
    s.on('secureConnect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.on('error', (err) => resolve({ body: data, error: err.message }));
    s.on('close', () => resolve({ status: data.split('\r\n')[0], body: data.slice(data.indexOf('\r\n\r\n') + 4) }));
  });
}

/** Open a TCP connection to `port` from `from`, send nothing, and resolve with every byte it got once the listener closed it. */
function bytesOnArrival(port: number, from: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = netConnect({ host: '127.0.0.1', port, localAddress: from });
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** A TCP connection from `from` that sends nothing: a handshake in progress for its source. */
function stalled(port: number, from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port, localAddress: from }, () => resolve(s));
    s.on('error', reject);
  });
}

/** The operational log's lines of `event`, parsed. */
function events(event: string): Array<Record<string, unknown>> {
  return gw
    .stderr()
    .split('\n')
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The scraper (127.0.0.1) reads every probe and the metrics. */
async function scraperServed(): Promise<string> {
  const scraper = pki.bundle('scraper');
  expect((await adminGet(gw.adminPort as number, '127.0.0.1', scraper, '/healthz')).status).toBe('HTTP/1.1 200 OK');
  expect((await adminGet(gw.adminPort as number, '127.0.0.1', scraper, '/readyz')).status).toBe('HTTP/1.1 200 OK');
  const metrics = await adminGet(gw.adminPort as number, '127.0.0.1', scraper, '/metrics');
  expect(metrics.status).toBe('HTTP/1.1 200 OK');
  return metrics.body;
}

beforeAll(async () => {
  pki = await makePki({ admin: [], scraper: [] });
  const adminTls = `admin:\n  listen: 127.0.0.1:0\n  tls: { cert: ${pki.dir}/server-cert.pem, key: ${pki.dir}/server-key.pem, ca: ${pki.dir}/ca.pem }\n`;
  const limits = 'limits: { handshakesPerSource: 2, handshakeFailuresPerSource: 3 }\n';
  gw = await startGateway(pki.dir, configYaml(pki, socket, limits).replace('admin: 127.0.0.1:0\n', adminTls));
  expect(gw.adminPort).toBeGreaterThan(0);
});

afterAll(async () => {
  await gw?.stop();
});

describe('per-source handshake limits on the admin listener', () => {
  it('a source whose handshakes keep failing is closed on arrival, before any TLS work; a scraper from another source is served', async () => {
    const port = gw.adminPort as number;
    // Four handshakes without a client certificate from 127.0.0.2: one over the limit of 3.
    for (let i = 0; i < 4; i++) expect((await adminGet(port, '127.0.0.2', undefined, '/healthz')).status).not.toBe('HTTP/1.1 200 OK');
    const blocked = await until(() => events('tls-source-blocked').find((e) => e.source === '127.0.0.2'), 10_000, 'the admin listener blocking 127.0.0.2');
    expect(blocked).toMatchObject({ listener: 'admin', source: '127.0.0.2', failures: 4, reasons: { 'no-certificate': 4 }, forSeconds: 30 });

    // Its next connection gets the access_denied alert before it has sent a byte: no TLS work.
    expect(await bytesOnArrival(port, '127.0.0.2')).toEqual(ACCESS_DENIED);
    // A valid scraper certificate from the blocked source is refused too, in TLS's words.
    const refused = await adminGet(port, '127.0.0.2', pki.bundle('scraper'), '/healthz');
    expect(refused.status).toBeUndefined();
    expect(refused.error).toMatch(/access denied/i);

    const metrics = await scraperServed();
    expect(metrics).toMatch(/^dockgate_admin_tls_handshake_failures_total\{reason="no-certificate"\} 4$/m);
    expect(metrics).toMatch(/^dockgate_admin_tls_handshake_failures_total\{reason="source-limit"\} [1-9]\d*$/m);
    // The Docker listener's counter and table are its own: nothing counted there, and 127.0.0.2 is served on it.
    expect(metrics).not.toMatch(/^dockgate_tls_handshake_failures_total\{/m);
    expect((await adminGet(gw.port, '127.0.0.2', pki.bundle('admin'), '/_ping')).status).toBe('HTTP/1.1 200 OK');
    const lines = events('tls-handshake-failed').filter((e) => e.reason === 'source-limit');
    expect(lines[0]).toMatchObject({ listener: 'admin', detail: expect.stringContaining('limits.handshakeFailuresPerSource') });
  });

  it('a source may have limits.handshakesPerSource handshakes in progress; one more is closed on arrival, another source is served', async () => {
    const port = gw.adminPort as number;
    const idle = await Promise.all([stalled(port, '127.0.0.3'), stalled(port, '127.0.0.3')]);
    try {
      expect(await bytesOnArrival(port, '127.0.0.3')).toEqual(ACCESS_DENIED);
      await scraperServed();
      for (const s of idle) s.destroy();
      // Connections that sent nothing do not count against their source: it is served again.
      await until(async () => (await adminGet(port, '127.0.0.3', pki.bundle('scraper'), '/healthz')).status === 'HTTP/1.1 200 OK', 10_000, '127.0.0.3 served once its stalled handshakes ended');
      expect(events('tls-source-blocked').some((e) => e.source === '127.0.0.3')).toBe(false);
    } finally {
      for (const s of idle) s.destroy();
    }
  });

  it('curl --http1.0 (ALPN offering only http/1.0) is served, as on the Docker listener', async () => {
    const b = pki.bundle('scraper');
    const r = await run('curl', ['-s', '--http1.0', '-w', ' %{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), `https://127.0.0.1:${gw.adminPort as number}/healthz`]);
    expect([r.code, r.stdout.replace(/^.* /s, '')]).toEqual([0, '200']);
  });
});
