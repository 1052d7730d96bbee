/**
 * stopReading(): a client connection of Node's HTTP server is read no more, whoever resumes it
 * afterwards (Node resumes sockets itself: when queued answers drain, when a body is read), and
 * it can still be answered and closed.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { stopReading } from '../../../src/http/stop-reading.js';
import { listeningServer, sleep } from './test-server.js';

/** A server whose first request stops reading its connection, then has `after` run on it; the requests it saw. */
async function serve(after: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ seen: string[]; client: Socket; received: () => string }> {
  const seen: string[] = [];
  const { port } = await listeningServer((req, res) => {
    seen.push(req.url ?? '');
    if (seen.length > 1) {
      res.end('late');
      return;
    }
    stopReading(req.socket);
    after(req, res);
  });
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  let text = '';
  client.on('data', (d: Buffer) => (text += d.toString('latin1')));
  client.on('error', () => undefined);
  return { seen, client, received: () => text };
}

describe('stopReading', () => {
  it.each([
    ['the socket resumed again (as Node does when its answers drain)', (req: IncomingMessage): void => void req.socket.resume()],
    ['the request read (Node resumes the socket for its body)', (req: IncomingMessage): void => void req.resume()],
  ])('nothing more is parsed after %s; the answer still goes out and closes', async (_label, resume) => {
    let answer: (() => void) | undefined;
    const { seen, client, received } = await serve((req, res) => {
      resume(req);
      answer = () => {
        res.setHeader('Connection', 'close');
        res.end('first');
      };
    });
    client.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(100);
    client.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(200);
    expect(seen).toEqual(['/first']);
    answer?.();
    await once(client, 'close');
    expect(seen).toEqual(['/first']);
    expect(received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nfirst$/);
  });
});
