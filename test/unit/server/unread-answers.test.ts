/**
 * UnreadAnswers and whenFlushed (rev-dos F2): the bytes of answers the gateway builds itself
 * count against the identity's bound until they have left the gateway; a client that never
 * reads keeps them counted, and one more answer is refused. A real HTTP server and a client
 * that reads late.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/http/gateway-error.js';
import { UnreadAnswers, whenFlushed } from '../../../src/server/unread-answers.js';

describe('UnreadAnswers', () => {
  it.each<[string, number[], number, boolean]>([
    ['nothing unread: any answer, even over the bound', [], 100, true],
    ['unread answers, this one within the bound', [30], 70, true],
    ['unread answers, this one over the bound', [30], 71, false],
    ['one answer over the bound unread: the next is refused', [500], 1, false],
  ])('%s', (_name, held, n, allowed) => {
    const u = new UnreadAnswers(100);
    for (const h of held) u.take('alice', h);
    const got = (() => {
      try {
        return u.take('alice', n);
      } catch (err) {
        expect(err).toBeInstanceOf(GatewayError);
        expect((err as GatewayError).reasonCode).toBe('identity-answer-budget');
        expect((err as GatewayError).status).toBe(429);
        return undefined;
      }
    })();
    expect(got !== undefined).toBe(allowed);
    // Another identity's bound is its own.
    expect(() => new UnreadAnswers(100).take('bob', n)).not.toThrow();
  });

  it('gives back once', () => {
    const u = new UnreadAnswers(100);
    const a = u.take('alice', 40);
    u.take('alice', 50);
    a();
    a();
    expect(u.heldFor('alice')).toBe(50);
  });
});

describe('whenFlushed', () => {
  let server: Server | undefined;
  let client: Socket | undefined;
  afterEach(() => {
    client?.destroy();
    server?.close();
  });

  it('an answer the client does not read stays counted until it reads it', async () => {
    const answers = new UnreadAnswers(1024);
    const body = Buffer.alloc(32 * 1024 * 1024, 'a');
    server = createServer((_req, res) => {
      whenFlushed(res, answers.take('alice', body.length));
      res.writeHead(200, { 'Content-Length': String(body.length) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const c = connect(port, '127.0.0.1');
    client = c;
    c.pause();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 300));
    // More than the kernel's buffers take: still in the gateway, still counted.
    expect(answers.heldFor('alice')).toBe(body.length);
    expect(() => answers.take('alice', 1)).toThrow(/have not read yet/);
    let read = 0;
    c.on('data', (d: Buffer) => (read += d.length));
    c.resume();
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const tick = (): void => {
        if (answers.heldFor('alice') === 0) resolve();
        else if (Date.now() - t0 > 10_000) reject(new Error('never flushed'));
        else setTimeout(tick, 20);
      };
      tick();
    });
    expect(read).toBeGreaterThan(body.length - 8 * 1024 * 1024);
  });

  it('a client that leaves gives the bytes back', async () => {
    const answers = new UnreadAnswers(1024);
    const body = Buffer.alloc(32 * 1024 * 1024, 'b');
    server = createServer((_req, res) => {
      whenFlushed(res, answers.take('alice', body.length));
      res.end(body);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const c = connect(port, '127.0.0.1');
    c.pause();
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(answers.heldFor('alice')).toBe(body.length);
    c.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(answers.heldFor('alice')).toBe(0);
  });

  it('an answer queued behind another on a pipelined connection whose client leaves gives its bytes back (rev-final F1)', async () => {
    const answers = new UnreadAnswers(1024);
    server = createServer((req, res) => {
      // The first request's answer never comes (a `wait`); the second is built, queued behind it.
      if (req.url === '/wait') return;
      whenFlushed(res, answers.take('alice', 100));
      res.end(Buffer.alloc(100, 'c'));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const c = connect(port, '127.0.0.1');
    client = c;
    c.write('GET /wait HTTP/1.1\r\nHost: x\r\n\r\nGET /list HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(answers.heldFor('alice')).toBe(100);
    c.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(answers.heldFor('alice')).toBe(0);
  });

  it('eight answers pipelined on one connection add one close listener, not eight (rev-last F1)', async () => {
    const answers = new UnreadAnswers(1 << 20);
    const counts: number[] = [];
    server = createServer((req, res) => {
      if (req.url === '/wait') return;
      whenFlushed(res, answers.take('alice', 10));
      counts.push(req.socket.listenerCount('close'));
      res.end('0123456789');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const c = connect(port, '127.0.0.1');
    client = c;
    c.write('GET /wait HTTP/1.1\r\nHost: x\r\n\r\n' + 'GET /list HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(8));
    await new Promise((r) => setTimeout(r, 300));
    expect(answers.heldFor('alice')).toBe(80);
    // The same count for each: the first added the one listener, the others none.
    expect(counts).toHaveLength(8);
    expect(new Set(counts).size).toBe(1);
    c.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(answers.heldFor('alice')).toBe(0);
  });
});
