/**
 * Request lines Node's parser takes and Go's server refuses: no HTTP version (Node reads it as
 * HTTP/0.9) and a textual HTTP/2.0. The same bytes go to the gateway over mutual TLS and to
 * dockerd's socket; the gateway must refuse what dockerd refuses (status, close), record it,
 * and forward nothing (rev-dos F4: a version-less `GET /containers/json` was answered 200 with
 * the list, and a version-less create was run).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TestGateway } from './support/gateway.js';
import { startAdminRawGateway, type AdminRawGateway } from './support/admin-raw-gateway.js';
import { closedByServer, RawConnection } from './support/raw-tls.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-request-line';
let gw: TestGateway;
let admin: string;
let recordsOf: AdminRawGateway['recordsOf'];
let exists: AdminRawGateway['exists'];
let stop: AdminRawGateway['stop'] | undefined;

/** A version-less or HTTP/2.0 create of container `name` (labelled for clean-up). */
function create(name: string, version: string): string {
  const body = `{"Image":"busybox","Cmd":["true"],"Labels":{"${LABEL}":"1"}}`;
  return `POST /v1.41/containers/create?name=${name}${version}\r\nHost: dockgate\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

beforeAll(async () => {
  ({ gw, admin, recordsOf, exists, stop } = await startAdminRawGateway(socket, LABEL));
});

afterAll(async () => {
  await stop?.();
});

describe('request lines without an HTTP/1 version are refused as dockerd refuses them', () => {
  it.each([
    ['no version', 'GET /v1.41/containers/json\r\n\r\n', 400],
    ['no version, with headers', 'GET /v1.41/containers/json\r\nHost: dockgate\r\n\r\n', 400],
    ['HTTP/2.0 as text', 'GET /v1.41/containers/json HTTP/2.0\r\nHost: dockgate\r\n\r\n', 505],
    ['HTTP/2.0 as text, an attach upgrade', 'POST /v1.41/containers/none/attach?stream=1&stdin=1 HTTP/2.0\r\nHost: dockgate\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n', 505],
  ])('%s: the status dockerd answers, the connection closed, a malformed record', async (_name, bytes, status) => {
    const direct = await RawConnection.unix(socket);
    const conn = await RawConnection.tls(admin, gw.port);
    try {
      direct.write(bytes);
      conn.write(bytes);
      const fromDaemon = await direct.response();
      const r = await conn.response();
      expect(fromDaemon.status).toBe(status);
      expect(r.status).toBe(status);
      expect(r.headers.connection?.toLowerCase()).toBe('close');
      expect((JSON.parse(r.text) as { message: string }).message).toMatch(/^dockgate: refused request: /);
      await closedByServer(conn);
      const [record] = await recordsOf(conn.localPort, 1);
      expect(record).toMatchObject({ decision: 'malformed', status, reason: expect.stringMatching(/^http-version: /) as unknown });
    } finally {
      conn.close();
      direct.close();
    }
  });

  it.each([
    ['without a version', ''],
    ['as HTTP/2.0', ' HTTP/2.0'],
  ])('a create %s is not run (dockerd runs none either)', async (label, version) => {
    const name = `dgt-reqline-${version ? 'h2' : 'none'}`;
    const conn = await RawConnection.tls(admin, gw.port);
    try {
      conn.write(create(name, version));
      const r = await conn.response();
      expect(r.status).toBe(version ? 505 : 400);
      await closedByServer(conn);
    } finally {
      conn.close();
    }
    expect(await exists(name)).toBe(false);
    const direct = await RawConnection.unix(socket);
    try {
      direct.write(create(`${name}-direct`, version));
      expect((await direct.response()).status).toBe(version ? 505 : 400);
    } finally {
      direct.close();
    }
    expect(await exists(`${name}-direct`), label).toBe(false);
  });

  it('the admin listener refuses a request line without a version too (400, closed)', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const c = connect(gw.adminPort ?? 0, '127.0.0.1', () => c.write('GET /healthz\r\nHost: localhost\r\n\r\n'));
      let out = '';
      c.on('data', (d: Buffer) => (out += d.toString('latin1')));
      c.on('close', () => resolve(out));
      c.on('error', reject);
      setTimeout(() => reject(new Error(`admin left the connection open: ${out}`)), 10_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer).not.toContain('"status":"ok"');
  });

  it('HTTP/1.0 and HTTP/1.1 are served as before', async () => {
    for (const version of ['HTTP/1.0', 'HTTP/1.1']) {
      const conn = await RawConnection.tls(admin, gw.port);
      try {
        conn.write(`GET /v1.41/_ping ${version}\r\nHost: dockgate\r\n\r\n`);
        const r = await conn.response();
        expect(r.status).toBe(200);
        expect(r.text).toBe('OK');
      } finally {
        conn.close();
      }
    }
  });
});
