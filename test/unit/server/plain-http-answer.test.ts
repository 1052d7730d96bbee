/**
 * A plain-HTTP client on the TLS listener gets Go's answer byte for byte on the TCP connection
 * under the failed TLS socket, which is then ended; without a live TCP socket nothing is written.
 */
import { createServer, Socket, connect, type Server } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerPlainHttp, PLAIN_HTTP_ANSWER } from '../../../src/server/plain-http-answer.js';

const PORT = 50001;
let server: Server;
const accepted: Socket[] = [];

beforeAll(async () => {
  server = createServer((s) => accepted.push(s));
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const s of accepted) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** A connected pair: the gateway's side (as a TLS socket's _parent) and what the client reads. */
async function pair(): Promise<{ gateway: Socket; received: Promise<string> }> {
  const client = connect(PORT, '127.0.0.1');
  const chunks: Buffer[] = [];
  client.on('data', (c: Buffer) => chunks.push(c));
  const received = new Promise<string>((resolve) => client.on('end', () => {
    resolve(Buffer.concat(chunks).toString());
    client.destroy();
  }));
  await new Promise((resolve) => client.once('connect', resolve));
  while (accepted.length === 0 || accepted.at(-1)?.remotePort !== client.localPort) await new Promise((r) => setTimeout(r, 5));
  return { gateway: accepted.at(-1) as Socket, received };
}

describe('answerPlainHttp', () => {
  it('is Go\'s net/http answer', () => {
    expect(PLAIN_HTTP_ANSWER).toBe('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
  });

  it('writes it on the TCP socket under the TLS socket and ends the connection', async () => {
    const { gateway, received } = await pair();
    answerPlainHttp({ _parent: gateway } as unknown as TLSSocket);
    expect(await received).toBe(PLAIN_HTTP_ANSWER);
  });

  it('writes nothing without a TCP socket, on one destroyed, or on something that is no net.Socket', async () => {
    expect(() => answerPlainHttp({} as TLSSocket)).not.toThrow();
    const { gateway } = await pair();
    gateway.destroy();
    expect(() => answerPlainHttp({ _parent: gateway } as unknown as TLSSocket)).not.toThrow();
    let ended = 0;
    answerPlainHttp({ _parent: { destroyed: false, writable: true, end: () => (ended += 1) } } as unknown as TLSSocket);
    expect(ended).toBe(0);
  });

  it('writes nothing on a socket no longer writable', async () => {
    const { gateway } = await pair();
    gateway.end();
    let writes = 0;
    const origEnd = gateway.end.bind(gateway);
    gateway.end = ((...args: Parameters<Socket['end']>) => {
      writes += 1;
      return origEnd(...args);
    }) as Socket['end'];
    answerPlainHttp({ _parent: gateway } as unknown as TLSSocket);
    expect(writes).toBe(0);
    gateway.destroy();
  });
});
