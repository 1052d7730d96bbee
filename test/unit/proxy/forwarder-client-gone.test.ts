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
import { Changes } from './changes.js';
import { forwarderRig } from './forwarder-rig.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const STREAM_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
const PONG = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK';

/**
 * The stand-in daemon: its connections and the requests each got. With
 * `holdStreams`, a stream's answer never comes (the client leaves before it, whatever the
 * machine's load). Every change (a connection, a request, a close, the forwarder opening or
 * closing a daemon connection) is notified to `changes`; the tests wait on those, never on time.
 */
async function setup(opts: { holdStreams?: boolean } = {}) {
  const changes = new Changes();
  const connections: { socket: Socket; requests: string[] }[] = [];
  const { port, upstream } = await forwarderRig(
    cleanups,
    (s) => {
      const entry = { socket: s, requests: [] as string[] };
      connections.push(entry);
      s.on('close', () => changes.notify());
      s.on('data', (d: Buffer) => {
        for (const m of d.toString('latin1').matchAll(/^(GET|POST) (\S+) HTTP\/1\.1\r\n/gm)) {
          entry.requests.push(m[2] as string);
          // A write after the gateway dropped the connection fails (EPIPE): that is the point.
          if (m[2] === '/_ping') s.write(PONG);
          else if (!opts.holdStreams) s.write(STREAM_HEAD + '2\r\n{}\r\n');
        }
        changes.notify();
      });
      changes.notify();
    },
    (forwarder, req, res) => {
      // As the request handler does: the exchange ends when the response or the connection closes.
      const ended = () => forwarder.ended(req, res);
      res.on('close', ended);
      whenSocketCloses(req.socket, ended);
      forwarder.forward(req, res, { onHeaders: () => undefined, onError: () => undefined }, req.url ?? '/');
    },
    (s) => {
      s.on('close', () => changes.notify());
      changes.notify();
    },
  );
  /** Every daemon connection, both its ends, has closed (the forwarder's side: nothing is leaked). */
  const allClosed = () => changes.until(() => upstream.every((s) => s.closed) && connections.every((c) => c.socket.closed));
  return { port, connections, upstream, changes, allClosed };
}

/** A client that sends `raw`; `got` is what came back so far, every piece notified to `changes`. */
function client(port: number, raw: string, changes: Changes) {
  const c = connect(port, '127.0.0.1');
  const state = { socket: c, got: '' };
  c.on('error', () => undefined);
  c.on('data', (d: Buffer) => {
    state.got += d.toString('latin1');
    changes.notify();
  });
  c.write(raw);
  return state;
}

const events = 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n';

describe('the daemon connection is dropped when the client leaves', () => {
  it('while the daemon streams its answer', async () => {
    const { port, connections, changes, allClosed } = await setup();
    const c = client(port, events, changes);
    // The stream's head and first event reached the client.
    expect(await changes.until(() => c.got.includes('\r\n{}\r\n'))).toBe(true);
    c.socket.destroy();
    expect(connections.length).toBe(1);
    expect(await allClosed()).toBe(true);
  });

  it('while the daemon streams its answer to a request whose body went whole (no `aborted` for http-proxy to act on)', async () => {
    const { port, connections, changes, allClosed } = await setup();
    const c = client(port, 'POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}', changes);
    expect(await changes.until(() => c.got.includes('\r\n{}\r\n'))).toBe(true);
    c.socket.destroy();
    expect(connections.length).toBe(1);
    expect(await allClosed()).toBe(true);
  });

  it('before the daemon\'s answer arrived', async () => {
    const { port, connections, changes, allClosed } = await setup({ holdStreams: true });
    const c = client(port, events, changes);
    // The daemon has the request; its answer is held.
    expect(await changes.until(() => connections[0]?.requests.length === 1)).toBe(true);
    c.socket.destroy();
    expect(connections.length).toBe(1);
    expect(await allClosed()).toBe(true);
    expect(c.got).toBe('');
  });

  it('the instant after sending (close in the same turn as the request)', async () => {
    const { port, upstream, changes, allClosed } = await setup();
    // Connected first: a write before the connection is made is only queued, and destroy drops
    // it (the request would never reach the gateway). Written and closed in one turn, the
    // gateway reads the request and the close together.
    const c = connect(port, '127.0.0.1');
    c.on('error', () => undefined);
    await once(c, 'connect');
    c.write(events);
    c.destroy();
    // The request was forwarded (a daemon connection opened, whether or not the daemon got to
    // accept it before it was dropped), and every daemon connection has closed.
    expect(await changes.until(() => upstream.length > 0)).toBe(true);
    expect(await allClosed()).toBe(true);
  });

  it('while its answer waited behind an earlier pipelined one', async () => {
    const { port, connections, changes, allClosed } = await setup();
    const c = client(port, events + events, changes);
    // Both went to the daemon, and the first answer's stream reached the client; the second waits behind it.
    expect(await changes.until(() => connections.length === 2 && connections.every((x) => x.requests.length === 1) && c.got.includes('\r\n{}\r\n'))).toBe(true);
    c.socket.destroy();
    expect(connections.length).toBe(2);
    expect(await allClosed()).toBe(true);
  });

  it('but a finished exchange keeps its daemon connection for the next request (control)', async () => {
    const { port, connections, upstream, changes } = await setup();
    const ping = 'GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n';
    const answers = (got: string) => got.match(/HTTP\/1\.1 200 OK[^]*?\r\n\r\nOK/g)?.length ?? 0;
    const c = client(port, ping, changes);
    expect(await changes.until(() => answers(c.got) === 1)).toBe(true);
    c.socket.write(ping);
    expect(await changes.until(() => answers(c.got) === 2)).toBe(true);
    expect(connections.length).toBe(1);
    expect(upstream.length).toBe(1);
    expect(connections[0]!.requests).toEqual(['/_ping', '/_ping']);
    // Still open after the client's second exchange: bounded by time, as a "not" must be.
    expect(await changes.until(() => connections[0]!.socket.closed, 200)).toBe(false);
    c.socket.destroy();
  });
});
