/**
 * The forwarder's handling of a chunked answer's head: sent together with the body when both
 * came from the daemon in one read, and at once, alone, when the daemon sends only the head
 * (`/wait`, an idle `/events`). A stand-in daemon on a unix socket writes raw HTTP, so the
 * framing is exactly what the test says; the client side counts the gateway's socket writes.
 */
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { forwarderRig } from './forwarder-rig.js';

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
const chunk = (body: string) => `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n`;

/** Socket internals the test wraps to count writes (each call is one write to the kernel). */
type CountedSocket = Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/**
 * A gateway-side HTTP server forwarding to a stand-in daemon that answers every request with
 * `answer(socket)`. Resolves the server's port and the number of writes to each client socket.
 */
async function setup(answer: (daemon: Socket) => void) {
  const writes: number[] = [];
  const { port } = await forwarderRig(
    cleanups,
    (s) => s.once('data', () => answer(s)),
    (forwarder, req, res) => {
      const socket = req.socket as CountedSocket;
      const index = writes.push(0) - 1;
      for (const method of ['_write', '_writev'] as const) {
        const original = socket[method].bind(socket);
        socket[method] = (...a: unknown[]) => {
          writes[index] = (writes[index] ?? 0) + 1;
          original(...a);
        };
      }
      forwarder.forward(req, res, { onHeaders: () => undefined, onError: () => undefined }, req.url ?? '/');
    },
  );
  return { port, writes };
}

function get(port: number, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function readAll(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const piece of res) text += String(piece);
  return text;
}

describe('forwarder: head of a chunked answer', () => {
  it.each([
    { name: 'head, one chunk and the end in one read', parts: [HEAD + chunk('[{"Id":"a"}]') + '0\r\n\r\n'], body: '[{"Id":"a"}]' },
    { name: 'head, three chunks and the end in one read', parts: [HEAD + chunk('[') + chunk('{"Id":"a"}') + chunk(']') + '0\r\n\r\n'], body: '[{"Id":"a"}]' },
    { name: 'head and the end, no body', parts: [HEAD + '0\r\n\r\n'], body: '' },
  ])('$name: one write to the client', async ({ parts, body }) => {
    const { port, writes } = await setup((s) => {
      for (const p of parts) s.write(p);
    });
    const res = await get(port, '/containers/json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(await readAll(res)).toBe(body);
    expect(writes).toEqual([1]);
  });

  it('a head the daemon sends alone reaches the client before any body exists', async () => {
    let daemonSide: Socket | undefined;
    const { port } = await setup((s) => {
      daemonSide = s;
      s.write(HEAD);
    });
    // The daemon holds the body back until the client has the head: without the head going out
    // on its own, neither side moves and the test times out.
    const res = await get(port, '/containers/x/wait');
    expect(res.statusCode).toBe(200);
    daemonSide?.end(chunk('{"StatusCode":0}') + '0\r\n\r\n');
    expect(await readAll(res)).toBe('{"StatusCode":0}');
  });

  it('a body that arrives in later reads follows the head, in order', async () => {
    const { port } = await setup((s) => {
      s.write(HEAD + chunk('one '));
      setTimeout(() => s.write(chunk('two ')), 20);
      setTimeout(() => s.end(chunk('three') + '0\r\n\r\n'), 40);
    });
    const res = await get(port, '/containers/x/logs');
    expect(await readAll(res)).toBe('one two three');
  });
});
