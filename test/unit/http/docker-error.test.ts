/**
 * Docker-shaped errors: `Content-Type: application/json` exactly and `{"message": ...}\n`, on a
 * normal response (optionally closing) or written raw on an upgrade's socket, which is then
 * ended without saying so (the 20.10 CLI misreads an answer announcing the close).
 */
import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sendDockerError, writeRawDockerError } from '../../../src/http/docker-error.js';

/** A response that records what is written to it. */
function response(headersSent = false): ServerResponse & { log: unknown[] } {
  const log: unknown[] = [];
  return {
    log,
    headersSent,
    writeHead(status: number, headers: Record<string, unknown>) {
      log.push(['writeHead', status, headers]);
      return this;
    },
    end(text: string) {
      log.push(['end', text]);
      return this;
    },
    destroy() {
      log.push(['destroy']);
      return this;
    },
  } as unknown as ServerResponse & { log: unknown[] };
}

describe('sendDockerError', () => {
  it('writes the status, the exact JSON content type, the byte length and the message', () => {
    const res = response();
    sendDockerError(res, 403, 'dockgate: denied “é”');
    const text = JSON.stringify({ message: 'dockgate: denied “é”' }) + '\n';
    expect(res.log).toEqual([
      ['writeHead', 403, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }],
      ['end', text],
    ]);
    expect(Buffer.byteLength(text)).toBeGreaterThan(text.length);
  });

  it('adds extra headers, and Connection: close when asked; extra headers cannot replace the content type or length', () => {
    const res = response();
    sendDockerError(res, 429, 'slow down', { 'Retry-After': '1', 'Content-Type': 'text/plain', 'Content-Length': '0' }, true);
    const text = '{"message":"slow down"}\n';
    expect(res.log).toEqual([
      ['writeHead', 429, { 'Retry-After': '1', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), Connection: 'close' }],
      ['end', text],
    ]);
  });

  it('destroys a response whose headers already went out', () => {
    const res = response(true);
    sendDockerError(res, 502, 'lost');
    expect(res.log).toEqual([['destroy']]);
  });
});

describe('writeRawDockerError', () => {
  async function written(status: number, message: string, extra?: Record<string, string>): Promise<[string, number, boolean]> {
    const socket = new PassThrough();
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const n = writeRawDockerError(socket, status, message, extra);
    await new Promise((resolve) => socket.once('end', resolve));
    return [Buffer.concat(chunks).toString(), n, socket.writableEnded];
  }

  it('writes an HTTP/1.1 answer without Connection: close, returns its byte length, and ends the socket', async () => {
    const [raw, n, ended] = await written(403, 'dockgate: denied é', { 'X-Dockgate-Request-Id': 'abc-1' });
    const body = '{"message":"dockgate: denied é"}\n';
    expect(raw).toBe(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Dockgate-Request-Id: abc-1\r\n\r\n${body}`);
    expect(n).toBe(Buffer.byteLength(raw));
    expect(raw).not.toMatch(/connection/i);
    expect(ended).toBe(true);
  });

  it('a status Node has no name for is called Error', async () => {
    const [raw] = await written(599, 'x');
    expect(raw.startsWith('HTTP/1.1 599 Error\r\n')).toBe(true);
  });
});

// The docker CLI prints the message as it is, and it quotes the caller's own name, groups and
// request (`denied ContainerCreate for <name>`): a certificate named "\u202Eecila" read as alice.
describe('the message as the CLI reads it: hidden characters written \\uXXXX', () => {
  const rows: Array<[string, string, string]> = [
    ['a bidi override in the name', 'dockgate: denied ContainerCreate for \u202Eecila (groups none)', 'dockgate: denied ContainerCreate for \\u202Eecila (groups none)'],
    ['a zero-width space and a bidi isolate in groups', 'for bob (groups op\u200Bs,\u2067dev)', 'for bob (groups op\\u200Bs,\\u2067dev)'],
    ['a newline, ESC and a C1 CSI (a forged line, terminal sequences)', 'for x\ndocker: ok\u001b[2J\u009b31m', 'for x\\u000Adocker: ok\\u001B[2J\\u009B31m'],
    ['U+2028 and a tag character beyond U+FFFF', 'a\u2028b\u{E0041}', 'a\\u2028b\\uDB40\\uDC41'],
    ['quotes, accents and CJK stay as they are', 'for Zoë (rule "日本")', 'for Zoë (rule "日本")'],
  ];

  it.each(rows)('sendDockerError: %s', (_what, message, shown) => {
    const res = response();
    sendDockerError(res, 403, message);
    const [, [, text]] = res.log as [unknown, [string, string]];
    expect(JSON.parse(text)).toEqual({ message: shown });
    expect(res.log[0]).toEqual(['writeHead', 403, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }]);
  });

  it.each(rows)('writeRawDockerError: %s', async (_what, message, shown) => {
    const socket = new PassThrough();
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    writeRawDockerError(socket, 403, message);
    await new Promise((resolve) => socket.once('end', resolve));
    const [head, text] = Buffer.concat(chunks).toString().split('\r\n\r\n') as [string, string];
    expect(JSON.parse(text)).toEqual({ message: shown });
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(text)}`);
  });
});
