/**
 * The gateway's own 400 for a request Node's parser refuses carries `X-Dockgate-Request-Id`,
 * the id of the audit record it writes for it, as every other answer the gateway writes does
 * (rev-observe F5: the constant 400 had no id, so a client could not find its record).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TestGateway } from './support/gateway.js';
import { startAdminRawGateway, type AdminRawGateway } from './support/admin-raw-gateway.js';
import { closedByServer, RawConnection } from './support/raw-tls.js';

const socket = inject('dockerSocket');
let gw: TestGateway;
let admin: string;
let recordsOf: AdminRawGateway['recordsOf'];
let stop: AdminRawGateway['stop'] | undefined;

beforeAll(async () => {
  ({ gw, admin, recordsOf, stop } = await startAdminRawGateway(socket, 'dgt-parser-refusal-id'));
});

afterAll(async () => {
  await stop?.();
});

describe("the parser's 400 names its audit record", () => {
  it.each([
    ['a raw byte in the target', Buffer.from('GET /v1.41/containers/\xff/json HTTP/1.1\r\nHost: dockgate\r\n\r\n', 'latin1'), 'HPE_INVALID_URL'],
    ['Content-Length with chunked', Buffer.from('POST /v1.41/containers/create HTTP/1.1\r\nHost: dockgate\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'), 'HPE_INVALID_TRANSFER_ENCODING'],
    ['a bad header name', Buffer.from('GET /_ping HTTP/1.1\r\nHost: dockgate\r\nBad Header: y\r\n\r\n'), 'HPE_INVALID_HEADER_TOKEN'],
    ['a lower-case method', Buffer.from('get /_ping HTTP/1.1\r\nHost: dockgate\r\n\r\n'), 'HPE_INVALID_METHOD'],
    ['headers over the limit', Buffer.from(`GET /_ping HTTP/1.1\r\nHost: dockgate\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 'HPE_HEADER_OVERFLOW'],
  ])('%s: 400 with X-Dockgate-Request-Id, the record\'s requestId', async (_label, bytes, code) => {
    const conn = await RawConnection.tls(admin, gw.port);
    try {
      conn.write(bytes);
      const r = await conn.response();
      expect(r.status).toBe(400);
      expect(r.headers.connection?.toLowerCase()).toBe('close');
      expect(JSON.parse(r.text)).toEqual({ message: 'dockgate: malformed HTTP request' });
      await closedByServer(conn);
      const [record] = await recordsOf(conn.localPort, 1);
      expect(record).toMatchObject({ decision: 'malformed', status: 400, reason: `http-parser: ${code}` });
      expect(r.headers['x-dockgate-request-id']).toBe(record?.requestId);
    } finally {
      conn.close();
    }
  });
});
