/**
 * An HTTP/1.0 request with a Transfer-Encoding: Go's server ignores the header on HTTP/1.0
 * (net/http transfer.go, "Issue 12785") and reads no body, so dockerd answers a chunked create
 * `500 EOF` and creates nothing; Node decoded the chunked body and the gateway forwarded it as
 * an HTTP/1.1 chunked request, and the container was created (rev-fix-http F2). The gateway
 * refuses such a request before the policy (400, `body-framing`), on both request paths, and
 * closes the connection. The same bytes go to dockerd's socket for comparison.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TestGateway } from './support/gateway.js';
import { startAdminRawGateway, type AdminRawGateway } from './support/admin-raw-gateway.js';
import { chunked, closedByServer, RawConnection } from './support/raw-tls.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-http10-te';
let gw: TestGateway;
let admin: string;
let recordsOf: AdminRawGateway['recordsOf'];
let exists: AdminRawGateway['exists'];
let stop: AdminRawGateway['stop'] | undefined;

/** An HTTP/`version` create of container `name` with a chunked body (labelled for clean-up). */
function chunkedCreate(name: string, version: string, extra = ''): Buffer {
  const body = `{"Image":"busybox","Cmd":["true"],"Labels":{"${LABEL}":"1"}}`;
  const head = `POST /v1.41/containers/create?name=${name} HTTP/${version}\r\nHost: dockgate\r\nContent-Type: application/json\r\n${extra}Transfer-Encoding: chunked\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), chunked(body)]);
}

beforeAll(async () => {
  ({ gw, admin, recordsOf, exists, stop } = await startAdminRawGateway(socket, LABEL));
});

afterAll(async () => {
  await stop?.();
});

describe('an HTTP/1.0 request with a Transfer-Encoding is refused: dockerd reads no body from it', () => {
  it.each([
    ['closing', ''],
    ['keep-alive', 'Connection: keep-alive\r\n'],
  ])('a chunked create over HTTP/1.0 (%s): dockerd creates nothing, the gateway refuses it 400 and closes', async (label, extra) => {
    const name = `dgt-http10-te-${label}`;
    const direct = await RawConnection.unix(socket);
    try {
      direct.write(chunkedCreate(`${name}-direct`, '1.0', extra));
      const fromDaemon = await direct.response();
      expect(fromDaemon.status).toBe(500);
      expect(fromDaemon.text).toContain('EOF');
    } finally {
      direct.close();
    }
    expect(await exists(`${name}-direct`)).toBe(false);

    const conn = await RawConnection.tls(admin, gw.port);
    try {
      conn.write(chunkedCreate(name, '1.0', extra));
      const r = await conn.response();
      expect(r.status).toBe(400);
      expect(r.headers.connection?.toLowerCase()).toBe('close');
      expect((JSON.parse(r.text) as { message: string }).message).toMatch(/Transfer-Encoding on an HTTP\/1\.0 request/);
      await closedByServer(conn);
      const [record] = await recordsOf(conn.localPort, 1);
      expect(record).toMatchObject({ decision: 'malformed', status: 400, reason: expect.stringMatching(/^body-framing: /) as unknown });
    } finally {
      conn.close();
    }
    expect(await exists(name)).toBe(false);
  });

  it('on the upgrade path too (an attach over HTTP/1.0 with a chunked body)', async () => {
    const bytes = 'POST /v1.41/containers/none/attach?stream=1&stdin=1 HTTP/1.0\r\nHost: dockgate\r\nUpgrade: tcp\r\nConnection: Upgrade\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    const conn = await RawConnection.tls(admin, gw.port);
    try {
      conn.write(bytes);
      const r = await conn.response();
      expect(r.status).toBe(400);
      await closedByServer(conn);
      const [record] = await recordsOf(conn.localPort, 1);
      expect(record).toMatchObject({ decision: 'malformed', status: 400, reason: expect.stringMatching(/^body-framing: .*HTTP\/1\.0/) as unknown });
    } finally {
      conn.close();
    }
  });

  it('a chunked create over HTTP/1.1 is still created (as by dockerd)', async () => {
    const name = 'dgt-http10-te-http11';
    const conn = await RawConnection.tls(admin, gw.port);
    try {
      conn.write(chunkedCreate(name, '1.1'));
      expect((await conn.response()).status).toBe(201);
    } finally {
      conn.close();
    }
    expect(await exists(name)).toBe(true);
  });
});
