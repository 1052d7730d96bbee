/**
 * A client that leaves before its exchange completed: the daemon connection must be dropped,
 * whether the client left before the daemon's answer came, or while its answer waited behind
 * an earlier pipelined one (Node gives such a queued response no `close`). A stand-in daemon
 * on a unix socket streams forever (`/events`) or answers at once (`/_ping`), and reports when
 * the gateway closes each of its connections.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { whenSocketCloses } from '../../../src/http/socket-close.js';
import { forwarderRig } from './forwarder-rig.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const STREAM_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
const PONG = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK';

/** The stand-in daemon: its connections, each with a promise that settles when it closes. */
async function setup(opts: { headDelayMs?: number } = {}) {
  const connections: { socket: Socket; closed: Promise<void>; requests: string[] }[] = [];
  const { port } = await forwarderRig(
    cleanups,
    (s) => {
      const entry = { socket: s, closed: once(s, 'close').then(() => undefined), requests: [] as string[] };
      connections.push(entry);
      s.on('data', (d: Buffer) => {
        for (const m of d.toString('latin1').matchAll(/^(GET|POST) (\S+) HTTP\/1\.1\r\n/gm)) {
          entry.requests.push(m[2] as string);
          const answer = m[2] === '/_ping' ? PONG : STREAM_HEAD + '2\r\n{}\r\n';
          setTimeout(() => s.writable && s.write(answer), m[2] === '/_ping' ? 0 : (opts.headDelayMs ?? 0));
        }
      });
    },
    (forwarder, req, res) => {
      // As the request handler does: the exchange ends when the response or the connection closes.
      const ended = () => forwarder.ended(req, res);
      res.on('close', ended);
      whenSocketCloses(req.socket, ended);
      forwarder.forward(req, res, { onHeaders: () => undefined, onError: () => undefined }, req.url ?? '/');
    },
  );
  return { port, connections };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true when `p` settles within `ms`, false otherwise. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), sleep(ms).then(() => false)]);
}

/** Connect, send `raw`, wait `closeAfterMs`, close. */
async function clientThatLeaves(port: number, raw: string, closeAfterMs: number): Promise<void> {
  const c = connect(port, '127.0.0.1');
  c.on('error', () => undefined);
  c.on('data', () => undefined);
  c.write(raw);
  await sleep(closeAfterMs);
  c.destroy();
}

const events = 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n';

describe('the daemon connection is dropped when the client leaves', () => {
  it('while the daemon streams its answer', async () => {
    const { port, connections } = await setup();
    await clientThatLeaves(port, events, 150);
    expect(connections.length).toBe(1);
    expect(await within(connections[0]!.closed, 3000)).toBe(true);
  });

  it('before the daemon\'s answer arrived', async () => {
    const { port, connections } = await setup({ headDelayMs: 300 });
    await clientThatLeaves(port, events, 50);
    await sleep(50);
    expect(connections.length).toBe(1);
    expect(await within(connections[0]!.closed, 3000)).toBe(true);
  });

  it('the instant after sending (close in the same turn as the request)', async () => {
    const { port, connections } = await setup();
    await clientThatLeaves(port, events, 0);
    await sleep(200);
    for (const c of connections) expect(await within(c.closed, 3000)).toBe(true);
  });

  it('while its answer waited behind an earlier pipelined one', async () => {
    const { port, connections } = await setup();
    await clientThatLeaves(port, events + events, 200);
    expect(connections.length).toBe(2);
    for (const c of connections) expect(await within(c.closed, 3000)).toBe(true);
  });

  it('but a finished exchange keeps its daemon connection for the next request (control)', async () => {
    const { port, connections } = await setup();
    const c = connect(port, '127.0.0.1');
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString('latin1')));
    c.write('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(100);
    c.write('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(100);
    expect(got.match(/HTTP\/1\.1 200 OK/g)?.length).toBe(2);
    expect(connections.length).toBe(1);
    expect(connections[0]!.requests).toEqual(['/_ping', '/_ping']);
    expect(await within(connections[0]!.closed, 200)).toBe(false);
    c.destroy();
  });
});
