/**
 * announcesBody: a request head announces a body only with Content-Length or Transfer-Encoding;
 * and Node's parser, as the gateway's server runs it, gives body data to no request whose head
 * does not (the normal path counts a streamed body only then: decide-and-forward.ts).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { announcesBody } from '../../../src/http/announced-body.js';

describe('announcesBody', () => {
  it.each<[string, IncomingHttpHeaders, boolean]>([
    ['no framing headers (a GET)', { host: 'x' }, false],
    ['Content-Length', { 'content-length': '12' }, true],
    ['Content-Length: 0', { 'content-length': '0' }, true],
    ['Transfer-Encoding: chunked', { 'transfer-encoding': 'chunked' }, true],
    ['both', { 'content-length': '3', 'transfer-encoding': 'chunked' }, true],
  ])('%s', (_name, headers, expected) => {
    expect(announcesBody(headers)).toBe(expected);
  });
});

/** What Node's server made of raw bytes: each request (its target, announcesBody, body bytes), then a parse error if any. */
async function parsed(raw: string): Promise<(string | [string, boolean, number])[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dg-framing-'));
  const path = join(dir, 'server.sock');
  const seen: (string | [string, boolean, number])[] = [];
  const pending: Promise<void>[] = [];
  // The options of the gateway's server that bear on framing (gateway-server.ts).
  const server = createServer({ requestTimeout: 0, requireHostHeader: false }, (req, res) => {
    const entry: [string, boolean, number] = [req.url ?? '', announcesBody(req.headers), 0];
    seen.push(entry);
    req.on('data', (chunk: Buffer) => (entry[2] += chunk.length));
    pending.push(once(req, 'end').then(() => undefined));
    req.on('end', () => res.end());
  });
  server.maxHeadersCount = 0;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    seen.push(err.code ?? 'error');
    socket.destroy();
  });
  server.listen(path);
  await once(server, 'listening');
  try {
    const client = connect(path);
    client.on('error', () => undefined);
    client.resume();
    client.end(raw);
    await once(client, 'close');
    await Promise.all(pending);
    return seen;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

const filler = Array.from({ length: 1001 }, (_, i) => `X-F${i}: y\r\n`).join('');

describe("Node's parser gives body data only to a request whose head announcesBody", () => {
  it.each<[string, string, (string | [string, boolean, number])[]]>([
    ['a GET, bytes after its head: the next request', 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n', [['/a', false, 0], ['/b', false, 0]]],
    ['a POST without framing, bytes after its head: not its body', 'POST /a HTTP/1.1\r\nHost: x\r\n\r\nhello', [['/a', false, 0], 'HPE_INVALID_METHOD']],
    ['HTTP/1.0 POST without framing: not read to the end of the connection', 'POST /a HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\nhello', [['/a', false, 0], 'HPE_INVALID_METHOD']],
    ['Content-Length: 0, bytes after its head', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nhello', [['/a', true, 0], 'HPE_INVALID_METHOD']],
    ['Content-Length: 5', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', [['/a', true, 5]]],
    ['chunked', 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', [['/a', true, 5]]],
    ['chunked on HTTP/1.0 (the gateway refuses it: http10-body)', 'POST /a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', [['/a', true, 5]]],
    ['Content-Length behind 1001 other headers', `GET /a HTTP/1.1\r\nHost: x\r\n${filler}Content-Length: 5\r\n\r\nhello`, [['/a', true, 5]]],
    ['Transfer-Encoding and Content-Length: refused by the parser', 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n', ['HPE_INVALID_CONTENT_LENGTH']],
    ['two different Content-Lengths: refused', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', ['HPE_UNEXPECTED_CONTENT_LENGTH']],
    ['a space before the colon: refused', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello', ['HPE_INVALID_HEADER_TOKEN']],
    ['Transfer-Encoding folded into another header: refused', 'POST /a HTTP/1.1\r\nHost: x\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', ['HPE_INVALID_HEADER_TOKEN']],
  ])('%s', async (_name, raw, expected) => {
    const got = await parsed(raw);
    for (const entry of got) if (Array.isArray(entry) && entry[2] > 0) expect(entry[1], `${entry[0]} had body data`).toBe(true);
    expect(got).toEqual(expected);
  });
});
